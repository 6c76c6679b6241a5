/**
 * The deskfleet provider: routes the engine's calls to the resource kind
 * named by the URN's type token. Each kind lives in resources/<kind>.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import type { HostInputs, ResourceKind } from "./kind";
import { noteOnResource } from "./engineLog";
import { unwrapSecrets, wrapSecrets } from "./inputs";
import { domain } from "./resources/domain";
import { network } from "./resources/network";
import { snapshot } from "./resources/snapshot";
import { snapshotSchedule } from "./resources/snapshotSchedule";
import { backupSchedule } from "./resources/backupSchedule";
import { storagePool } from "./resources/storagePool";
import { volume } from "./resources/volume";

export const PROVIDER_VERSION = "0.1.0";

const KINDS: ResourceKind<HostInputs>[] = [
  storagePool,
  volume,
  network,
  domain,
  snapshot,
  snapshotSchedule,
  backupSchedule,
];

const byToken = new Map(KINDS.map((k) => [k.token, k]));

/** The resource type token in a URN: the last `$`-separated part of its type. */
export function typeOfUrn(urn: string): string {
  const qualifiedType = urn.split("::")[2] ?? "";
  return qualifiedType.split("$").pop() ?? "";
}

function kindOf(urn: string): ResourceKind<HostInputs> {
  const kind = byToken.get(typeOfUrn(urn));
  if (!kind) throw new Error(`deskfleet has no resource type "${typeOfUrn(urn)}" (${urn})`);
  return kind;
}

type Props = Record<string, unknown>;
const plain = (v: unknown): Props => (unwrapSecrets(v) ?? {}) as Props;
/** Inputs the engine stored after check(): already validated, defaults filled. */
const checked = (v: unknown): HostInputs => plain(v) as unknown as HostInputs;

/**
 * What the engine stored for a resource, with the defaults of inputs it did
 * not have yet filled in (a kind that gained an input since the resource was
 * made): such an input at its default is no change, and never shows as one.
 */
function stored(kind: ResourceKind<HostInputs>, v: unknown): HostInputs & Props {
  const props = plain(v);
  return { ...kind.check({}, props).inputs, ...props };
}

/** What goes back to the engine, with the kind's secret properties wrapped as secrets. */
function secret<T extends object>(kind: ResourceKind<HostInputs>, props: T): T {
  return kind.secrets ? wrapSecrets(props, kind.secrets) : props;
}

export class DeskfleetProvider implements provider.Provider {
  readonly version = PROVIDER_VERSION;

  async check(urn: pulumi.URN, olds: unknown, news: unknown): Promise<provider.CheckResult> {
    const kind = kindOf(urn);
    const { inputs, failures } = kind.check(plain(olds), plain(news));
    // The old inputs as diff sees them: with the defaults of inputs they did not have yet.
    const before = Object.keys(plain(olds)).length > 0 ? stored(kind, olds) : {};
    if (failures.length === 0 && kind.validate) {
      failures.push(...(await kind.validate(inputs, before).catch(() => [])));
    }
    const explain = kind.explain?.bind(kind);
    if (failures.length === 0 && explain) {
      await noteOnResource(urn, () => explain(before, inputs));
    }
    return { inputs: secret(kind, inputs), failures };
  }

  diff(id: pulumi.ID, urn: pulumi.URN, olds: unknown, news: unknown): Promise<provider.DiffResult> {
    const kind = kindOf(urn);
    return Promise.resolve(kind.diff(id, stored(kind, olds), checked(news)));
  }

  async create(urn: pulumi.URN, inputs: unknown): Promise<provider.CreateResult> {
    const kind = kindOf(urn);
    const { id, outs } = await kind.create(checked(inputs), urn);
    return { id, outs: secret(kind, outs) };
  }

  async read(id: pulumi.ID, urn: pulumi.URN, props?: unknown): Promise<provider.ReadResult> {
    const kind = kindOf(urn);
    const result = await kind.read(id, plain(props));
    // No id tells the engine the object is gone.
    if (!result) return {};
    return { id, props: secret(kind, result.props), inputs: secret(kind, result.inputs) };
  }

  async update(
    id: pulumi.ID,
    urn: pulumi.URN,
    olds: unknown,
    news: unknown,
  ): Promise<provider.UpdateResult> {
    const kind = kindOf(urn);
    const outs = await kind.update(id, stored(kind, olds), checked(news), urn);
    return { outs: secret(kind, outs) };
  }

  delete(id: pulumi.ID, urn: pulumi.URN, props: unknown): Promise<void> {
    return kindOf(urn).delete(id, plain(props));
  }
}

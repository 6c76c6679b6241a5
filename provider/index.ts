/**
 * The deskfleet provider: routes the engine's calls to the resource kind
 * named by the URN's type token. Each kind lives in resources/<kind>.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import type { HostInputs, ResourceKind } from "./kind";
import { unwrapSecrets } from "./inputs";
import { domain } from "./resources/domain";
import { network } from "./resources/network";
import { snapshot } from "./resources/snapshot";
import { snapshotSchedule } from "./resources/snapshotSchedule";
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

export class DeskfleetProvider implements provider.Provider {
  readonly version = PROVIDER_VERSION;

  check(urn: pulumi.URN, olds: unknown, news: unknown): Promise<provider.CheckResult> {
    const { inputs, failures } = kindOf(urn).check(plain(olds), plain(news));
    return Promise.resolve({ inputs, failures });
  }

  diff(id: pulumi.ID, urn: pulumi.URN, olds: unknown, news: unknown): Promise<provider.DiffResult> {
    const kind = kindOf(urn);
    return Promise.resolve(kind.diff(id, checked(olds), checked(news)));
  }

  create(urn: pulumi.URN, inputs: unknown): Promise<provider.CreateResult> {
    return kindOf(urn).create(checked(inputs), urn);
  }

  async read(id: pulumi.ID, urn: pulumi.URN, props?: unknown): Promise<provider.ReadResult> {
    const result = await kindOf(urn).read(id, plain(props));
    // No id tells the engine the object is gone.
    return result ? { id, props: result.props, inputs: result.inputs } : {};
  }

  async update(
    id: pulumi.ID,
    urn: pulumi.URN,
    olds: unknown,
    news: unknown,
  ): Promise<provider.UpdateResult> {
    const outs = await kindOf(urn).update(id, plain(olds) as HostInputs & Props, checked(news));
    return { outs };
  }

  delete(id: pulumi.ID, urn: pulumi.URN, props: unknown): Promise<void> {
    return kindOf(urn).delete(id, plain(props));
  }
}

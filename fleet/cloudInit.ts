/**
 * A guest's cloud-init NoCloud seed: from the fleet's `cloudInit` entry to
 * the files of the seed ISO (`meta-data`, `user-data`, `network-config`).
 *
 * The short keys (`user`, `sshKeys`, `packages`, `hostname`) become
 * cloud-config; raw `userData` is kept as written, and the short keys are
 * merged into it when it is cloud-config. A short key and a raw key that set
 * the same thing are an error, never a silent choice.
 *
 * `instance-id` is the guest's name and a digest of what the seed says, so a
 * changed seed is a new instance to cloud-init: at the guest's next boot it
 * runs its per-instance steps again (users, keys, packages). An unchanged
 * seed keeps its id, so reboots do not re-run them.
 * https://cloudinit.readthedocs.io/en/latest/reference/datasources/nocloud.html
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { parse, stringify } from "yaml";

const HOSTNAME = /^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/;

export const cloudInitSchema = z.strictObject({
  /** The guest's host name (meta-data `local-hostname`); default: the guest's name. */
  hostname: z
    .string()
    .regex(HOSTNAME, "expected a host name: letters, digits and '-', at most 63")
    .optional(),
  /** A user made with passwordless sudo and the `sshKeys`; absent: the image's default user. */
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "expected a Linux user name, like me")
    .optional(),
  sshKeys: z
    .array(
      z
        .string()
        .regex(
          /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/,
          "expected an OpenSSH public key line, like ssh-ed25519 AAAA… me@desk",
        ),
    )
    .optional(),
  packages: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9+.:~=_-]*$/, "expected a package name"))
    .optional(),
  /** Raw user-data, as cloud-init takes it (`#cloud-config`, a script, MIME multi-part). */
  userData: z.string().min(1).optional(),
  /** Raw network-config (version 1 or 2), YAML. */
  networkConfig: z.string().min(1).optional(),
  /** The pool that holds the seed volume; default: that of the guest's first disk. */
  pool: z.string().optional(),
});

export type CloudInitFields = z.output<typeof cloudInitSchema>;

/** A problem with one key of the `cloudInit` entry. */
export interface SeedProblem {
  key: keyof CloudInitFields;
  message: string;
}

export type SeedFiles = Record<string, string>;

const CLOUD_CONFIG = /^#cloud-config[ \t]*(\r?\n|$)/;

/** The seed's files, or every problem with the entry. */
export function seedFiles(
  guest: string,
  ci: CloudInitFields,
): { files: SeedFiles } | { problems: SeedProblem[] } {
  const problems: SeedProblem[] = [];
  const userData = renderUserData(ci, problems);
  if (ci.networkConfig !== undefined) {
    const parsed = yamlMapping(ci.networkConfig);
    if (typeof parsed === "string") problems.push({ key: "networkConfig", message: parsed });
  }
  if (userData === undefined || problems.length > 0) return { problems };
  const hostname = ci.hostname ?? guest;
  const digest = createHash("sha256")
    .update(JSON.stringify([hostname, userData, ci.networkConfig ?? null]))
    .digest("hex")
    .slice(0, 12);
  return {
    files: {
      "meta-data": `instance-id: ${guest}-${digest}\nlocal-hostname: ${hostname}\n`,
      "user-data": userData,
      ...(ci.networkConfig !== undefined ? { "network-config": ci.networkConfig } : {}),
    },
  };
}

/** The cloud-config the short keys say, in a fixed order. */
function shortKeys(ci: CloudInitFields): Record<string, unknown> {
  const keys = ci.sshKeys !== undefined ? { ssh_authorized_keys: ci.sshKeys } : {};
  return {
    ...(ci.user !== undefined
      ? {
          users: [
            {
              name: ci.user,
              sudo: "ALL=(ALL) NOPASSWD:ALL",
              shell: "/bin/bash",
              lock_passwd: true,
              ...keys,
            },
          ],
        }
      : keys),
    ...(ci.packages !== undefined ? { packages: ci.packages } : {}),
  };
}

/** Which short key sets each cloud-config key (for conflict messages). */
function setBy(key: string): keyof CloudInitFields {
  if (key === "users") return "user";
  if (key === "ssh_authorized_keys") return "sshKeys";
  return "packages";
}

function renderUserData(ci: CloudInitFields, problems: SeedProblem[]): string | undefined {
  const short = shortKeys(ci);
  if (ci.userData === undefined) return toCloudConfig(short);
  if (!CLOUD_CONFIG.test(ci.userData)) {
    if (Object.keys(short).length === 0) return ci.userData; // a script or multi-part: as it is
    const keys = ["user", "sshKeys", "packages"].filter(
      (k) => ci[k as keyof CloudInitFields] !== undefined,
    );
    problems.push({
      key: "userData",
      message:
        `is not #cloud-config, so ${keys.join(", ")} cannot be merged into it; ` +
        "write them into userData, or start it with #cloud-config",
    });
    return undefined;
  }
  const raw = yamlMapping(ci.userData);
  if (typeof raw === "string") {
    problems.push({ key: "userData", message: raw });
    return undefined;
  }
  const clashes = Object.keys(short).filter((k) => k in raw);
  for (const key of clashes) {
    problems.push({
      key: setBy(key),
      message: `userData sets ${key} already; say it in one place`,
    });
  }
  if (clashes.length > 0) return undefined;
  if (Object.keys(short).length === 0) return ci.userData; // kept byte for byte
  return toCloudConfig({ ...raw, ...short });
}

function toCloudConfig(config: Record<string, unknown>): string {
  const body = Object.keys(config).length === 0 ? "{}\n" : stringify(config, { lineWidth: 0 });
  return `#cloud-config\n${body}`;
}

/** A YAML mapping (or nothing at all), or what is wrong with the text. */
function yamlMapping(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    return `is not valid YAML: ${(e as Error).message.split("\n")[0]}`;
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== "object" || Array.isArray(value)) return "is not a YAML mapping";
  return value as Record<string, unknown>;
}

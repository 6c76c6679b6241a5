/**
 * What tests need to know about the host they run on: the libvirt URI, the
 * appliance image, and a way to see every object with the test prefix.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { LibvirtClient } from "../../libvirt";

export const TEST_URI = process.env.DESKFLEET_TEST_URI ?? "qemu:///system";
/** The clone's root, from test/support/ or, compiled for a benchmark, from dist/test/support/. */
export const REPO_ROOT = [join(__dirname, "..", ".."), join(__dirname, "..", "..", "..")].find(
  (d) => existsSync(join(d, "Pulumi.yaml")),
) as string;
export const APPLIANCE = join(REPO_ROOT, ".tools", "appliance", "deskfleet-appliance.qcow2");

/** A URN as the engine would send it for a resource of type `token` named `name`. */
export function testUrn(token: string, name: string): string {
  return `urn:pulumi:test::deskfleet::${token}::${name}`;
}

export function requireAppliance(): string {
  if (!existsSync(APPLIANCE))
    throw new Error(`${APPLIANCE} is missing: run scripts/appliance/build.sh`);
  return APPLIANCE;
}

/** Names of every libvirt object whose name starts with `prefix`, by kind. */
export async function objectsNamed(conn: LibvirtClient, prefix: string) {
  const pools = await conn.listAllStoragePools(0);
  const volumes: string[] = [];
  for (const pool of pools) {
    if (!(await conn.storagePoolIsActive(pool))) continue;
    volumes.push(
      ...(await conn.storagePoolListAllVolumes(pool, 0))
        .map((v) => v.name)
        .filter((n) => n.startsWith(prefix)),
    );
  }
  return {
    domains: (await conn.listAllDomains(0)).map((d) => d.name).filter((n) => n.startsWith(prefix)),
    networks: (await conn.listAllNetworks(0))
      .map((n) => n.name)
      .filter((n) => n.startsWith(prefix)),
    pools: pools.map((p) => p.name).filter((n) => n.startsWith(prefix)),
    volumes,
  };
}

/** The guest's serial console as virtlogd logged it ("" before the first byte). */
/**
 * The interfaces plugged into `bridge` (a network of the test daemon), as
 * `ip` sees them: in the network namespace setup starts the daemon in when
 * there is one (scripts/setup-libvirt.sh), else in this one.
 */
export function bridgePorts(bridge: string): string[] {
  const show = ["-br", "link", "show", "master", bridge];
  const netns = process.env.DESKFLEET_NETNS ?? "deskfleet";
  const out = existsSync(`/run/netns/${netns}`)
    ? execFileSync("ip", ["netns", "exec", netns, "ip", ...show], { encoding: "utf8" })
    : execFileSync("ip", show, { encoding: "utf8" });
  return out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => line.split(/\s+/)[0]);
}

export function consoleText(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

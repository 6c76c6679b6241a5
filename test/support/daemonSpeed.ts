/**
 * A check each daemon-backed test file runs first: a healthy daemon defines a
 * tiny domain in milliseconds. One that re-probes qemu on every call (the
 * /dev/kvm permissions scripts/setup-libvirt.sh fixes) takes seconds per
 * define, and every test of the file would otherwise fail with a bare timeout.
 */
import type { LibvirtClient } from "../../libvirt";

/** The same bound as setup's health check (scripts/setup-libvirt.sh). */
export const HEALTHY_DEFINE_MS = 1000;

/** Defines and undefines `<prefix>speed-probe`; throws, naming the time, when the define is slow. */
export async function expectQuickDaemon(client: LibvirtClient, prefix: string): Promise<void> {
  const name = `${prefix}speed-probe`;
  const xml =
    `<domain type='qemu'><name>${name}</name><memory unit='MiB'>16</memory>` +
    "<os><type arch='x86_64'>hvm</type></os></domain>";
  const start = performance.now();
  const dom = await client.domainDefineXml(xml);
  const ms = performance.now() - start;
  await client.domainUndefine(dom, 0);
  if (ms > HEALTHY_DEFINE_MS) {
    throw new Error(
      `the daemon took ${(ms / 1000).toFixed(1)} s to define a domain (healthy: under ` +
        `${HEALTHY_DEFINE_MS / 1000} s); it is probably re-probing qemu on every call: ` +
        "run scripts/setup-libvirt.sh, which checks /dev/kvm's owner and mode",
    );
  }
}

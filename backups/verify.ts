/**
 * `backup restore --verify`: proof that a backup restores to a guest that
 * boots. The backup is restored beside the guest under a scratch name,
 * started with every network link unplugged (a copy of a mail server must not
 * talk to the world as the original), watched until its system shows it is
 * up, and removed again, volumes, NVRAM and TPM state included, whatever
 * happened.
 *
 * "Up" is the strongest sign the guest can give without knowing what runs in
 * it: with a guest agent, the agent answering; without one, the system
 * shutting itself down when the ACPI power button is pressed, which firmware
 * and boot loaders ignore and a booted Linux or Windows obeys. A guest that
 * does neither in time fails the verification, naming what was waited for.
 */
import type { LibvirtClient } from "../libvirt";
import { DomainShutoffReason } from "../libvirt";
import { shutDownGracefully, startGuest } from "../guests/lifecycle";
import { agentAnswers } from "../guests/readiness";
import { parseDomainXml } from "../xml/domain";
import type { ChunkStore } from "./chunkStore";
import type { Manifest } from "./manifest";
import { removeRestored, restoreBackup } from "./restore";
import type { Restored } from "./restore";

/** How often the agent is asked while waiting. */
const POLL_MS = 500;

export interface VerifyResult {
  guest: string;
  time: string;
  /** The scratch name it was restored under. */
  scratch: string;
  /** What showed that it booted. */
  sign: "its guest agent answered" | "it shut down on the power button";
  /** Seconds from its start to that sign. */
  seconds: number;
}

/** The scratch name of a verification: the guest's, marked, with the backup's time. */
export function scratchName(m: Pick<Manifest, "guest" | "time">): string {
  return `${m.guest}-verify-${m.time.slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`;
}

/** Every interface of a definition with its link down. */
export function unplugged(definition: string): string {
  return definition.replace(
    /(<interface\b[^>]*>)([\s\S]*?)(<\/interface>)/g,
    (_all, open, body: string, close) => {
      const rest = body.replace(/\s*<link\b[^>]*\/>/g, "");
      return `${open}${rest}<link state='down'/>${close}`;
    },
  );
}

export async function verifyBackup(
  conn: LibvirtClient,
  store: ChunkStore,
  m: Manifest,
  opts: { bootSeconds: number; progress?: (message: string) => void },
): Promise<VerifyResult> {
  const scratch = scratchName(m);
  let restored: Restored | undefined;
  try {
    restored = await restoreBackup(conn, store, m, {
      as: scratch,
      edit: unplugged,
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
    const { dom } = restored;
    const agent = parseDomainXml(m.definition).guestAgent;
    opts.progress?.(`starting ${scratch}`);
    const t0 = performance.now();
    await startGuest(conn, dom);
    const seconds = () => Number(((performance.now() - t0) / 1000).toFixed(1));
    const base = { guest: m.guest, time: m.time, scratch };
    if (agent) {
      const deadline = Date.now() + opts.bootSeconds * 1000;
      while (Date.now() < deadline) {
        if (await agentAnswers(conn, dom)) {
          return { ...base, sign: "its guest agent answered", seconds: seconds() };
        }
        if (!(await conn.domainIsActive(dom))) break;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
      throw new Error(
        `the restored copy ${scratch} did not boot: its guest agent did not answer within ${opts.bootSeconds} s`,
      );
    }
    const outcome = await shutDownGracefully(conn, dom, opts.bootSeconds);
    // A guest that stopped by itself some other way (QEMU failed, it crashed) did not obey.
    const { reason } = await conn.domainGetState(dom, 0);
    if (outcome === "shut down" && reason !== DomainShutoffReason.Shutdown) {
      const why = Object.entries(DomainShutoffReason).find(([, n]) => n === reason)?.[0];
      throw new Error(
        `the restored copy ${scratch} did not boot: it stopped by itself (libvirt's reason: ${why ?? reason}) instead of shutting down on the power button`,
      );
    }
    if (outcome !== "shut down") {
      throw new Error(
        `the restored copy ${scratch} did not boot: it did not shut down on the ACPI power button within ${opts.bootSeconds} s` +
          " (a guest without a guest agent shows it is up that way; give it longer with --boot-seconds)",
      );
    }
    return { ...base, sign: "it shut down on the power button", seconds: seconds() };
  } finally {
    if (restored) {
      opts.progress?.(`removing ${scratch}`);
      await removeRestored(conn, restored);
    }
  }
}

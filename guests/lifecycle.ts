/**
 * Running-state chores of a guest, for the provider, the snapshot runner and
 * backups alike: starting it, graceful shutdown with a forced fallback, state
 * names.
 */
import type { DomainLifecycleEvent, DomainRef, EventRegistration, LibvirtClient } from "../libvirt";
import {
  DomainEventType,
  DomainShutdownFlags,
  DomainState,
  isNotFound,
  LibvirtError,
} from "../libvirt";

/** How a shutdown ended: the guest was off already, shut itself down, or was forced off at the deadline. */
export type ShutdownOutcome = "was off" | "shut down" | "forced off";

/** How often the power-button press is repeated while waiting. */
const RESEND_MS = 2000;

/**
 * Asks the guest to shut down (its guest agent first when it has one, else or
 * then the ACPI power button), waits up to `timeoutSeconds` for it to stop,
 * then forces it off. A guest that is already off is fine.
 *
 * The wait is for the daemon's lifecycle event (STOPPED, or SHUTDOWN checked
 * against the domain's state), not a poll: it ends the moment qemu exits.
 * The press is repeated every couple of seconds: a guest that is still
 * booting has nothing listening to the button yet and would lose a single one.
 * A daemon without events (an old libvirt) is polled at each press instead.
 *
 * A press the daemon has not answered by the deadline is given up on: the
 * daemon answers only once QEMU has, and a wedged QEMU never does (seen with
 * QEMU 10 under TCG: a vCPU resetting virtio-gpu and the SPICE display
 * refresh waiting for each other). Meanwhile the press holds the domain's
 * job, so every other call that needs it waits too; destroy does not (libvirt
 * kills QEMU first), so the guest is forced off and the press then fails.
 */
export async function shutDownGracefully(
  conn: LibvirtClient,
  dom: DomainRef,
  timeoutSeconds: number,
  agent = false,
): Promise<ShutdownOutcome> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  const stop = new StopWatch();
  // Registered before the first state check, so a stop in between is not missed.
  const registration = await conn
    .domainEventLifecycleRegister(dom, (e) => stop.observe(e))
    .catch((err: unknown) => {
      if (err instanceof LibvirtError) return undefined;
      throw err;
    });
  try {
    if (!(await conn.domainIsActive(dom))) return "was off";
    while (Date.now() < deadline) {
      const press = pressPowerButton(conn, dom, agent);
      if (!(await settlesWithin(press, deadline - Date.now()))) break;
      const event = await stop.next(Math.min(RESEND_MS, deadline - Date.now()));
      if (event === "stopped") return "shut down";
      if ((event === "shutdown" || registration === undefined) && !(await conn.domainIsActive(dom)))
        return "shut down";
    }
    if (!(await conn.domainIsActive(dom))) return "shut down";
    // The guest may finish its own shutdown between the check and the destroy (a slow boot
    // answering the button at the deadline): "domain is not running" is then the goal reached.
    await conn.domainDestroy(dom, 0).catch(async (err: unknown) => {
      if (await conn.domainIsActive(dom)) throw err;
    });
    return "forced off";
  } finally {
    await deregister(registration);
  }
}

/**
 * Whether `p` settles within `ms`. A rejection in time is thrown; a later one
 * is dropped (the race's handler stays on it, so it is never unhandled).
 */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function deregister(registration: EventRegistration | undefined): Promise<void> {
  // The daemon drops it with the connection anyway; a failure here changes nothing.
  await registration?.deregister().catch(() => undefined);
}

/** Turns lifecycle events into "stopped" / "shutdown" signals that the loop above waits on. */
class StopWatch {
  private pending: "stopped" | "shutdown" | undefined;
  private wake?: () => void;

  observe(e: DomainLifecycleEvent): void {
    if (e.event === DomainEventType.Stopped || e.event === DomainEventType.Undefined) {
      this.pending = "stopped";
    } else if (e.event === DomainEventType.Shutdown) {
      // The guest finished shutting down; qemu's exit (STOPPED) normally follows.
      this.pending ??= "shutdown";
    } else {
      return;
    }
    this.wake?.();
  }

  /** The signal seen so far or within `ms`, else undefined. */
  async next(ms: number): Promise<"stopped" | "shutdown" | undefined> {
    if (this.pending === undefined && ms > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    const seen = this.pending;
    if (seen === "shutdown") this.pending = undefined; // re-checked by the caller, then waited on again
    return seen;
  }
}

/** With `agent`, libvirt asks the guest agent and falls back to ACPI when it does not answer. */
async function pressPowerButton(
  conn: LibvirtClient,
  dom: DomainRef,
  agent: boolean,
): Promise<void> {
  const flags = DomainShutdownFlags.AcpiPowerBtn | (agent ? DomainShutdownFlags.GuestAgent : 0);
  try {
    await conn.domainShutdown(dom, flags);
  } catch (err) {
    // Gone or already stopping: the events (or the state check) show it. A guest
    // without ACPI refuses the request: the caller forces it off at the deadline.
    if (isNotFound(err) || err instanceof LibvirtError) return;
    throw err;
  }
}

const STATE_NAMES: Record<DomainState, string> = {
  [DomainState.NoState]: "no state",
  [DomainState.Running]: "running",
  [DomainState.Blocked]: "blocked",
  [DomainState.Paused]: "paused",
  [DomainState.Shutdown]: "shutting down",
  [DomainState.Shutoff]: "shut off",
  [DomainState.Crashed]: "crashed",
  [DomainState.PmSuspended]: "suspended",
};

export function stateName(state: DomainState): string {
  return STATE_NAMES[state] ?? `unknown (${String(state)})`;
}

/** QEMU's words when it could not reach the guest's swtpm (the chardev "chrtpm"). */
const SWTPM_NOT_READY = /chardev socket,id=chrtpm.*Failed to connect/s;

/**
 * Starts the guest. A TPM guest's first start on libvirt 11.3 with swtpm 0.7
 * sometimes fails because QEMU found swtpm's socket not yet listening
 * ("-chardev socket,id=chrtpm,…: Failed to connect"), while the state swtpm
 * had just made is fine: one more start, a second later, succeeds. Any other
 * failure, or a second one, is the error.
 */
export async function startGuest(conn: LibvirtClient, dom: DomainRef): Promise<void> {
  try {
    await conn.domainCreate(dom, 0);
  } catch (err) {
    if (!(err instanceof LibvirtError) || !SWTPM_NOT_READY.test(err.message)) throw err;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await conn.domainCreate(dom, 0);
  }
}

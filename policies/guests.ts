/**
 * Guardrails on each guest's own settings:
 * - consoles listen on loopback or a unix socket, never on a network address;
 * - a Windows guest (Hyper-V enlightenments on, as the `windows` preset sets
 *   them) boots with Secure Boot, which Windows 11 requires and which keeps
 *   boot kits out;
 * - a guest whose NVRAM or TPM state would be deleted with it
 *   (`keepFirmwareState: false`) is pointed out: that state holds BitLocker's
 *   keys and boot entries, and no backup of the disks brings it back;
 * - a guest moves to another host only when its fleet entry names the host it
 *   leaves (`movedFrom`): a host's URI edited in `hosts:`, or a guest's `host`
 *   changed in an override file, would otherwise move guests unasked;
 * - its disks are made anew from their image only when `rebuild` is raised,
 *   not because a disk was pointed at another image in passing.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import type { GuestProps } from "./resources";
import { GUEST_DEFAULTS, TYPES, guestOf } from "./resources";

/** Where a console may listen (the Domain kind's graphicsListen). */
const SAFE_LISTEN = new Set(["loopback", "socket"]);

export function consoleProblem(p: GuestProps, name: string): string | undefined {
  const graphics = p.graphics ?? GUEST_DEFAULTS.graphics;
  const listen = p.graphicsListen ?? GUEST_DEFAULTS.graphicsListen;
  if (graphics === "none" || SAFE_LISTEN.has(listen)) return undefined;
  return `guest "${name}": its ${graphics} console listens on "${listen}"; set graphicsListen: loopback (127.0.0.1) or socket (a unix socket), and reach it over ssh`;
}

export function secureBootProblem(p: GuestProps, name: string): string | undefined {
  if (p.hyperv !== true || p.secureBoot === true) return undefined;
  return `guest "${name}" is a Windows guest (hyperv: true) without Secure Boot; set secureBoot: true (firmware: uefi, machine: q35), as the windows preset does`;
}

export function firmwareStateProblem(p: GuestProps, name: string): string | undefined {
  const keep = p.keepFirmwareState ?? GUEST_DEFAULTS.keepFirmwareState;
  const has = [
    ...((p.firmware ?? GUEST_DEFAULTS.firmware) === "uefi" ? ["NVRAM"] : []),
    ...(p.tpm === true ? ["TPM state"] : []),
  ];
  if (keep || has.length === 0) return undefined;
  return `guest "${name}": keepFirmwareState: false deletes its ${has.join(" and ")} with it (BitLocker keys, boot entries); remove that line unless you mean it`;
}

export function moveProblem(p: GuestProps, name: string): string | undefined {
  const move = p.pendingChange?.move;
  if (move === undefined || p.movedFrom === move.from) return undefined;
  const to = p.uri ?? "the stack's host";
  const said =
    p.movedFrom === undefined
      ? "the fleet does not say it is meant"
      : `its movedFrom says ${p.movedFrom}`;
  return `guest "${name}" would move from ${move.from} to ${to}, but ${said}; if it is meant, set movedFrom: to the host it leaves (its name in hosts:, or ${move.from}), else give it back its host`;
}

export function rebuildProblem(p: GuestProps, name: string): string | undefined {
  const rebuild = p.pendingChange?.rebuild;
  if (rebuild === undefined || rebuild.raised) return undefined;
  const next = (p.rebuild ?? 0) + 1;
  return `guest "${name}" would have ${rebuild.disks.join(", ")} made anew, deleting what is on them, because a disk now names another image; if it is meant, raise its rebuild to ${next}, else point the disk back at its image`;
}

function guestPolicy(
  name: string,
  description: string,
  enforcementLevel: "mandatory" | "advisory",
  problem: (p: GuestProps, name: string) => string | undefined,
): ResourceValidationPolicy {
  return {
    name,
    description,
    enforcementLevel,
    validateResource: (args, reportViolation) => {
      if (args.type !== TYPES.domain) return;
      const props = args.props as GuestProps;
      const message = problem(props, guestOf(props, args.name).name);
      if (message !== undefined) reportViolation(message);
    },
  };
}

export const consolesOnLoopback = () =>
  guestPolicy(
    "consoles-on-loopback",
    "Consoles listen on 127.0.0.1 or a unix socket only.",
    "mandatory",
    consoleProblem,
  );

export const windowsHasSecureBoot = () =>
  guestPolicy(
    "windows-has-secure-boot",
    "A Windows guest boots with UEFI Secure Boot.",
    "mandatory",
    secureBootProblem,
  );

export const firmwareStateIsKept = () =>
  guestPolicy(
    "firmware-state-is-kept",
    "A guest's NVRAM and TPM state are not deleted with it unless the fleet says so.",
    "advisory",
    firmwareStateProblem,
  );

export const movesAreAcknowledged = () =>
  guestPolicy(
    "moves-are-acknowledged",
    "A guest moves to another host only when its fleet entry names the host it leaves (movedFrom).",
    "mandatory",
    moveProblem,
  );

export const rebuildsAreAcknowledged = () =>
  guestPolicy(
    "rebuilds-are-acknowledged",
    "A guest's disks are made anew from their image only when its rebuild is raised.",
    "mandatory",
    rebuildProblem,
  );

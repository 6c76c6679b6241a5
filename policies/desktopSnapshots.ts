/**
 * Every desktop guest can be rolled back: a guest with a console (graphics),
 * the kind a person works in, has a snapshot schedule or a baseline snapshot.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { GUEST_DEFAULTS, TYPES, guestsOf } from "./resources";

interface SnapshotProps {
  uri?: string;
  domain?: string;
}

/** The desktop guests with neither a schedule nor a baseline, as messages. */
export function unprotectedDesktops(
  resources: readonly { type: string; name: string; props: Record<string, unknown> }[],
): string[] {
  const key = (uri: string | undefined, name: string | undefined) => `${uri ?? ""}\n${name ?? ""}`;
  const protectedGuests = new Set(
    resources
      .filter((r) => r.type === TYPES.snapshot || r.type === TYPES.snapshotSchedule)
      .map((r) => {
        const p = r.props as SnapshotProps;
        return key(p.uri, p.domain);
      }),
  );
  return guestsOf(resources)
    .filter((g) => (g.props.graphics ?? GUEST_DEFAULTS.graphics) !== "none")
    .filter((g) => !protectedGuests.has(key(g.props.uri, g.name)))
    .map(
      (g) =>
        `desktop guest "${g.name}" has no snapshot schedule and no baseline: a bad update cannot be rolled back; give it snapshotSchedule: <a schedule> or baseline: <a name>`,
    );
}

export function desktopsHaveSnapshots(): StackValidationPolicy {
  return {
    name: "desktops-have-snapshots",
    description: "A desktop guest (one with a console) has a snapshot schedule or a baseline.",
    enforcementLevel: "advisory",
    validateStack: (args, reportViolation) => {
      for (const message of unprotectedDesktops(args.resources)) reportViolation(message);
    },
  };
}

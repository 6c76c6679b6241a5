/**
 * Data disks survive the fleet: a blank volume (no base image, not an
 * uploaded image) holds data the user created, so it must be declared with
 * `keep: true` (the provider's `retain`) — otherwise removing a guest from a
 * fleet file would delete it.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";

import { TYPES } from "./resources";

export const VOLUME_TYPE = TYPES.volume;

export function dataDisksAreKept(): ResourceValidationPolicy {
  return {
    name: "data-disks-are-kept",
    description: "Blank volumes hold user data and must be kept (retain) when deleted.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
      if (args.type !== VOLUME_TYPE) return;
      const props = args.props as {
        name?: string;
        source?: string;
        backingVolume?: string;
        retain?: boolean;
      };
      const isData = props.source === undefined && props.backingVolume === undefined;
      if (isData && props.retain !== true) {
        reportViolation(
          `volume "${props.name ?? args.name}" holds data but is not kept: declare the disk with \`keep: true\``,
        );
      }
    },
  };
}

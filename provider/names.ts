/** Names libvirt objects may have in deskfleet (the same rule the fleet file schema applies). */
import { z } from "zod";

export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/;

export const libvirtName = z
  .string()
  .regex(
    NAME_PATTERN,
    "must start with a letter or digit and contain only letters, digits, '_', '.', '-' (at most 63)",
  );

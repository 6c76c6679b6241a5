/**
 * Errors in fleet files. Every problem found while loading is one `FleetIssue`
 * with its file:line:col, and all of them are thrown together, once, as one
 * `FleetConfigError` (like t3-env's createEnv): fixing a fleet file should not
 * take one `pulumi preview` per typo.
 */

/**
 * Stable issue codes: tools and tests match on these, never on message text.
 * Documented in stacks/FORMAT.md ("Errors").
 */
export const ISSUE_CODES = [
  // Reading and parsing
  "no_fleet_files",
  "file_unreadable",
  "yaml_syntax",
  "duplicate_key",
  "invalid_key",
  "invalid_merge",
  "recursive_alias",
  "alias_expansion",
  // Shape
  "unknown_key",
  "missing_key",
  "invalid_type",
  "invalid_value",
  "invalid_name",
  "invalid_size",
  "invalid_address",
  "invalid_mac",
  "invalid_path",
  "invalid_time",
  "too_small",
  "too_big",
  "conflicting_keys",
  // Across entries
  "unknown_reference",
  "pool_mismatch",
  "invalid_dhcp_range",
  "overlapping_subnet",
  "duplicate_bridge",
  "duplicate_pool_path",
  "duplicate_volume",
  "duplicate_mac",
  "duplicate_name",
  // Image files (only when images are checked)
  "image_not_found",
  "image_unreadable",
  "image_format_mismatch",
  "image_has_backing_file",
  "disk_smaller_than_image",
] as const;

export type FleetIssueCode = (typeof ISSUE_CODES)[number];

export interface FleetIssue {
  /** The fleet file the offending text came from, as given (relative to the project root). */
  file: string;
  /** 1-based line and column of the offending value; 0 when the issue concerns no text (an unreadable file). */
  line: number;
  col: number;
  /** Where in the fleet the problem is, e.g. `guests.demo.memory` or `guests.demo.interfaces[0].mac`; "" for a whole file. */
  path: string;
  message: string;
  code: FleetIssueCode;
}

/** `stacks/example.yaml:12:13: guests.demo.memory: expected a size like "2GiB"`. */
export function formatIssue(issue: FleetIssue): string {
  const where =
    issue.line > 0 ? `${issue.file}:${issue.line}:${issue.col}` : issue.file || "deskfleet:fleet";
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Everything wrong with a set of fleet files; `issues` holds each problem, `message` one per line. */
export class FleetConfigError extends Error {
  readonly issues: readonly FleetIssue[];

  constructor(issues: readonly FleetIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "FleetConfigError";
    this.issues = issues;
  }
}

/**
 * Raw input values as the engine sends them to a provider: secrets wrapped in
 * a signature object and, during preview, unknowns as a sentinel string.
 * Handlers only ever see plain values through these helpers.
 */
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import type { z } from "zod";

/** The string the engine sends for a value not known until apply. */
export const UNKNOWN = rpc.unknownValue;

export function isUnknown(v: unknown): boolean {
  return v === UNKNOWN;
}

/** True when `v` or anything inside it is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsUnknown);
  return false;
}

/** Replaces secret wrappers with their values, recursively. */
export function unwrapSecrets(v: unknown): unknown {
  if (rpc.isRpcSecret(v)) return unwrapSecrets(rpc.unwrapRpcSecret(v));
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  }
  return v;
}

/**
 * `props` with each of `keys` that it has wrapped as a secret again: the
 * engine stores what a provider returns as it is, so a value that came in as
 * a secret and goes back plain would be written to state in plaintext.
 */
export function wrapSecrets<T extends object>(props: T, keys: readonly string[]): T {
  const out = { ...props } as Record<string, unknown>;
  for (const k of keys) {
    const v = out[k];
    if (v !== undefined && !isUnknown(v) && !rpc.isRpcSecret(v)) {
      out[k] = { [rpc.specialSigKey]: rpc.specialSecretSig, value: v };
    }
  }
  return out as unknown as T;
}

export interface CheckFailure {
  property: string;
  reason: string;
}

/**
 * Validates raw inputs against a kind's zod schema. Unknown values are
 * accepted where they stand (they are checked again at apply time).
 */
export function validateInputs<T>(
  schema: z.ZodType<T>,
  raw: unknown,
): { inputs: T; failures: CheckFailure[] } {
  const value = unwrapSecrets(raw) as Record<string, unknown>;
  const result = schema.safeParse(value);
  if (result.success) return { inputs: result.data, failures: [] };
  const failures = result.error.issues
    .filter((issue) => !isUnknown(valueAt(value, issue.path)))
    .map((issue) => ({ property: issue.path.join(".") || "(inputs)", reason: issue.message }));
  // With only unknown-related issues left, pass the raw inputs through unchanged.
  return { inputs: value as T, failures };
}

function valueAt(v: unknown, path: PropertyKey[]): unknown {
  let cur: unknown = v;
  for (const key of path) {
    if (typeof cur !== "object" || cur === null) return undefined;
    if (isUnknown(cur)) return cur;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** Deep structural equality of JSON-like values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter(
    (k) => (b as Record<string, unknown>)[k] !== undefined,
  );
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  );
}

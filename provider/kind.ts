/**
 * What every resource kind of the provider implements. One kind, one file in
 * resources/; index.ts routes the engine's calls to a kind by type token.
 */
import type { DiffResult } from "./diff";
import type { CheckFailure } from "./inputs";
import { defaultUri } from "./config";

/** Inputs every kind takes: the libvirt URI of the host the object lives on. */
export interface HostInputs {
  uri: string;
}

export interface ResourceKind<I extends HostInputs> {
  /** Type token, e.g. "deskfleet:libvirt:Domain". */
  readonly token: string;
  /** Inputs (and the outputs of the same name) that are secrets: never returned in plaintext. */
  readonly secrets?: readonly string[];
  /** Validates and fills defaults; `olds` are the previous inputs ({} on create). */
  check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): {
    inputs: I;
    failures: CheckFailure[];
  };
  diff(id: string, olds: I, news: I): DiffResult;
  /**
   * What the resource will do that depends on the host, in words the preview
   * shows under it (provider/engineLog.ts); asked after a check that passed.
   * `olds` are the old inputs with the defaults of any they lack filled in, as
   * diff sees them ({} on create). Best effort: the host may not answer.
   */
  explain?(olds: Record<string, unknown>, inputs: I): Promise<string | undefined>;
  /**
   * What only the host can say is wrong with the inputs (a device it does not
   * have, a move it cannot make), asked after a check that passed; nothing when
   * the host cannot be asked. `olds` as for explain.
   */
  validate?(inputs: I, olds: Record<string, unknown>): Promise<CheckFailure[]>;
  /** `urn` names the Pulumi resource: kinds that mark their objects as theirs record it. */
  create(inputs: I, urn: string): Promise<{ id: string; outs: Record<string, unknown> }>;
  /** Returns undefined when the object is gone from the host. */
  read(
    id: string,
    state: Record<string, unknown>,
  ): Promise<{ props: Record<string, unknown>; inputs: I } | undefined>;
  /**
   * `olds` are the stored outputs: the old inputs plus what create/read computed. `urn` names
   * the resource, for progress shown under it (absent when called outside the engine).
   */
  update(
    id: string,
    olds: I & Record<string, unknown>,
    news: I,
    urn?: string,
  ): Promise<Record<string, unknown>>;
  delete(id: string, state: Record<string, unknown>): Promise<void>;
}

/**
 * Runs `steps` in order; if one fails, runs the undo actions registered so far
 * (newest first) and rethrows the original error. Makes create all-or-nothing.
 */
export async function allOrNothing<T>(
  steps: (onUndo: (undo: () => Promise<unknown>) => void) => Promise<T>,
): Promise<T> {
  const undos: (() => Promise<unknown>)[] = [];
  try {
    return await steps((undo) => undos.push(undo));
  } catch (err) {
    for (const undo of undos.reverse()) {
      await undo().catch(() => undefined);
    }
    throw err;
  }
}

/** Prefixes an error's message with what was being done to what. */
export async function doing<T>(what: string, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    if (err instanceof Error) {
      err.message = `${what}: ${err.message}`;
      throw err;
    }
    throw new Error(`${what}: ${String(err)}`);
  }
}

/** Kept here too for the resource kinds, which all import their helpers from this module. */
export { ignoreNotFound } from "../libvirt";

/** The URI a resource's state was created with (older state may lack it). */
export function uriOf(state: Record<string, unknown>): string {
  return typeof state.uri === "string" && state.uri !== "" ? state.uri : defaultUri();
}

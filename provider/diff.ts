/**
 * The diff every kind shares: which declared properties changed, and which of
 * those force a replacement. Only properties the user declared take part, so
 * libvirt's normalisations never show up here (read() returns the declared
 * subset).
 */
import { deepEqual, containsUnknown } from "./inputs";

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
}

export interface DiffRules {
  /**
   * The kind's input properties. The engine sends the old *outputs* as
   * `olds`, so computed outputs (uuid, path, state, …) must not take part.
   */
  inputs: readonly string[];
  /** Properties whose change means a new libvirt object. */
  replaceOn: readonly string[];
  /**
   * Replace by deleting first: libvirt names are what the user declared, so
   * old and new cannot coexist when the name stays.
   */
  deleteBeforeReplace: boolean;
}

/** Names of the top-level properties whose values differ (unknown counts as a change). */
export function changedProperties(
  olds: object,
  news: object,
  inputs: readonly string[] = [...Object.keys(olds), ...Object.keys(news)],
): string[] {
  const o = olds as Record<string, unknown>;
  const n = news as Record<string, unknown>;
  return [...new Set(inputs)].filter((k) => containsUnknown(n[k]) || !deepEqual(o[k], n[k])).sort();
}

export function diffInputs(olds: object, news: object, rules: DiffRules): DiffResult {
  const changed = changedProperties(olds, news, rules.inputs);
  const replaces = changed.filter((k) => rules.replaceOn.includes(k));
  return {
    changes: changed.length > 0,
    replaces,
    deleteBeforeReplace: replaces.length > 0 && rules.deleteBeforeReplace,
  };
}

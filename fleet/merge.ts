/**
 * Several fleet files → one: a shared fleet plus per-machine overrides.
 * Maps merge key by key, deeply (the later file wins); lists and scalars are
 * replaced whole; `null` deletes the key (a laptop dropping a guest). Positions
 * follow the data, so each value still points into the file that wrote it.
 */
import type { Loc, Path } from "./positions";
import { Positions } from "./positions";
import type { DataMap, Tree } from "./tree";
import { isDataMap } from "./tree";

/**
 * Merge `trees` (each a map, or null for an empty file) in order; `start` is the
 * position reported for an entirely empty fleet.
 */
export function mergeTrees(trees: readonly Tree[], start: Loc): Tree {
  const data: DataMap = new Map();
  const positions = new Positions(start);
  for (const tree of trees) {
    if (!isDataMap(tree.data)) continue; // an empty file
    // The first file with content is where a key missing at the top level is reported.
    const root = tree.positions.get([]);
    if (root && !positions.get([])) positions.set([], root);
    mergeMap(data, tree.data, [], positions, tree.positions);
  }
  return { data, positions };
}

function mergeMap(into: DataMap, from: DataMap, path: Path, pos: Positions, fromPos: Positions) {
  for (const [key, value] of from) {
    const at = [...path, key];
    if (value === null) {
      // A null deletes what earlier files said; with nothing earlier it is a no-op.
      into.delete(key);
      pos.deleteUnder(at);
    } else if (isDataMap(value)) {
      const existing = into.get(key);
      const map: DataMap = isDataMap(existing) ? existing : new Map<string, unknown>();
      if (map !== existing) {
        // A new map (or one replacing a scalar) is where this file defines it.
        into.set(key, map);
        pos.deleteUnder(at);
        const locs = fromPos.get(at);
        if (locs) pos.set(at, locs);
      }
      mergeMap(map, value, at, pos, fromPos);
    } else {
      into.set(key, withoutNulls(value));
      pos.deleteUnder(at);
      pos.copyUnder(fromPos, at);
    }
  }
}

/** Lists are taken whole; maps inside them still treat `null` as "not given". */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isDataMap(value)) return value;
  const out: DataMap = new Map();
  for (const [key, item] of value) {
    if (item !== null) out.set(key, withoutNulls(item));
  }
  return out;
}

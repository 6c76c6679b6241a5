/**
 * One fleet file's YAML → plain data (maps as Maps, lists as arrays, scalars
 * as they are) plus the position of every key and value.
 * The `yaml` library's own `toJS()` would lose the positions, so the document
 * is walked here. Anchors, aliases and `<<` merge keys work within a file.
 */
import type { Alias, Document, Node, Range, YAMLMap } from "yaml";
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { FleetIssueCode } from "./errors";
import type { Issues } from "./issues";
import type { Loc, NodeLocs, Path } from "./positions";
import { Positions } from "./positions";

/** A fleet file's name (as shown in errors, relative to the project root) and text. */
export interface FleetSource {
  file: string;
  text: string;
}

/** Parsed data and where each part of it is in the file. */
export interface Tree {
  data: unknown;
  positions: Positions;
}

/**
 * YAML maps are JS Maps: a plain object would move keys that look like
 * numbers ("42") to the front, and entries must keep the file's order.
 */
export type DataMap = Map<string, unknown>;

export function isDataMap(value: unknown): value is DataMap {
  return value instanceof Map;
}

/** Maps → objects (without a prototype, so `__proto__` is only ever data), for zod. */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (!isDataMap(value)) return value;
  const out = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of value) out[key] = toPlain(item);
  return out;
}

/**
 * The tree of `source` (its data a map, or null for an empty file), or undefined
 * if it is not valid YAML or not a map (an issue is added for each problem).
 */
export function readTree(source: FleetSource, issues: Issues): Tree | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false });
  const locate = (offset: number): Loc => ({ file: source.file, ...lines.linePos(offset) });
  for (const problem of [...doc.errors, ...doc.warnings]) {
    const code: FleetIssueCode = problem.code === "DUPLICATE_KEY" ? "duplicate_key" : "yaml_syntax";
    issues.at(locate(problem.pos[0]), [], code, problem.message);
  }
  if (doc.errors.length > 0) return undefined;
  const start: Loc = { file: source.file, line: 1, col: 1 };
  const walker = new Walker(doc, source.text, locate, new Positions(start), issues);
  const root = walker.loc(doc.contents, start);
  const data = walker.node(doc.contents, [], { value: root });
  if (data !== null && !isDataMap(data)) {
    const message =
      "a fleet file is a map with the keys hosts, pools, networks, images, guests, snapshotSchedules and backupSchedules";
    issues.at(root, [], "invalid_type", message);
    return undefined;
  }
  return { data, positions: walker.positions };
}

/**
 * At most this many values are read from one file, aliases expanded: a few
 * lines of nested aliases ("billion laughs") would otherwise expand without
 * bound. A real fleet file has hundreds.
 */
export const MAX_VALUES = 100_000;

class Walker {
  /** Maps and lists being walked: an alias to one of them would never end. */
  private readonly active = new Set<Node>();
  /** Values read so far, aliases expanded (see MAX_VALUES). */
  private values = 0;
  /** Where the outermost alias being expanded stands: what a person wrote. */
  private outermostAlias: { loc: Loc; path: Path } | undefined;

  constructor(
    private readonly doc: Document.Parsed,
    private readonly text: string,
    private readonly locate: (offset: number) => Loc,
    public positions: Positions,
    private readonly issues: Issues,
  ) {}

  loc(node: unknown, fallback: Loc): Loc {
    const range = (node as { range?: Range | null } | null)?.range;
    return range ? this.locate(range[0]) : fallback;
  }

  node(node: unknown, path: Path, locs: NodeLocs): unknown {
    if (++this.values > MAX_VALUES) {
      if (this.values === MAX_VALUES + 1) {
        this.issues.at(
          this.outermostAlias?.loc ?? locs.value,
          this.outermostAlias?.path ?? path,
          "alias_expansion",
          `aliases here expand to more than ${MAX_VALUES} values; write the values out or use fewer nested aliases`,
        );
      }
      return null;
    }
    this.positions.set(path, locs);
    if (isAlias(node)) {
      const outermost = this.outermostAlias === undefined;
      if (outermost) this.outermostAlias = { loc: locs.value, path };
      try {
        return this.node(this.resolve(node, locs.value, path), path, locs);
      } finally {
        if (outermost) this.outermostAlias = undefined;
      }
    }
    if (isScalar(node)) return node.value;
    if (!isMap(node) && !isSeq(node)) return null;
    if (this.active.has(node)) {
      this.issues.at(
        locs.value,
        path,
        "recursive_alias",
        "an alias may not refer to a value that contains it",
      );
      return null;
    }
    this.active.add(node);
    try {
      if (isMap(node)) return this.map(node, path, locs.value);
      return node.items.map((item, i) =>
        this.node(item, [...path, i], { value: this.loc(item, locs.value) }),
      );
    } finally {
      this.active.delete(node);
    }
  }

  private map(node: YAMLMap, path: Path, at: Loc): DataMap {
    const out: DataMap = new Map();
    // Keys written in the map win over keys brought in by `<<`, wherever they appear.
    const explicit = new Set(
      node.items.map((p) => (isMergeKey(p.key) ? undefined : this.keyName(p.key))),
    );
    for (const pair of node.items) {
      if (isMergeKey(pair.key)) {
        this.merge(pair.value, path, out, explicit, this.loc(pair.key, at));
        continue;
      }
      const name = this.keyName(pair.key);
      const keyLoc = this.loc(pair.key, at);
      if (name === undefined) {
        this.issues.at(keyLoc, path, "invalid_key", "keys must be plain names, not lists or maps");
        continue;
      }
      const locs = { key: keyLoc, value: this.loc(pair.value, keyLoc) };
      out.set(name, this.node(pair.value, [...path, name], locs));
    }
    return out;
  }

  /** YAML merge keys (`<<: *base`, `<<: [*a, *b]`): earlier maps win over later ones. */
  private merge(value: unknown, path: Path, out: DataMap, explicit: Set<unknown>, at: Loc): void {
    const target = isAlias(value) ? this.resolve(value, at, path) : value;
    const sources = isSeq(target) ? target.items : [target];
    for (const item of sources) {
      const source = isAlias(item) ? this.resolve(item, this.loc(item, at), path) : item;
      if (source === undefined) continue; // unknown anchor, reported
      if (!isMap(source)) {
        this.issues.at(
          this.loc(item, at),
          path,
          "invalid_merge",
          "<< takes a map or a list of maps",
        );
        continue;
      }
      // Walk the source into scratch positions, then keep only the keys it contributes.
      const scratch = new Positions(at);
      const own = this.positions;
      this.positions = scratch;
      const data = this.node(source, path, { value: at });
      this.positions = own;
      if (!isDataMap(data)) continue;
      for (const [key, item] of data) {
        if (explicit.has(key) || out.has(key)) continue;
        out.set(key, item);
        own.copyUnder(scratch, [...path, key]);
      }
    }
  }

  /** The node an alias refers to; the parser leaves unknown anchors to be found here. */
  private resolve(alias: Alias, at: Loc, path: Path): Node | undefined {
    const target = alias.resolve(this.doc);
    if (target === undefined) {
      const message = `unknown anchor ${JSON.stringify(alias.source)} (anchors must come before their aliases, in the same file)`;
      this.issues.at(this.loc(alias, at), path, "yaml_syntax", message);
    }
    return target;
  }

  /** A scalar key as written: strings as they are, `1`, `true` or `null` as their text. */
  private keyName(key: unknown): string | undefined {
    if (!isScalar(key)) return undefined;
    if (typeof key.value === "string") return key.value;
    const range = key.range;
    return range ? this.text.slice(range[0], range[1]) : String(key.value);
  }
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && key.value === "<<" && key.type === "PLAIN";
}

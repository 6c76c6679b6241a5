/**
 * The escape hatch: libvirt XML that deskfleet does not model, written by the
 * user and kept verbatim. A guest may add device elements (`xml.devices`) and
 * replace a top-level element of its definition (`xml.elements`, e.g. `cpu`).
 * Each fragment is one well-formed element, checked when the fleet loads;
 * reading back, a fragment is still there when libvirt's element has all it
 * says (libvirt adds addresses, aliases and defaults), so libvirt's
 * normalisation never shows as a change and a removed device does.
 */
import { XMLValidator } from "fast-xml-parser";
import { z } from "zod";
import type { XmlNode } from "./xml";
import { parseDocument, parseXml } from "./xml";

/** Top-level elements deskfleet itself must write: a fragment may not replace them. */
const OWN_ELEMENTS = ["name", "uuid", "metadata", "devices", "memory", "currentMemory", "vcpu"];

/** The fragment's one element, parsed: its name and its content. */
export function parseFragment(text: string): { name: string; node: XmlNode } {
  const doc = parseXml(`<fragment>${text}</fragment>`, "fragment");
  const [name] = Object.keys(doc);
  const value = doc[name];
  if (typeof value === "object" && value !== null) return { name, node: value as XmlNode };
  // An element with only text (`<title>x</title>`) parses to its text; an empty one to "".
  return { name, node: typeof value === "string" && value !== "" ? { "#text": value } : {} };
}

/** Why `text` is not one well-formed XML element, or undefined when it is. */
export function fragmentError(text: string): string | undefined {
  const checked = XMLValidator.validate(`<fragment>${text}</fragment>`);
  if (checked !== true) {
    const { msg, line, col } = checked.err;
    const where =
      line === 1 ? `column ${col - "<fragment>".length}` : `line ${line}, column ${col}`;
    return `not well-formed XML: ${msg} (at ${where} of the fragment)`;
  }
  // Text alone parses to a string, not an element.
  const parsed = parseDocument(`<fragment>${text}</fragment>`).fragment;
  const doc = typeof parsed === "object" && parsed !== null ? (parsed as XmlNode) : {};
  const names = Object.keys(doc).filter((k) => !k.startsWith("@_") && k !== "#text");
  const count = names.reduce((n, k) => n + (Array.isArray(doc[k]) ? doc[k].length : 1), 0);
  if (count !== 1 || typeof doc["#text"] === "string" || typeof parsed === "string") {
    return `expected exactly one element, like "<watchdog model='i6300esb' action='reset'/>"; found ${count}`;
  }
  return undefined;
}

const fragment = z.string().superRefine((text, ctx) => {
  const error = fragmentError(text);
  if (error !== undefined) ctx.addIssue({ code: "custom", message: error });
});

const element = fragment.superRefine((text, ctx) => {
  if (fragmentError(text) !== undefined) return;
  const { name } = parseFragment(text);
  if (OWN_ELEMENTS.includes(name)) {
    ctx.addIssue({
      code: "custom",
      message: `<${name}> is deskfleet's to write; declare it with its own key`,
    });
  }
});

export const xmlFields = {
  /** Verbatim XML: device elements added to <devices>, and top-level elements that replace deskfleet's. */
  xml: z
    .strictObject({
      devices: z.array(fragment).default([]),
      /** Whole top-level elements by name (`cpu: "<cpu mode='host-model'>…</cpu>"`). */
      elements: z.array(element).default([]),
    })
    .default({ devices: [], elements: [] }),
};

export type XmlExtras = z.output<typeof xmlFields.xml>;

/** `target` with each fragment's element added as a child (after those of the same name). */
export function withFragments(target: XmlNode, fragments: readonly string[]): XmlNode {
  const out: XmlNode = { ...target };
  for (const text of fragments) {
    const { name, node } = parseFragment(text);
    const before: unknown = out[name];
    const list: unknown[] = before === undefined ? [] : Array.isArray(before) ? before : [before];
    out[name] = list.length === 0 ? node : [...list, node];
  }
  return out;
}

/** `target` with each fragment's element in place of deskfleet's element of that name. */
export function withElements(target: XmlNode, fragments: readonly string[]): XmlNode {
  const out: XmlNode = { ...target };
  for (const text of fragments) {
    const { name, node } = parseFragment(text);
    out[name] = node;
  }
  return out;
}

/** Whether libvirt's `actual` has everything `declared` says: its attributes, text and children. */
export function contains(actual: unknown, declared: unknown): boolean {
  if (typeof declared !== "object" || declared === null) {
    const textOf = (v: unknown): string => {
      const t = typeof v === "object" && v !== null ? (v as XmlNode)["#text"] : v;
      return typeof t === "string" || typeof t === "number" ? String(t).trim() : "";
    };
    return textOf(actual) === textOf(declared);
  }
  if (typeof actual !== "object" || actual === null) return Object.keys(declared).length === 0;
  const a = actual as XmlNode;
  return Object.entries(declared as XmlNode).every(([key, want]) => {
    const have = a[key];
    if (have === undefined) return false;
    const wants = Array.isArray(want) ? want : [want];
    const haves = Array.isArray(have) ? have : [have];
    return wants.every((w) => haves.some((h) => contains(h, w)));
  });
}

/** The declared fragments that libvirt's parent element (`<devices>` or `<domain>`) still has. */
export function fragmentsPresent(
  parent: XmlNode | undefined,
  fragments: readonly string[],
): string[] {
  return fragments.filter((text) => {
    const { name, node } = parseFragment(text);
    const have = parent?.[name];
    if (have === undefined) return false;
    return (Array.isArray(have) ? have : [have]).some((h) => contains(h, node));
  });
}

/**
 * The one place deskfleet turns objects into libvirt XML and back, through
 * fast-xml-parser. Builders in this folder describe elements as plain objects
 * (attributes prefixed "@_", text as "#text"); parsers read libvirt's
 * normalised XML with the helpers below instead of walking raw objects.
 */
import { XMLBuilder, XMLParser } from "fast-xml-parser";

export type XmlNode = { [key: string]: unknown };

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  format: true,
  indentBy: "  ",
  suppressEmptyNode: true,
});

/** One element on one line, for fragments a person reads in a fleet file. */
const compactBuilder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  format: false,
  suppressEmptyNode: true,
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "@_",
  textNodeName: "#text",
  // Keep every value a string: "0777" or "52:54:00:…" must not become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  // Namespaced metadata elements keep their prefix.
  removeNSPrefix: false,
});

/** Serialises `{ [root]: node }` to an XML document string. */
export function buildXml(root: string, node: XmlNode): string {
  const xml: string = builder.build({ [root]: node });
  return xml;
}

/** Serialises one element `<name …>` on one line. */
export function buildElement(name: string, node: XmlNode): string {
  const xml: string = compactBuilder.build({ [name]: node });
  return xml;
}

/** Parses XML as it is: the document's top-level names and their values. */
export function parseDocument(xml: string): XmlNode {
  return parser.parse(xml) as XmlNode;
}

/** Parses an XML document and returns its root element, checking its name. */
export function parseXml(xml: string, root: string): XmlNode {
  const doc = parser.parse(xml) as XmlNode;
  const el = doc[root];
  if (el === undefined || typeof el !== "object" || el === null) {
    throw new Error(`expected a <${root}> document, got: ${xml.slice(0, 80)}`);
  }
  return el as XmlNode;
}

/** Child elements named `name`, always as an array (XML may hold 0, 1 or many). */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const v = node?.[name];
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((c: unknown) =>
    typeof c === "object" && c !== null ? (c as XmlNode) : { "#text": c },
  );
}

/** The first child element named `name`, if any. */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  return children(node, name)[0];
}

/** An attribute's value, if present. */
export function attr(node: XmlNode | undefined, name: string): string | undefined {
  const v = node?.[`@_${name}`];
  return typeof v === "string" ? v : undefined;
}

/** The text of the child element `name` (or of `node` itself when `name` is omitted). */
export function text(node: XmlNode | undefined, name?: string): string | undefined {
  const el = name === undefined ? node : node?.[name];
  if (typeof el === "string") return el;
  if (Array.isArray(el)) return text({ v: el[0] as unknown }, "v");
  if (typeof el === "object" && el !== null) {
    const t = (el as XmlNode)["#text"];
    if (typeof t === "string") return t;
    return typeof t === "number" || typeof t === "boolean" ? String(t) : "";
  }
  return undefined;
}

/** Converts a libvirt size with a unit attribute (default KiB) to bytes. */
export function sizeInBytes(node: XmlNode | undefined, name: string): number | undefined {
  const el = child(node, name);
  const value = text(el);
  if (el === undefined || value === undefined || value === "") return undefined;
  return Number(value) * unitFactor(attr(el, "unit") ?? "KiB");
}

const UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
  t: 1024 ** 4,
  tib: 1024 ** 4,
  tb: 1000 ** 4,
};

function unitFactor(unit: string): number {
  const f = UNITS[unit.toLowerCase()];
  if (f === undefined) throw new Error(`unknown libvirt size unit "${unit}"`);
  return f;
}

/**
 * <pool> XML for directory pools.
 * https://libvirt.org/formatstorage.html
 */
import { attr, buildXml, child, parseXml, text } from "./xml";

export interface PoolModel {
  name: string;
  type: "dir";
  path: string;
}

export function buildPoolXml(pool: PoolModel): string {
  return buildXml("pool", {
    "@_type": pool.type,
    name: pool.name,
    target: { path: pool.path },
  });
}

export function parsePoolXml(xml: string): PoolModel & { uuid: string } {
  const pool = parseXml(xml, "pool");
  const type = attr(pool, "type");
  if (type !== "dir") throw new Error(`pool type "${type}" is not managed by deskfleet`);
  return {
    name: text(pool, "name") ?? "",
    uuid: text(pool, "uuid") ?? "",
    type,
    path: text(child(pool, "target"), "path") ?? "",
  };
}

/**
 * The preview's note on a snapshot schedule or a baseline: which kind of
 * snapshot it takes of its guest on this host and why (snapshots/mode.ts), the
 * same words `deskfleet snapshots status` and every run's report use.
 */
import { getConnection } from "../../libvirt";
import { prospectiveKindInWords } from "../../snapshots/mode";
import { nextKindInWords } from "../../snapshots/take";
import { containsUnknown } from "../inputs";
import { ignoreNotFound } from "../kind";

export async function snapshotKindNote(
  uri: string,
  guest: string,
  memory: boolean,
  what: string,
): Promise<string> {
  const conn = await getConnection(uri);
  const dom = containsUnknown(guest)
    ? undefined
    : await conn.domainLookupByName(guest).catch(ignoreNotFound);
  if (!dom) return `${what}: ${prospectiveKindInWords(await conn.getLibVersion(), memory)}`;
  const next = await nextKindInWords(conn, dom, memory);
  return "blocked" in next
    ? `${what}: none can be taken now: ${next.blocked}`
    : `${what}: ${next.takes}`;
}

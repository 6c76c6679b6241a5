/**
 * What an update of a guest would do that its fleet file must acknowledge:
 * a move to another host, a rebuild of its disks. The guardrails that ask for
 * the acknowledgement (policies/guests.ts) are CrossGuard policies, and
 * CrossGuard shows a policy only a resource's new inputs, never the stored
 * ones; so check() works this out from the stored inputs and adds it to the
 * checked inputs as `pendingChange`. It is not in the Domain's schema: diff
 * and update never compare it, and a stale one in the state is no change.
 */
import { disksToRebuild, rebuildWords } from "./domainRebuild";
import type { DiskWithBase } from "./domainRebuild";

export interface PendingChange {
  /** It moves: `from` is the URI of the host it leaves. */
  move?: { from: string };
  /**
   * Disks made anew on their image ("pool/volume from base"); `raised`: because `rebuild` was
   * raised (else because a disk was pointed at another image).
   */
  rebuild?: { disks: string[]; raised: boolean };
}

interface Facts {
  uri?: unknown;
  rebuild?: unknown;
  disks?: unknown;
}

/** The pending change from stored inputs `olds` ({} on create) to checked `news`; undefined if none. */
export function pendingChange(
  olds: Facts,
  news: { uri: string; rebuild: number; disks: readonly DiskWithBase[] },
): PendingChange | undefined {
  if (typeof olds.uri !== "string") return undefined; // a new guest
  const pending: PendingChange = {};
  if (olds.uri !== news.uri) pending.move = { from: olds.uri };
  const before = {
    rebuild: typeof olds.rebuild === "number" ? olds.rebuild : 0,
    disks: Array.isArray(olds.disks) ? (olds.disks as DiskWithBase[]) : [],
  };
  const disks = disksToRebuild(before, news);
  if (disks.length > 0) {
    pending.rebuild = {
      disks: disks.map(rebuildWords),
      raised: news.rebuild > before.rebuild,
    };
  }
  return pending.move || pending.rebuild ? pending : undefined;
}

/**
 * Edits of the <disk> elements inside whole documents libvirt wrote (a
 * domain's definition, a snapshot with its saved <domain>), made on the text:
 * these documents hold far more than deskfleet models, and must go back to
 * libvirt byte for byte except for the disks changed. libvirt formats every
 * disk as one `<disk …>…</disk>` element whose own <source> comes before its
 * <backingStore> chain, which is what these rely on.
 */

const DISK = /<disk\b[^>]*>[\s\S]*?<\/disk>/g;

function escapeAttr(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/'/g, "&apos;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

function unescapeAttr(value: string): string {
  return value
    .replace(/&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The target device of one disk element ("vda"), if it has one. */
function targetOf(disk: string): string | undefined {
  const m = /<target\b[^>]*\bdev=(['"])(.*?)\1/.exec(disk);
  return m ? unescapeAttr(m[2]) : undefined;
}

/**
 * Every `type='volume'` disk whose pool/volume `paths` knows becomes a
 * `type='file'` disk of that path (its backing chain untouched). libvirt
 * reverts an external snapshot only when the definition saved in it has file
 * disks ("source disk … is not a regular file"), and deskfleet's guests use
 * pool volumes: a snapshot's saved definitions are rewritten this way.
 * `paths` is keyed by `${pool}/${volume}`.
 */
export function volumeDisksAsFiles(xml: string, paths: ReadonlyMap<string, string>): string {
  return xml.replace(DISK, (disk) => {
    const open = /^<disk\b[^>]*>/.exec(disk)?.[0] ?? "";
    if (!/\btype=(['"])volume\1/.test(open)) return disk;
    const source = /<source\b([^>]*?)\bpool=(['"])(.*?)\2\s+volume=(['"])(.*?)\4/.exec(disk);
    if (!source) return disk;
    const path = paths.get(`${unescapeAttr(source[3])}/${unescapeAttr(source[5])}`);
    if (path === undefined) return disk;
    const fileOpen = open.replace(/\btype=(['"])volume\1/, "type='file'");
    const fileSource = `<source${source[1]}file='${escapeAttr(path)}'`;
    return (
      fileOpen +
      disk.slice(open.length, source.index) +
      fileSource +
      disk.slice(source.index + source[0].length)
    );
  });
}

/**
 * `xml` with each disk replaced by the disk of the same target in `from`:
 * after a revert to an external snapshot, libvirt's definition points at new
 * overlays, while everything else must be what the guest was before.
 */
export function withDisksOf(xml: string, from: string): string {
  const byTarget = new Map<string, string>();
  for (const disk of from.match(DISK) ?? []) {
    const target = targetOf(disk);
    if (target !== undefined) byTarget.set(target, disk);
  }
  return xml.replace(DISK, (disk) => {
    const target = targetOf(disk);
    return (target !== undefined ? byTarget.get(target) : undefined) ?? disk;
  });
}

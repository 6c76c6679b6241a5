/**
 * The seed ISO, read back by readers that are not ours: xorriso (libisofs,
 * through both of its trees) and blkid (libblkid, as cloud-init finds its
 * seed by label). The guest kernel's own isofs reads it in the desktop e2e
 * suite, where the appliance prints a value from it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIso9660 } from "../../../provider/iso9660";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "deskfleet-iso-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FILES = [
  { name: "user-data", content: Buffer.from("#cloud-config\npackages: [spice-vdagent]\n") },
  { name: "meta-data", content: Buffer.from("instance-id: demo-1\nlocal-hostname: demo\n") },
  // More than one sector, and not a whole number of them.
  { name: "network-config", content: Buffer.from("x".repeat(5000)) },
  { name: "empty", content: Buffer.alloc(0) },
];

function written(label: string, files = FILES): string {
  const path = join(dir, `${label}-${files.length}.iso`);
  writeFileSync(path, buildIso9660(label, files));
  return path;
}

/** `xorriso -lsl /` rows: name → size, through the tree `readFs` selects. */
function listing(iso: string, readFs: "any" | "ecma119"): Record<string, number> {
  const out = execFileSync("xorriso", ["-read_fs", readFs, "-indev", iso, "-lsl", "/", "--"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return Object.fromEntries(
    [...out.matchAll(/^-\S+\s+\d+\s+\S+\s+\S+\s+(\d+)\s+.*'([^']+)'$/gm)].map((m) => [
      m[2],
      Number(m[1]),
    ]),
  );
}

describe("buildIso9660", () => {
  it("is found by its label, as cloud-init finds a NoCloud seed", () => {
    const out = execFileSync("blkid", ["-p", "-o", "export", written("cidata")], {
      encoding: "utf8",
    });
    expect(out).toMatch(/^TYPE=iso9660$/m);
    expect(out).toMatch(/^LABEL=cidata$/m);
    expect(out).toMatch(/^VERSION=Joliet/m);
  });

  it("shows the real names and sizes through Joliet", () => {
    expect(listing(written("cidata"), "any")).toEqual({
      "user-data": FILES[0].content.length,
      "meta-data": FILES[1].content.length,
      "network-config": 5000,
      empty: 0,
    });
  });

  it("shows ISO 9660 names to readers without Joliet", () => {
    expect(Object.keys(listing(written("cidata"), "ecma119")).sort()).toEqual([
      "EMPTY",
      "META_DAT",
      "NETWORK_",
      "USER_DAT",
    ]);
  });

  it("holds each file's bytes", () => {
    const iso = written("cidata");
    for (const f of FILES.filter((f) => f.content.length > 0)) {
      const out = join(dir, `out-${f.name}`);
      execFileSync("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", `/${f.name}`, out], {
        stdio: "ignore",
      });
      expect(readFileSync(out)).toEqual(f.content);
    }
  });

  it("keeps names that collide in 8.3 apart", () => {
    const files = ["user-data-1", "user-data-2"].map((name) => ({
      name,
      content: Buffer.from(name),
    }));
    const iso = written("twins", files);
    expect(Object.keys(listing(iso, "ecma119")).sort()).toEqual(["USER_DA1", "USER_DAT"]);
    expect(Object.keys(listing(iso, "any")).sort()).toEqual(["user-data-1", "user-data-2"]);
  });

  it("gives the same bytes for the same files, whatever their order", () => {
    const a = buildIso9660("cidata", FILES);
    expect(buildIso9660("cidata", [...FILES].reverse())).toEqual(a);
    expect(a.length % 2048).toBe(0);
    const changed = FILES.map((f, i) => (i === 1 ? { ...f, content: Buffer.from("x") } : f));
    expect(buildIso9660("cidata", changed)).not.toEqual(a);
  });

  it.each([
    ["", FILES, /volume label ""/],
    ["a label far too long", FILES, /1 to 16 printable ASCII/],
    ["cidata", [...FILES, FILES[0]], /"user-data" given twice/],
    ["cidata", [{ name: "a/b", content: Buffer.alloc(1) }], /"a\/b": 1 to 64 characters/],
    [
      "cidata",
      Array.from({ length: 17 }, (_, i) => ({ name: `f${i}`, content: Buffer.alloc(1) })),
      /at most 16 files/,
    ],
  ])("refuses label %j with bad files", (label, files, message) => {
    expect(() => buildIso9660(label, files)).toThrow(message);
  });
});

/** loadFleet: reading files, and checking image files through an injected inspector. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { FleetConfigError, formatIssue } from "../../../fleet/errors";
import type { ImageFile, InspectImage } from "../../../fleet/load";
import { declaredAt, loadFleet } from "../../../fleet/load";
import { inspectImageFile } from "../../../fleet/images";
import { GiB, issuesOf, yaml } from "./helpers";

const FLEET = yaml(
  "pools: { p: { path: /p } }",
  "images:",
  "  base: { source: images/base.qcow2 }",
  "  raw: { source: /srv/raw.img, format: raw }",
  "guests:",
  "  g:",
  "    memory: 1GiB",
  "    disks:",
  "      root: { image: base, size: 2GiB }",
  "      alt: { image: raw }",
);

/** Files by absolute path, as readFile would see them. */
function reader(files: Record<string, string>) {
  return (file: string): string => {
    if (file in files) return files[file];
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), {
      code: "ENOENT",
    });
  };
}

/** A qcow2 header: magic, version 3, backing file offset, virtual size. */
function qcow2(virtualSize: number, backingOffset = 0): ImageFile {
  const header = Buffer.alloc(32);
  header.write("QFI\xfb", 0, "latin1");
  header.writeUInt32BE(3, 4);
  header.writeBigUInt64BE(BigInt(backingOffset), 8);
  header.writeBigUInt64BE(BigInt(virtualSize), 24);
  return { header, size: 200 * 1024 };
}

function raw(size: number): ImageFile {
  return { header: Buffer.alloc(32), size };
}

function inspector(images: Record<string, ImageFile>): InspectImage & jest.Mock {
  return jest.fn((file: string) => {
    const image = images[file];
    if (image) return image;
    throw Object.assign(new Error("no such file"), { code: "ENOENT" });
  });
}

const readFile = reader({ "/proj/stacks/fleet.yaml": FLEET });
const GOOD = { "/proj/stacks/images/base.qcow2": qcow2(GiB), "/srv/raw.img": raw(GiB) };

test("reads the files relative to cwd and checks images", () => {
  const inspectImage = inspector(GOOD);
  const spec = loadFleet(["stacks/fleet.yaml"], { cwd: "/proj", readFile, inspectImage });
  expect(spec.images.map((i) => i.source)).toEqual([
    "/proj/stacks/images/base.qcow2",
    "/srv/raw.img",
  ]);
  expect(inspectImage.mock.calls).toEqual([["/proj/stacks/images/base.qcow2"], ["/srv/raw.img"]]);
});

test("declaredAt: where a value was written, for errors found later against the host", () => {
  const spec = loadFleet(["stacks/fleet.yaml"], { cwd: "/proj", readFile, checkImages: false });
  expect(declaredAt(spec, ["guests", "g", "disks", "root", "size"])).toBe(
    "stacks/fleet.yaml:9:34: guests.g.disks.root.size", // the value "2GiB",
  );
  expect(declaredAt(spec, ["guests", "g", "disks", "alt", "size"])).toBeUndefined();
  expect(declaredAt({ ...spec }, ["guests", "g", "disks", "root", "size"])).toBeUndefined();
});

test("checkImages: false never looks at image files", () => {
  const inspectImage = inspector({});
  const spec = loadFleet(["stacks/fleet.yaml"], {
    cwd: "/proj",
    readFile,
    inspectImage,
    checkImages: false,
  });
  expect(spec.guests).toHaveLength(1);
  expect(inspectImage).not.toHaveBeenCalled();
});

test.each<[string, Record<string, ImageFile>, [number, string, string, string, string]]>([
  [
    "a missing image file",
    { "/srv/raw.img": raw(GiB) },
    [
      3,
      "images/",
      "images.base.source",
      "image_not_found",
      "image file not found: /proj/stacks/images/base.qcow2",
    ],
  ],
  [
    "a raw file declared qcow2",
    { ...GOOD, "/proj/stacks/images/base.qcow2": raw(GiB) },
    [
      3,
      "{",
      "images.base.format",
      "image_format_mismatch",
      '/proj/stacks/images/base.qcow2 is not a qcow2 image (no "QFI\\xfb" magic); if it is a raw image, write format: raw',
    ],
  ],
  [
    "a qcow2 file declared raw",
    { ...GOOD, "/srv/raw.img": qcow2(GiB) },
    [
      4,
      "raw }",
      "images.raw.format",
      "image_format_mismatch",
      "/srv/raw.img is a qcow2 image; write format: qcow2",
    ],
  ],
  [
    "a qcow2 overlay as an image",
    { ...GOOD, "/proj/stacks/images/base.qcow2": qcow2(GiB, 512) },
    [
      3,
      "images/",
      "images.base.source",
      "image_has_backing_file",
      "/proj/stacks/images/base.qcow2 is an overlay on another file; upload a standalone image (qemu-img convert -O qcow2 in.qcow2 out.qcow2)",
    ],
  ],
  [
    "a disk smaller than its qcow2 image",
    { ...GOOD, "/proj/stacks/images/base.qcow2": qcow2(4 * GiB) },
    [
      9,
      "2GiB",
      "guests.g.disks.root.size",
      "disk_smaller_than_image",
      '2GiB is smaller than image "base" (4GiB)',
    ],
  ],
])("%s", (_name, images, [line, token, pathText, code, message]) => {
  const col = FLEET.split("\n")[line - 1].indexOf(token) + 1;
  const issues = issuesOf(() =>
    loadFleet(["stacks/fleet.yaml"], { cwd: "/proj", readFile, inspectImage: inspector(images) }),
  );
  expect(issues).toEqual([{ file: "stacks/fleet.yaml", line, col, path: pathText, code, message }]);
});

test("an image file that cannot be read", () => {
  const inspectImage: InspectImage = (file) => {
    if (file === "/srv/raw.img") return raw(GiB);
    throw Object.assign(new Error("EACCES: permission denied"), { code: "EACCES" });
  };
  const issues = issuesOf(() =>
    loadFleet(["stacks/fleet.yaml"], { cwd: "/proj", readFile, inspectImage }),
  );
  expect(issues.map((i) => [i.code, i.message])).toEqual([
    [
      "image_unreadable",
      "cannot read image file /proj/stacks/images/base.qcow2: EACCES: permission denied",
    ],
  ]);
});

test("every unreadable fleet file is reported, without a position", () => {
  const issues = issuesOf(() =>
    loadFleet(["stacks/fleet.yaml", "stacks/nope.yaml", "/etc/gone.yaml"], {
      cwd: "/proj",
      readFile,
    }),
  );
  expect(issues).toEqual([
    {
      file: "stacks/nope.yaml",
      line: 0,
      col: 0,
      path: "",
      code: "file_unreadable",
      message: "cannot read /proj/stacks/nope.yaml: no such file",
    },
    {
      file: "/etc/gone.yaml",
      line: 0,
      col: 0,
      path: "",
      code: "file_unreadable",
      message: "cannot read /etc/gone.yaml: no such file",
    },
  ]);
  expect(issues.map(formatIssue)).toEqual([
    "stacks/nope.yaml: cannot read /proj/stacks/nope.yaml: no such file",
    "/etc/gone.yaml: cannot read /etc/gone.yaml: no such file",
  ]);
});

test("no fleet files at all", () => {
  const issues = issuesOf(() => loadFleet([], { cwd: "/proj", readFile }));
  expect(issues.map(formatIssue)).toEqual([
    "deskfleet:fleet: no fleet files given (stack config deskfleet:fleet lists them)",
  ]);
  expect(issues[0].code).toBe("no_fleet_files");
});

test("a FleetConfigError carries every issue and lists them in its message", () => {
  const text = yaml(
    "guests:",
    "  a: { memory: 256 }",
    "  b: { memory: 1GiB, vcpus: 0, graphics: vnx }",
  );
  let error: unknown;
  try {
    loadFleet(["f.yaml"], { cwd: "/proj", readFile: reader({ "/proj/f.yaml": text }) });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(FleetConfigError);
  const { name, message, issues } = error as FleetConfigError;
  expect(name).toBe("FleetConfigError");
  expect(issues.map((i) => i.code)).toEqual(["invalid_size", "too_small", "invalid_value"]);
  expect(message).toBe(
    [
      'f.yaml:2:16: guests.a.memory: expected a size like "2GiB"',
      "f.yaml:3:29: guests.b.vcpus: must be at least 1",
      'f.yaml:3:42: guests.b.graphics: expected one of "none", "vnc", "spice", got "vnx" (did you mean "vnc"?)',
    ].join("\n"),
  );
});

describe("inspectImageFile (the real file system)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "test-deskfleet-stacks-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("reads the header and the size", () => {
    const file = path.join(dir, "base.qcow2");
    const image = qcow2(GiB);
    writeFileSync(file, Buffer.concat([image.header, Buffer.alloc(100)]));
    expect(inspectImageFile(file)).toEqual({ header: image.header, size: 132 });
  });

  test("a file shorter than a header", () => {
    const file = path.join(dir, "tiny.img");
    writeFileSync(file, "abc");
    expect(inspectImageFile(file)).toEqual({ header: Buffer.from("abc"), size: 3 });
  });

  test("a missing file throws ENOENT; a directory is not an image", () => {
    expect(() => inspectImageFile(path.join(dir, "nope"))).toThrow(
      expect.objectContaining({ code: "ENOENT" }) as Error,
    );
    mkdirSync(path.join(dir, "sub"));
    expect(() => inspectImageFile(path.join(dir, "sub"))).toThrow("not a regular file");
  });

  test("loadFleet checks real files by default", () => {
    writeFileSync(
      path.join(dir, "fleet.yaml"),
      yaml(
        "pools: { p: { path: /p } }",
        "images:",
        "  i: { source: base.qcow2 }",
        "  j: { source: tiny.img }",
      ),
    );
    const issues = issuesOf(() => loadFleet(["fleet.yaml"], { cwd: dir }));
    expect(issues.map((i) => [i.path, i.code])).toEqual([
      ["images.j.format", "image_format_mismatch"],
    ]);
  });
});

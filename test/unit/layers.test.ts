/**
 * Nothing imports upward: each top-level folder of the program may import
 * only the folders below it (README's Layout). A new import across layers
 * fails here, naming the file and what it imports.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { REPO_ROOT } from "../support/host";

/** Each layer and the layers it may import (besides itself). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  units: [],
  libvirt: [],
  xml: ["libvirt"],
  guests: ["libvirt"],
  snapshots: ["libvirt", "xml"],
  backups: ["libvirt", "xml", "snapshots", "guests", "units"],
  provider: ["libvirt", "xml", "snapshots", "backups", "guests", "units"],
  fleet: ["snapshots", "xml", "units"],
  components: ["fleet", "provider", "snapshots", "xml", "libvirt"],
  review: ["provider", "units"],
  cli: ["libvirt", "xml", "snapshots", "backups", "fleet", "review", "units"],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

const IMPORT = /(?:from|import|require)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g;

const crossings = Object.entries(MAY_IMPORT).flatMap(([layer, allowed]) =>
  sources(join(REPO_ROOT, layer)).flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(IMPORT)].flatMap((m) => {
      const target = relative(REPO_ROOT, resolve(dirname(file), m[1])).split("/")[0];
      return target === layer || allowed.includes(target)
        ? []
        : [`${relative(REPO_ROOT, file)} imports ${m[1]} (${target})`];
    }),
  ),
);

it("every layer imports only the layers below it", () => {
  expect(crossings).toEqual([]);
});

it("the check sees imports (it is not vacuous)", () => {
  const provider = sources(join(REPO_ROOT, "provider")).map((f) => readFileSync(f, "utf8"));
  expect(provider.join("\n").match(IMPORT)?.length).toBeGreaterThan(50);
});

it("the program and the plugin load Pulumi's SDK by its modules, never by its index (350 ms more per run)", () => {
  const VALUE_IMPORT_OF_INDEX = /^import (?!type )[^;]*from "@pulumi\/pulumi";/m;
  const program = [
    join(REPO_ROOT, "index.ts"),
    ...["components", "provider", "fleet", "xml", "libvirt", "snapshots", "units"].flatMap((d) =>
      sources(join(REPO_ROOT, d)),
    ),
  ];
  const offenders = program.filter((f) => VALUE_IMPORT_OF_INDEX.test(readFileSync(f, "utf8")));
  expect(offenders.map((f) => relative(REPO_ROOT, f))).toEqual([]);
  // Not vacuous: the pattern catches such an import, and leaves a type-only one.
  expect(VALUE_IMPORT_OF_INDEX.test('import * as pulumi from "@pulumi/pulumi";')).toBe(true);
  expect(VALUE_IMPORT_OF_INDEX.test('import type * as pulumi from "@pulumi/pulumi";')).toBe(false);
});

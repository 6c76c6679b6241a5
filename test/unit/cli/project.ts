/** A throw-away project directory for the tests of init and affected: Pulumi.yaml, stacks/. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../../support/host";

export const EXAMPLE_FLEET = readFileSync(path.join(REPO_ROOT, "stacks", "example.yaml"), "utf8");

export class Project {
  readonly root = mkdtempSync(path.join(tmpdir(), "test-deskfleet-init-"));

  constructor(files: Record<string, string> = {}) {
    this.write("Pulumi.yaml", "name: deskfleet\nruntime: nodejs\nstackConfigDir: stacks\n");
    for (const [file, text] of Object.entries(files)) this.write(file, text);
  }

  /** A project like this repository's: stack `example` on stacks/example.yaml. */
  static example(extra: Record<string, string> = {}): Project {
    return new Project({
      "stacks/Pulumi.example.yaml":
        "config:\n  deskfleet:uri: qemu:///system\n  deskfleet:fleet:\n    - stacks/example.yaml\n",
      "stacks/example.yaml": EXAMPLE_FLEET,
      ...extra,
    });
  }

  write(file: string, text: string): void {
    mkdirSync(path.dirname(path.join(this.root, file)), { recursive: true });
    writeFileSync(path.join(this.root, file), text);
  }

  read(file: string): string {
    return readFileSync(path.join(this.root, file), "utf8");
  }

  /** Every file under stacks/ with its text, to show that nothing changed. */
  snapshot(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of readdirSync(path.join(this.root, "stacks")).sort()) {
      out[name] = this.read(`stacks/${name}`);
    }
    return out;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Previews for the review's golden tests: the real ones pulumi v3.259.0 wrote
 * for a small stack (fixtures/, trimmed: debug events and refresh steps left
 * out, paths made neutral), and made-up ones for what a single host cannot show
 * cheaply (a move, a rebuild) or what must never reach a comment unescaped.
 * The made-up notes are the provider's words (provider/resources/domainChanges.ts,
 * domainMove.ts, domainRebuild.ts, network.ts).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PreviewData, Props, Step } from "../../../review/preview";
import { parseEventLog } from "../../../review/preview";

export const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", name), "utf8");

const URI = "qemu:///system";
const LAPTOP = "qemu+ssh://me@laptop/system";
const FLEET = "deskfleet:fleet:Fleet";
const urn = (path: string, name: string) => `urn:pulumi:desk::deskfleet::${FLEET}$${path}::${name}`;
const guestUrn = (g: string) => urn("deskfleet:fleet:Guest", g);

export const domainUrn = (g: string) => urn("deskfleet:fleet:Guest$deskfleet:libvirt:Domain", g);
export const volumeUrn = (g: string, disk: string) =>
  urn("deskfleet:fleet:Guest$deskfleet:libvirt:Volume", `${g}-${disk}`);

const GUEST: Props = {
  uri: URI,
  memory: 2 * 2 ** 30,
  vcpus: 2,
  running: true,
  firmware: "bios",
  tpm: false,
  keepFirmwareState: true,
  disks: [{ pool: "default", volume: "demo-root.qcow2" }],
  interfaces: [{ network: "lan" }],
};

type Change = { olds?: Props; news?: Props; replaceReasons?: string[] };

export function domain(op: string, name: string, c: Change = {}): Step {
  const base = { ...GUEST, name };
  return {
    op,
    urn: domainUrn(name),
    type: "deskfleet:libvirt:Domain",
    name,
    parent: guestUrn(name),
    ...(op !== "create" ? { olds: { ...base, ...c.olds } } : {}),
    ...(op !== "delete" ? { news: { ...base, ...c.news } } : {}),
    replaceReasons: c.replaceReasons ?? [],
  };
}

export function volume(op: string, guest: string, disk: string, p: Props, c: Change = {}): Step {
  const base = { uri: URI, pool: "default", name: `${guest}-${disk}.qcow2`, format: "qcow2", ...p };
  return {
    op,
    urn: volumeUrn(guest, disk),
    type: "deskfleet:libvirt:Volume",
    name: `${guest}-${disk}`,
    parent: guestUrn(guest),
    ...(op !== "create" ? { olds: { ...base, ...c.olds } } : {}),
    ...(op !== "delete" ? { news: { ...base, ...c.news } } : {}),
    replaceReasons: c.replaceReasons ?? [],
  };
}

export function network(op: string, name: string, c: Change = {}): Step {
  const base = { uri: URI, name, mode: "isolated", address: "10.0.0.1/24" };
  return {
    op,
    urn: urn("deskfleet:fleet:Network$deskfleet:libvirt:Network", name),
    type: "deskfleet:libvirt:Network",
    name,
    parent: urn("deskfleet:fleet:Network", name),
    ...(op !== "create" ? { olds: { ...base, ...c.olds } } : {}),
    ...(op !== "delete" ? { news: { ...base, ...c.news } } : {}),
    replaceReasons: [],
  };
}

const preview = (
  steps: Step[],
  notes: [string, string][] = [],
  rest: Partial<PreviewData> = {},
) => ({
  steps,
  notes: notes.map(([u, message]) => ({ urn: u, severity: "info", message })),
  policies: { packs: ["deskfleet"], findings: [] },
  failed: false,
  errors: [],
  ...rest,
});

const DATA = { capacity: 2 ** 30 };
const OVERLAY = { backingVolume: "debian-13.qcow2" };

/** Every scenario: a stack name, its preview, and Pulumi's text where there is one. */
export interface Scenario {
  stack: string;
  data: PreviewData;
  text?: string;
  /** The fleet's names of its hosts, by URI (cli/review.ts reads them from the fleet). */
  hostNames?: Record<string, string>;
}

export const SCENARIOS: Record<string, Scenario> = {
  "create (real)": { stack: "test-revp", data: parseEventLog(fixture("create.events.jsonl")) },
  "update, replace, delete and policy violations (real)": {
    stack: "test-revp",
    data: parseEventLog(fixture("update.events.jsonl")),
    text: fixture("update.preview.txt"),
  },
  live: {
    stack: "desk",
    data: preview(
      [
        domain("update", "demo", { olds: { memory: 2 ** 31 }, news: { memory: 2 ** 32 } }),
        network("update", "lan", { news: { dhcp: { start: "10.0.0.100", end: "10.0.0.200" } } }),
      ],
      [
        [domainUrn("demo"), "guest demo: memory 2 GiB → 4 GiB (live)\n"],
        [
          urn("deskfleet:fleet:Network$deskfleet:libvirt:Network", "lan"),
          "network lan: dhcp none → 10.0.0.100-10.0.0.200 (live: dnsmasq reloads; links and leases stay)\n",
        ],
      ],
    ),
  },
  "next boot": {
    stack: "desk",
    data: preview(
      [
        domain("update", "demo", {
          olds: { running: false },
          news: { running: false, machine: "q35" },
        }),
      ],
      [[domainUrn("demo"), "guest demo: machine pc → q35 (next boot)\n"]],
    ),
  },
  "restart pending": {
    stack: "desk",
    data: preview(
      [domain("update", "demo", { news: { machine: "q35" } }), domain("same", "mail")],
      [
        [
          domainUrn("demo"),
          "guest demo: machine pc → q35 (restart needed; pending until the guest restarts)\n",
        ],
        [domainUrn("mail"), "guest mail: restart pending since earlier: machine\n"],
      ],
    ),
  },
  "restart now": {
    stack: "desk",
    data: preview(
      [domain("update", "demo", { news: { machine: "q35", restart: "allowed" } })],
      [
        [
          domainUrn("demo"),
          "guest demo: machine pc → q35 (restart); restart never → allowed (live); the guest restarts gracefully\n",
        ],
      ],
    ),
  },
  move: {
    stack: "desk",
    hostNames: { [URI]: "desk", [LAPTOP]: "laptop" },
    data: preview(
      [
        domain("update", "demo", { news: { uri: LAPTOP } }),
        volume("update", "demo", "root", { ...OVERLAY }, { news: { uri: LAPTOP } }),
      ],
      [
        [
          domainUrn("demo"),
          `move demo ${URI} → ${LAPTOP} (cold: the guest stops while its 1 disk (1.5 GiB allocated) are copied and verified; UUID, MACs, NVRAM and TPM state kept; removed from the old host only once it runs on the new one)\n`,
        ],
      ],
    ),
  },
  rebuild: {
    stack: "desk",
    data: preview(
      [domain("update", "demo", { olds: { rebuild: 0 }, news: { rebuild: 1 } })],
      [
        [
          domainUrn("demo"),
          "rebuild demo: default/demo-root.qcow2 from debian-13.qcow2 made anew (its other disks, UUID, MACs, NVRAM and TPM state kept; the guest restarts gracefully; its snapshots nightly are deleted (they hold the old disks))\n",
        ],
      ],
    ),
  },
  "replace a guest": {
    stack: "desk",
    data: preview([
      domain("replace", "demo", {
        olds: { type: "qemu" },
        news: { type: "kvm" },
        replaceReasons: ["type"],
      }),
    ]),
  },
  deletes: {
    stack: "desk",
    data: preview([
      domain("delete", "win11", {
        olds: { firmware: "uefi", tpm: true, keepFirmwareState: false },
      }),
      volume("delete", "win11", "root", { ...OVERLAY, retain: false }),
      volume("delete", "win11", "data", { ...DATA, retain: false }),
      domain("delete", "old"),
      volume("delete", "old", "data", { ...DATA, retain: true }),
      domain("delete", "spare", { olds: { running: false } }),
    ]),
  },
  policies: {
    stack: "desk",
    data: preview([volume("create", "demo", "scratch", { ...DATA, retain: false })], [], {
      failed: true,
      policies: {
        packs: ["deskfleet"],
        findings: [
          {
            urn: volumeUrn("demo", "scratch"),
            pack: "deskfleet",
            policy: "data-disks-are-kept",
            level: "mandatory",
            description: "Blank volumes hold user data and must be kept (retain) when deleted.",
            message:
              'volume "demo-scratch.qcow2" holds data but is not kept: declare the disk with `keep: true`',
          },
          {
            urn: domainUrn("demo"),
            pack: "deskfleet",
            policy: "snapshot-schedule",
            level: "advisory",
            description: "Desktop guests have a snapshot schedule.",
            message: "guest demo has no snapshot schedule or baseline",
          },
          {
            pack: "deskfleet",
            policy: "memory-budget",
            level: "advisory",
            description: "",
            message: "running guests ask for 30 GiB of the host's 32 GiB",
          },
        ],
      },
    }),
  },
  "HTML escaping": {
    stack: "<b>desk</b>",
    data: preview(
      [
        domain("create", "<img src=x onerror=alert(1)>", {
          news: { interfaces: [{ network: 'l"a|n' }] },
        }),
        network("create", 'l"a|n'),
        domain("update", "*star*_under_`tick`", { news: { machine: "q35" } }),
      ],
      [
        [
          domainUrn("*star*_under_`tick`"),
          "guest *star*_under_`tick`: machine pc → q35 (next boot)\n",
        ],
      ],
      {
        policies: {
          packs: ["<pack>"],
          findings: [
            {
              urn: domainUrn("<img src=x onerror=alert(1)>"),
              pack: "<pack>",
              policy: "<policy>",
              level: "advisory",
              description: "",
              message: "a [link](javascript:alert(1)) & <script>alert(1)</script> | cell",
            },
          ],
        },
      },
    ),
    text: "Previewing update (<b>desk</b>):\n</pre><script>alert(1)</script>\n\u001b[32m+ created\u001b[0m\n",
  },
  "no changes": {
    stack: "desk",
    data: preview([domain("same", "demo"), network("same", "lan")]),
  },
  "preview failed": {
    stack: "desk",
    data: preview([], [], {
      failed: true,
      policies: undefined,
      errors: [
        "Running program '/home/me/fleet/index.js' failed: fleet.yaml:3:5: unknown key `memroy`",
      ],
    }),
  },
};

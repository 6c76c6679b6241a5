/**
 * Reading previews: the real JSON and event log pulumi v3.259.0 wrote for one
 * change (fixtures/update.*), read into the same steps; policy findings only
 * from the event log; wrong input refused with its code.
 */
import type { PreviewData } from "../../../review/preview";
import {
  ReviewInputError,
  combine,
  parseEventLog,
  parsePreviewJson,
  urnName,
  urnStack,
  urnType,
} from "../../../review/preview";
import { fixture } from "./scenarios";

const changes = (d: PreviewData) =>
  d.steps
    .filter((s) => s.op !== "same")
    .map((s) => `${s.op} ${s.type} ${s.name}`)
    .sort();

const CHANGES = [
  "create deskfleet:fleet:Guest test-revp-b",
  "create deskfleet:libvirt:Domain test-revp-b",
  "create deskfleet:libvirt:Volume test-revp-b-data",
  "create deskfleet:libvirt:Volume test-revp-b-root",
  "delete deskfleet:libvirt:Volume test-revp-a-data",
  "replace deskfleet:libvirt:Volume test-revp-c-data",
  "update deskfleet:libvirt:Domain test-revp-a",
  "update deskfleet:libvirt:Domain test-revp-c",
];

describe("the real preview of one change", () => {
  const json = parsePreviewJson(fixture("update.preview.json"));
  const events = parseEventLog(fixture("update.events.jsonl"));

  it("the JSON and the event log give the same changes, without refreshes or replacement halves", () => {
    expect(changes(json)).toEqual(CHANGES);
    expect(changes(events)).toEqual(CHANGES);
  });

  it("the event log also has the unchanged resources (the JSON only the stack)", () => {
    expect(json.steps.filter((s) => s.op === "same").map((s) => s.type)).toEqual([
      "pulumi:pulumi:Stack",
    ]);
    expect(events.steps.filter((s) => s.op === "same").map((s) => s.name)).toContain(
      "test-revp-a-root",
    );
  });

  it("a step has its old and new inputs, its parent and why it is replaced", () => {
    const replaced = events.steps.find((s) => s.op === "replace");
    expect(replaced).toMatchObject({
      parent:
        "urn:pulumi:test-revp::deskfleet::deskfleet:fleet:Fleet$deskfleet:fleet:Guest::test-revp-c",
      olds: { name: "test-revp-c-data.qcow2", retain: false, capacity: 16777216 },
      news: { name: "test-revp-c-data2.qcow2" },
      replaceReasons: ["name"],
    });
    expect(json.steps.find((s) => s.op === "replace")?.replaceReasons).toEqual(["name"]);
    const deleted = events.steps.find((s) => s.op === "delete");
    expect(deleted?.news).toBeUndefined();
    expect(deleted?.olds?.name).toBe("test-revp-a-data.qcow2");
  });

  it("both carry the provider's notes on the two guests", () => {
    for (const d of [json, events]) {
      const notes = d.notes.filter((n) => n.severity === "info");
      expect(notes.map((n) => urnName(n.urn ?? ""))).toEqual(["test-revp-a", "test-revp-c"]);
      expect(notes[1].message).toBe(
        "guest test-revp-c: disk test-revp-pool/test-revp-c-data2.qcow2 added, disk test-revp-pool/test-revp-c-data.qcow2 removed (deletes data: its volume is not kept) (next boot); memory 64 MiB → 96 MiB (next boot)\n",
      );
    }
  });

  it("only the event log has the policy findings; both say the preview failed", () => {
    expect(json.policies).toBeUndefined();
    expect(events.policies?.packs).toEqual(["deskfleet"]);
    expect(events.policies?.findings.map((f) => [urnName(f.urn ?? ""), f.policy, f.level])).toEqual(
      [
        ["test-revp-c-data", "data-disks-are-kept", "mandatory"],
        ["test-revp-b-data", "data-disks-are-kept", "mandatory"],
      ],
    );
    expect(events.policies?.findings[1]).toMatchObject({
      description: "Blank volumes hold user data and must be kept (retain) when deleted.",
      message:
        'volume "test-revp-b-data.qcow2" holds data but is not kept: declare the disk with `keep: true`',
    });
    expect([json.failed, events.failed]).toEqual([true, true]);
    // Pulumi's own "preview failed" says nothing the review does not.
    expect([json.errors, events.errors]).toEqual([[], []]);
  });

  it("the event log wins when both are given; either alone will do", () => {
    expect(combine(json, events)).toBe(events);
    expect(combine(json, undefined)).toBe(json);
    expect(() => combine(undefined, undefined)).toThrow(ReviewInputError);
  });
});

it("an event log cut short (no summary) is a failed preview", () => {
  const cut = fixture("update.events.jsonl")
    .split("\n")
    .filter((l) => !l.includes('"summaryEvent"'))
    .join("\n");
  expect(parseEventLog(cut)).toMatchObject({
    failed: true,
    errors: ["the preview did not finish"],
  });
});

it.each([
  ["not JSON", () => parsePreviewJson("{", "p.json"), "NOT_JSON", /^p\.json: /],
  [
    "JSON without steps",
    () => parsePreviewJson('{"a":1}', "p.json"),
    "NOT_A_PREVIEW",
    /no "steps"/,
  ],
  [
    "an event log given as --from",
    () => parsePreviewJson('{"sequence":1}'),
    "NOT_A_PREVIEW",
    /steps/,
  ],
  [
    "a preview given as --event-log",
    () => parseEventLog('{"steps":[]}', "e.jsonl"),
    "NOT_AN_EVENT_LOG",
    /^e\.jsonl:1: /,
  ],
  [
    "an empty event log",
    () => parseEventLog("\n", "e.jsonl"),
    "NOT_AN_EVENT_LOG",
    /no engine events/,
  ],
  [
    "a bad line",
    () => parseEventLog('{"sequence":0}\n{oops', "e.jsonl"),
    "NOT_JSON",
    /^e\.jsonl:2: /,
  ],
])("%s is refused", (_what, read, code, message) => {
  let thrown: unknown;
  try {
    read();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ReviewInputError);
  expect((thrown as ReviewInputError).code).toBe(code);
  expect((thrown as ReviewInputError).message).toMatch(message);
});

it("URNs: name, type token and stack", () => {
  const urn = "urn:pulumi:desk::deskfleet::deskfleet:fleet:Fleet$deskfleet:libvirt:Volume::a::b";
  expect([urnName(urn), urnType(urn), urnStack(urn)]).toEqual([
    "a::b",
    "deskfleet:libvirt:Volume",
    "desk",
  ]);
});

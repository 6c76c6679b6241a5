/** Snapshot names and the ownership marker. */
import {
  autosnapDescription,
  autosnapName,
  formatTimestamp,
  ownSnapshot,
  parseAutosnapName,
} from "../../../snapshots/names";

const T = Date.parse("2030-01-01T04:30:00Z");

test("names are sanoid's with '-' for ':', in UTC, after the longest type served", () => {
  expect(formatTimestamp(T + 999)).toBe("2030-01-01_04-30-00");
  expect(autosnapName("2030-01-01_04-30-00", ["hourly"])).toBe(
    "autosnap_2030-01-01_04-30-00_hourly",
  );
  expect(autosnapName("2030-01-01_04-30-00", ["daily", "hourly"])).toBe(
    "autosnap_2030-01-01_04-30-00_daily",
  );
  expect(() => autosnapName("2030-01-01_04-30-00", [])).toThrow(
    "a snapshot serves at least one type",
  );
});

test("no name a run gives has a character QEMU refuses in a job ID", () => {
  // QEMU's job IDs (libvirt ≥ 10 names the snapshot-save job after the snapshot): a letter,
  // then letters, digits, '-', '.', '_' (qemu util/id.c id_wellformed).
  for (let ms = T; ms < T + 366 * 86_400_000; ms += 3_599_999) {
    const name = `internal-snapshot-save-${autosnapName(formatTimestamp(ms), ["frequently"])}`;
    expect(name).toMatch(/^[A-Za-z][A-Za-z0-9_.-]*$/);
  }
});

test.each([
  ["autosnap_2030-01-01_04-30-00_hourly", { time: T, type: "hourly", legacy: false }],
  ["autosnap_2030-01-01_04-30-00_yearly", { time: T, type: "yearly", legacy: false }],
  // Names given before ':' was dropped are still read.
  ["autosnap_2030-01-01_04:30:00_hourly", { time: T, type: "hourly", legacy: true }],
  ["autosnap_2030-01-01_04:30-00_hourly", undefined], // mixed
  ["autosnap_2030-02-31_04-30-00_daily", undefined], // no such day
  ["autosnap_2030-02-31_04:30:00_daily", undefined],
  ["autosnap_2030-01-01_04-30-00_minutely", undefined],
  ["autosnap_2030-01-01_04-30_hourly", undefined],
  ["autosnap_2030-01-01_04-30-00_hourly.bak", undefined],
  ["post-install", undefined],
])("parseAutosnapName(%s)", (name, expected) => {
  expect(parseAutosnapName(name)).toEqual(expected);
});

describe("ownership", () => {
  const name = "autosnap_2030-01-01_04-30-00_daily";

  test("ours: our name and our marker, with every type the marker lists", () => {
    expect(ownSnapshot(name, autosnapDescription(["hourly", "daily"]))).toEqual({
      name,
      time: T,
      types: ["hourly", "daily"],
    });
    expect(autosnapDescription(["daily", "hourly"])).toBe(
      '[deskfleet-autosnap types=hourly,daily] taken by "deskfleet snapshots run", which also prunes it',
    );
  });

  test.each([
    ["no description", undefined],
    ["a hand-written description", "before the upgrade"],
    ["a marker that does not list the name's type", "[deskfleet-autosnap types=hourly]"],
  ])("not ours: %s", (_, description) => {
    expect(ownSnapshot(name, description)).toBeUndefined();
  });

  test("not ours: a marked snapshot with another name", () => {
    expect(ownSnapshot("post-install", autosnapDescription(["daily"]))).toBeUndefined();
  });
});

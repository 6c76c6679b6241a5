/** stacks/example.yaml, the fleet `npm run up` converges, is valid and says what the README says. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseFleet } from "../../../fleet/load";
import { OPTIONS } from "./helpers";

test("demo keeps 2 hourly and 7 daily snapshots and has a baseline", () => {
  const file = path.join(__dirname, "../../../stacks/example.yaml");
  const spec = parseFleet(
    [{ file: "stacks/example.yaml", text: readFileSync(file, "utf8") }],
    OPTIONS,
  );
  const demo = spec.guests.find((g) => g.name === "demo");
  expect(demo).toMatchObject({
    baseline: "post-install",
    revertGeneration: 0,
    snapshotSchedule: "desktop",
  });
  expect(spec.snapshotSchedules).toEqual([
    expect.objectContaining({
      name: "desktop",
      frequently: 0,
      hourly: 2,
      daily: 7,
      weekly: 0,
      monthly: 0,
      yearly: 0,
    }),
  ]);
});

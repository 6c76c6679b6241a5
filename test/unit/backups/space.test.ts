/** The room a backup needs, checked before it starts. */
import { spaceProblem } from "../../../backups/space";

const GiB = 1024 ** 3;

test("room enough: nothing to say, at the boundary too", () => {
  expect(spaceProblem("the backup store /b", 10 * GiB, 3 * GiB)).toBeUndefined();
  expect(spaceProblem("the backup store /b", 3 * GiB, 3 * GiB)).toBeUndefined();
});

test("too little: where, how much is free and how much it may need, and what to do", () => {
  expect(spaceProblem("the backup store /b", 512 * 1024 ** 2, 3 * GiB)).toBe(
    "the backup store /b has 512 MiB free, and this backup may need up to 3 GiB (the data its disks hold): free some space there, or prune older backups",
  );
});

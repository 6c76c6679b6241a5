/** Checks shared by the e2e scenarios (jest's expect: not for the build's scripts and benches). */
import type { TestProject } from "./project";

/**
 * An up that succeeds and leaves nothing to do (the next preview changes
 * nothing; its text is printed when it would); the up's seconds.
 */
export async function upAndClean(project: TestProject): Promise<number> {
  const t0 = performance.now();
  const up = await project.stack.up();
  const seconds = (performance.now() - t0) / 1000;
  expect(up.summary.result).toBe("succeeded");
  const preview = await project.stack.preview({ diff: true });
  if (Object.keys(preview.changeSummary).length > 1) console.log(preview.stdout);
  expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
  return seconds;
}

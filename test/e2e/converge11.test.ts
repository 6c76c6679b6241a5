/** The convergence scenarios (convergeScenario.ts) on libvirt 11.3 + QEMU 10.0, a second host of its own. */
import { secondHost } from "../support/hosts";
import { convergeScenario } from "./convergeScenario";

// As converge.test.ts, plus a cold start of the host (its QEMU probe, ~8 s) the first time.
jest.setTimeout(300_000);

convergeScenario(secondHost("conv11", "11"));

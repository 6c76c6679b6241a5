/** The fleet scenario (fleetScenario.ts) on libvirt 11.3 + QEMU 10.0, a second host of its own. */
import { secondHost } from "../support/hosts";
import { fleetScenario } from "./fleetScenario";

// As fleet.test.ts, plus a cold start of the host (its QEMU probe, ~8 s) the first time.
jest.setTimeout(600_000);

fleetScenario(secondHost("e2e11", "11"));

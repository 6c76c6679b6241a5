/** The convergence scenarios (convergeScenario.ts) on the system's libvirt 9.0 + QEMU 7.2. */
import { systemHost } from "../support/hosts";
import { convergeScenario } from "./convergeScenario";

// Each up or preview of this define-only fleet takes seconds; the destroys of many guests tens.
jest.setTimeout(300_000);

convergeScenario(systemHost);

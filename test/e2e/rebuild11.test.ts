/** Rebuilding guests from their images on libvirt 11.3 + QEMU 10.0, a second host of its own (rebuildScenario.ts). */
import { secondHost } from "../support/hosts";
import { rebuildScenario } from "./rebuildScenario";

// As rebuild.test.ts, plus a cold start of the host (its QEMU probe, ~8 s) the first time.
jest.setTimeout(300_000);

rebuildScenario(secondHost("reb11", "11"));

/**
 * Moving a guest between the system's libvirt 9.0 and a libvirt 11.3 + QEMU
 * 10.0 host, both ways (moveScenario.ts).
 */
import { secondHost } from "../support/hosts";
import { moveScenario } from "./moveScenario";

// As move.test.ts, plus a cold start of the host (its QEMU probe, ~8 s) the first time.
jest.setTimeout(300_000);

moveScenario(secondHost("move11", "11"), "test-move11-");

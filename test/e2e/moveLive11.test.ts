/**
 * A live move from the system's libvirt 9.0 (QEMU 7.2) to a libvirt 11.3 host (QEMU 10.0), and
 * the way back refused at preview (moveLiveScenario.ts).
 */
import { secondHost } from "../support/hosts";
import { moveLiveScenario } from "./moveLiveScenario";

// The appliance boots under UEFI and TCG: tens of seconds per up.
jest.setTimeout(300_000);

moveLiveScenario(secondHost("move-live11", "11"), "test-movelive11-");

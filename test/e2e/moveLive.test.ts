/** A live move between the system's libvirt 9.0 and a second 9.0 host (moveLiveScenario.ts). */
import { secondHost } from "../support/hosts";
import { moveLiveScenario } from "./moveLiveScenario";

// The appliance boots under UEFI and TCG: tens of seconds per up.
jest.setTimeout(300_000);

moveLiveScenario(secondHost("move-live"), "test-movelive-");

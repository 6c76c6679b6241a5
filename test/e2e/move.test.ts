/** Moving a guest between the system's libvirt 9.0 and a second 9.0 host (moveScenario.ts). */
import { secondHost } from "../support/hosts";
import { moveScenario } from "./moveScenario";

// Each up boots the appliance under UEFI and TCG once or twice: tens of seconds.
jest.setTimeout(300_000);

moveScenario(secondHost("move"), "test-move-");

/** Rebuilding guests from their images on the system's libvirt 9.0 (rebuildScenario.ts). */
import { systemHost } from "../support/hosts";
import { rebuildScenario } from "./rebuildScenario";

// A few ups and two boots of the appliance under TCG: a minute or so.
jest.setTimeout(300_000);

rebuildScenario(systemHost);

/** The fleet scenario (fleetScenario.ts) on the system's libvirt 9.0 + QEMU 7.2. */
import { systemHost } from "../support/hosts";
import { fleetScenario } from "./fleetScenario";

// Boots the appliance and waits for its lease (seconds); each up and destroy takes seconds.
jest.setTimeout(600_000);

fleetScenario(systemHost);

/**
 * The deskfleet program: converge the hosts of the fleet described by the
 * files named in `deskfleet:fleet` (its `hosts`, or else the one host named by
 * `deskfleet:uri`) to that fleet.
 */
import "./provider/compileCache";
import * as pulumi from "./provider/programSdk";
import { Fleet } from "./components/fleet";
import { FleetConfigError } from "./fleet/errors";
import { declaredAt, loadFleet } from "./fleet/load";
import type { AdoptedIds } from "./components/adoption";
import { AdoptionError, adoptedIds } from "./components/adoption";
import { sharesByHost } from "./fleet/hosts";
import type { Path } from "./fleet/positions";

const config = new pulumi.Config("deskfleet");
const uri = config.get("uri") ?? "qemu:///system";
const files = config.requireObject<string[]>("fleet");
// A pull-request preview may run where the image files are not: it can skip checking them.
const checkImages = config.getBoolean("checkImages") ?? true;

function load() {
  try {
    return loadFleet(files, { checkImages });
  } catch (err) {
    // Every problem in the fleet files at once, with file:line:col, and no stack trace.
    if (err instanceof FleetConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

/**
 * The program is asynchronous only to look up, before declaring anything,
 * what `adopt: true` takes over (Pulumi imports by id). Its one output:
 * `guests`, the uuid, state and DHCP addresses of every guest, by name.
 */
export = async () => {
  const spec = load();
  const adopted: Record<string, AdoptedIds> = {};
  try {
    for (const share of sharesByHost(spec, uri)) {
      const where = (path: Path) => declaredAt(spec, path);
      adopted[share.name ?? ""] = await adoptedIds(share.spec, share.uri, where);
    }
  } catch (err) {
    if (err instanceof AdoptionError) throw new pulumi.RunError(err.message);
    throw err;
  }
  const fleet = new Fleet("fleet", { spec, uri, adopted });
  return { guests: fleet.guestSummaries() };
};

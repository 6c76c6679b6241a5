/**
 * Migrating a running domain to another host (see api/core.ts for the class
 * layout). Peer to peer: the source daemon itself opens the destination's
 * URI and runs the whole migration (prepare there, perform here, finish
 * there, confirm here), so this client makes one call and waits for it.
 */
import { Procedure } from "../protocol";
import { encodeDomainRef, encodeOptString, encodeString } from "../types";
import type { DomainRef } from "../types";
import type { XdrWriter } from "../xdr";
import { DomainJobMethods } from "./domainJobs";

/** REMOTE_DOMAIN_MIGRATE_PARAM_LIST_MAX. */
const MAX_MIGRATE_PARAMS = 64;
/** REMOTE_MIGRATE_COOKIE_MAX. */
const MAX_COOKIE = 4_194_304;

/**
 * One migration parameter (MigrateParam): a string, or an unsigned long long
 * (`bandwidth`) or int (`disks_port`) as libvirt types each. A name may repeat
 * (`migrate_disks`, once per disk).
 */
export type MigrateParamValue =
  | { name: string; string: string }
  | { name: string; ullong: bigint }
  | { name: string; int: number };

/** remote_typed_param, for the three types migration parameters use. */
function encodeParam(w: XdrWriter, param: MigrateParamValue): void {
  encodeString(w, param.name);
  if ("string" in param) {
    w.writeInt(7); // VIR_TYPED_PARAM_STRING
    encodeString(w, param.string);
  } else if ("ullong" in param) {
    w.writeInt(4); // VIR_TYPED_PARAM_ULLONG
    w.writeUhyper(param.ullong);
  } else {
    w.writeInt(1); // VIR_TYPED_PARAM_INT
    w.writeInt(param.int);
  }
}

export class DomainMigrateMethods extends DomainJobMethods {
  /**
   * Migrates `dom` peer to peer to the daemon at `dconnuri` (as the source
   * daemon reaches it, not as this client does): virDomainMigrateToURI3 with
   * VIR_MIGRATE_PEER2PEER, which libvirt's client turns into this one call.
   * Flags: DomainMigrateFlags (PeerToPeer is added). Resolves once the guest
   * runs on the destination; on failure the source guest runs on.
   */
  async domainMigratePerform3Params(
    dom: DomainRef,
    dconnuri: string,
    params: readonly MigrateParamValue[],
    flags: number,
  ): Promise<void> {
    await this.call(
      Procedure.DomainMigratePerform3Params,
      (w) => {
        encodeDomainRef(w, dom);
        encodeOptString(w, dconnuri);
        w.writeArray(params, encodeParam, MAX_MIGRATE_PARAMS);
        w.writeOpaque(Buffer.alloc(0), MAX_COOKIE); // no cookie: the source daemon makes its own
        w.writeUint(flags | 2); // VIR_MIGRATE_PEER2PEER
      },
      (r) => r.readOpaque(MAX_COOKIE), // cookie_out: empty for peer to peer
    );
  }
}

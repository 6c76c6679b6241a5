import fc from "fast-check";
import {
  LibvirtError,
  decodeRemoteError,
  hasCode,
  isNotFound,
  isUnsupportedProcedure,
} from "../../../libvirt/errors";
import { ErrorCode, ErrorDomain, IpAddrType, Procedure } from "../../../libvirt/protocol";
import {
  decodeDhcpLease,
  decodeDomainInfo,
  decodeDomainRef,
  decodeNetworkRef,
  decodePoolInfo,
  decodeStorageVolRef,
  decodeVolInfo,
  encodeDomainRef,
  encodeNetworkRef,
  encodeStorageVolRef,
  uuidFromString,
  uuidToString,
} from "../../../libvirt/types";
import type { DomainRef } from "../../../libvirt";
import { XdrReader, XdrWriter } from "../../../libvirt/xdr";
import { remoteError } from "../../support/libvirtErrors";

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ""), "hex");
const enc = (f: (w: XdrWriter) => void): string => {
  const w = new XdrWriter();
  f(w);
  return w.finish().toString("hex");
};
const dec = <T>(s: string, f: (r: XdrReader) => T): T => {
  const r = new XdrReader(hex(s));
  const v = f(r);
  r.expectEnd();
  return v;
};
const UUID = "6a1f3c2e-9b7d-4e8a-b5c4-0d2e1f3a4b5c";
const UUID_HEX = "6a1f3c2e9b7d4e8ab5c40d2e1f3a4b5c";

describe("UUIDs", () => {
  test("bytes → canonical text and back", () => {
    expect(uuidToString(hex(UUID_HEX))).toBe(UUID);
    expect(uuidFromString(UUID)).toEqual(hex(UUID_HEX));
    expect(uuidFromString(UUID.toUpperCase().replace(/-/g, ""))).toEqual(hex(UUID_HEX));
  });

  test.each(["", "6a1f3c2e", `${UUID}0`, "zz1f3c2e-9b7d-4e8a-b5c4-0d2e1f3a4b5c"])(
    "rejects %j",
    (s) => {
      expect(() => uuidFromString(s)).toThrow(RangeError);
    },
  );

  test("rejects a buffer that is not 16 bytes", () => {
    expect(() => uuidToString(Buffer.alloc(15))).toThrow(RangeError);
  });

  test("round-trips any 16 bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        expect(uuidFromString(uuidToString(Buffer.from(b)))).toEqual(Buffer.from(b));
      }),
    );
  });
});

describe("handles", () => {
  const dom: DomainRef = { name: "demo", uuid: hex(UUID_HEX), id: 3 };

  test("remote_nonnull_domain: string name, opaque uuid[16], int id", () => {
    const bytes = enc((w) => encodeDomainRef(w, dom));
    expect(bytes).toBe(`00000004${Buffer.from("demo").toString("hex")}${UUID_HEX}00000003`);
    expect(dec(bytes, decodeDomainRef)).toEqual(dom);
  });

  test("remote_nonnull_network / storage_pool: string name, opaque uuid[16]", () => {
    const bytes = enc((w) => encodeNetworkRef(w, { name: "lan", uuid: hex(UUID_HEX) }));
    expect(bytes).toBe(`000000036c616e00${UUID_HEX}`);
    expect(dec(bytes, decodeNetworkRef)).toEqual({ name: "lan", uuid: hex(UUID_HEX) });
  });

  test("remote_nonnull_storage_vol: pool, name, key", () => {
    const vol = { pool: "p", name: "v.qcow2", key: "/var/lib/libvirt/images/v.qcow2" };
    expect(
      dec(
        enc((w) => encodeStorageVolRef(w, vol)),
        decodeStorageVolRef,
      ),
    ).toEqual(vol);
  });

  test("round-trip any domain handle", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: -1, max: 2 ** 31 - 1 }),
        (name, uuid, id) => {
          const d = { name, uuid: Buffer.from(uuid), id };
          expect(
            dec(
              enc((w) => encodeDomainRef(w, d)),
              decodeDomainRef,
            ),
          ).toEqual(d);
        },
      ),
    );
  });
});

describe("info structs (rpcgen sends char and short as 4-byte ints)", () => {
  test("remote_domain_get_info_ret", () => {
    const s = "00000001 0000000000100000 0000000000080000 00000002 000000174876e800";
    expect(dec(s, decodeDomainInfo)).toEqual({
      state: 1,
      maxMem: 1048576n,
      memory: 524288n,
      nrVirtCpu: 2,
      cpuTime: 100000000000n,
    });
  });

  test("remote_storage_pool_get_info_ret", () => {
    const s = "00000002 0000000040000000 0000000000001000 000000003ffff000";
    expect(dec(s, decodePoolInfo)).toEqual({
      state: 2,
      capacity: 1073741824n,
      allocation: 4096n,
      available: 1073737728n,
    });
  });

  test("remote_storage_vol_get_info_ret", () => {
    expect(dec("00000000 0000000000100000 0000000000000000", decodeVolInfo)).toEqual({
      type: 0,
      capacity: 1048576n,
      allocation: 0n,
    });
  });

  test("remote_network_dhcp_lease, optional fields present and absent", () => {
    const str = (s: string) => {
      const b = Buffer.from(s);
      const pad = (4 - (b.length % 4)) % 4;
      return b.length.toString(16).padStart(8, "0") + b.toString("hex") + "00".repeat(pad);
    };
    const s =
      str("virbr9") +
      "0000000065f0a3c0" +
      "00000000" +
      ("00000001" + str("52:54:00:12:34:56")) +
      "00000000" +
      str("10.77.0.10") +
      "00000018" +
      ("00000001" + str("guest")) +
      "00000000";
    expect(dec(s, decodeDhcpLease)).toEqual({
      iface: "virbr9",
      expiryTime: 1710269376n,
      type: IpAddrType.IPv4,
      mac: "52:54:00:12:34:56",
      iaid: null,
      ipaddr: "10.77.0.10",
      prefix: 24,
      hostname: "guest",
      clientid: null,
    });
  });
});

describe("errors", () => {
  test("decodeRemoteError reads the optional handles too", () => {
    const w = new XdrWriter();
    w.writeInt(ErrorCode.NoNetwork);
    w.writeInt(ErrorDomain.Network);
    w.writeUint(0);
    w.writeInt(2);
    w.writeOptional({ name: "d", uuid: hex(UUID_HEX), id: -1 }, encodeDomainRef);
    for (let i = 0; i < 3; i++) w.writeUint(0);
    w.writeInt(7);
    w.writeInt(8);
    w.writeOptional({ name: "n", uuid: hex(UUID_HEX) }, encodeNetworkRef);
    const e = dec(w.finish().toString("hex"), decodeRemoteError);
    expect(e).toMatchObject({ code: 43, domain: 19, message: null, int1: 7, int2: 8 });
    expect(e.dom?.name).toBe("d");
    expect(e.net?.name).toBe("n");
    // No message from the daemon: still a useful one.
    expect(new LibvirtError(e, Procedure.NetworkLookupByName).message).toBe(
      "libvirt error NoNetwork",
    );
  });

  test.each([
    [ErrorCode.NoDomain, true],
    [ErrorCode.NoNetwork, true],
    [ErrorCode.NoStoragePool, true],
    [ErrorCode.NoStorageVol, true],
    [ErrorCode.NoDomainSnapshot, true],
    [ErrorCode.OperationInvalid, false],
    [ErrorCode.NoDomainMetadata, false],
  ])("isNotFound(code %i) is %s", (code, expected) => {
    expect(isNotFound(new LibvirtError(remoteError(code, ErrorDomain.Qemu, "x"), 1))).toBe(
      expected,
    );
  });

  test("isNotFound is false for anything but a LibvirtError", () => {
    expect(isNotFound(new Error("Domain not found"))).toBe(false);
    expect(isNotFound({ code: ErrorCode.NoDomain })).toBe(false);
    expect(isNotFound(undefined)).toBe(false);
  });

  test("hasCode", () => {
    const e = new LibvirtError(remoteError(ErrorCode.DomExist, ErrorDomain.Qemu, "exists"), 350);
    expect(hasCode(e, ErrorCode.DomExist)).toBe(true);
    expect(hasCode(e, ErrorCode.NoDomain)).toBe(false);
  });

  test("isUnsupportedProcedure: RPC/RPC error naming the procedure's number (as libvirtd 9.0 sends it)", () => {
    const unknown = new LibvirtError(
      remoteError(ErrorCode.Rpc, ErrorDomain.Rpc, "unknown procedure: 9999"),
      9999,
    );
    expect(isUnsupportedProcedure(unknown)).toBe(true);
    // Same code pair, another RPC failure:
    const aborted = new LibvirtError(
      remoteError(ErrorCode.Rpc, ErrorDomain.Rpc, "stream aborted"),
      208,
    );
    expect(isUnsupportedProcedure(aborted)).toBe(false);
    // The number must be whole, not part of another number:
    const other = new LibvirtError(
      remoteError(ErrorCode.Rpc, ErrorDomain.Rpc, "unknown procedure: 3501"),
      350,
    );
    expect(isUnsupportedProcedure(other)).toBe(false);
    const notRpc = new LibvirtError(
      remoteError(ErrorCode.NoSupport, ErrorDomain.Qemu, "unknown procedure: 5"),
      5,
    );
    expect(isUnsupportedProcedure(notRpc)).toBe(false);
  });
});

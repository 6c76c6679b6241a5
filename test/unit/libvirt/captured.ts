/**
 * Packets captured from the real thing: libvirt 9.0's own C client (virsh)
 * talking to libvirtd 9.0 on this project's test machine, through a small
 * logging relay between two unix sockets:
 *
 *   python3 relay.py   # listens on /tmp/cap.sock, forwards to
 *                      # /var/run/libvirt/libvirt-sock, logs each direction
 *   virsh -c 'qemu:///system?socket=/tmp/cap.sock' domuuid test-libvirt-capture
 *   virsh -c 'qemu:///system?socket=/tmp/cap.sock' domuuid test-libvirt-missing
 *   virsh -c 'qemu:///system?socket=/tmp/cap.sock' version
 *
 * with test-libvirt-capture defined beforehand (type qemu, UUID
 * 6a1f3c2e-9b7d-4e8a-b5c4-0d2e1f3a4b5c). Whole frames, length word included.
 * They pin our encoders to libvirt's byte for byte, and our decoders to what
 * the daemon really sends.
 */

/** Client → daemon, in order, for `virsh domuuid test-libvirt-capture`. */
export const CLIENT_CALLS = {
  authList: "0000001c200080860000000100000042000000000000000000000000",
  supportsKeepalive: "0000002020008086000000010000003c0000000000000001000000000000000a",
  connectOpen:
    "00000038200080860000000100000001000000000000000200000000000000010000000e71656d753a2f2f2f73797374656d000000000000",
  lookupByName:
    "0000003420008086000000010000001700000000000000060000000000000014746573742d6c6962766972742d63617074757265",
  connectClose: "0000001c200080860000000100000002000000000000000800000000",
};

/** Daemon → client replies to the calls above. */
export const DAEMON_REPLIES = {
  authList: "000000242000808600000001000000420000000100000000000000000000000100000000",
  supportsKeepalive: "0000002020008086000000010000003c00000001000000010000000000000001",
  connectOpen: "0000001c200080860000000100000001000000010000000200000000",
  lookupByName:
    "0000004820008086000000010000001700000001000000060000000000000014746573742d6c6962766972742d636170747572656a1f3c2e9b7d4e8ab5c40d2e1f3a4b5cffffffff",
};

/** DOMAIN_LOOKUP_BY_NAME("test-libvirt-missing"): REPLY with status ERROR (serial 6). */
export const LOOKUP_MISSING_ERROR =
  "000000e42000808600000001000000170000000100000006000000010000002a0000000a0000000100000045" +
  "446f6d61696e206e6f7420666f756e643a206e6f20646f6d61696e2077697468206d61746368696e67206e61" +
  "6d652027746573742d6c6962766972742d6d697373696e672700000000000002000000000000000100000014" +
  "446f6d61696e206e6f7420666f756e643a20257300000001000000336e6f20646f6d61696e2077697468206d" +
  "61746368696e67206e616d652027746573742d6c6962766972742d6d697373696e67270000000000ffffffff" +
  "ffffffff00000000";

/** CONNECT_GET_VERSION reply (serial 7): hv_ver 7002022, as the daemon reported its QEMU. */
export const GET_VERSION_REPLY =
  "0000002420008086000000010000000400000001000000070000000000000000006ad7a6";

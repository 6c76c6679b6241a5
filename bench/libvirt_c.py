#!/usr/bin/python3
"""The C client's side of bench/libvirt.ts: libvirt's own client library
through python3-libvirt, driven by JSON commands, one per line on stdin, each
answered with one JSON line of timings (seconds) on stdout.

  {"op": "domains", "uri": ..., "xml": "<domain>...%(name)s...", "names": [...], "rounds": 10}
  {"op": "upload", "uri": ..., "pool": name, "volume": name, "file": path}

Sparse uploads do what `virsh vol-upload --sparse` does: the holes are found
with lseek(SEEK_DATA/SEEK_HOLE) and sent as holes, the data read and sent in
the binding's 256 KiB chunks.
"""
import json
import os
import sys
import time

import libvirt

libvirt.registerErrorHandler(lambda _ctx, _err: None, None)  # errors arrive as exceptions
connections = {}


def connect(uri):
    if uri not in connections:
        connections[uri] = libvirt.open(uri)
    return connections[uri]


def domains(cmd):
    conn = connect(cmd["uri"])
    names = cmd["names"]
    t0 = time.perf_counter()
    doms = [conn.defineXMLFlags(cmd["xml"] % {"name": n}, 0) for n in names]
    t1 = time.perf_counter()
    for _ in range(cmd["rounds"]):
        for n in names:
            d = conn.lookupByName(n)
            d.XMLDesc(0)
            d.isActive()
    t2 = time.perf_counter()
    for d in doms:
        d.undefineFlags(0)
    t3 = time.perf_counter()
    return {"define": t1 - t0, "rounds": t2 - t1, "undefine": t3 - t2}


def upload(cmd):
    conn = connect(cmd["uri"])
    vol = conn.storagePoolLookupByName(cmd["pool"]).storageVolLookupByName(cmd["volume"])
    fd = os.open(cmd["file"], os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size

        def section(_stream, fd):
            cur = os.lseek(fd, 0, os.SEEK_CUR)
            if cur >= size:
                return [True, 0]
            try:
                data = os.lseek(fd, cur, os.SEEK_DATA)
            except OSError:  # ENXIO: only a hole remains
                data = size
            if data > cur:
                os.lseek(fd, cur, os.SEEK_SET)
                return [False, data - cur]
            hole = os.lseek(fd, cur, os.SEEK_HOLE)
            os.lseek(fd, cur, os.SEEK_SET)
            return [True, hole - cur]

        t0 = time.perf_counter()
        stream = conn.newStream(0)
        vol.upload(stream, 0, size, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
        stream.sparseSendAll(
            lambda _s, n, fd: os.read(fd, n),
            section,
            lambda _s, n, fd: os.lseek(fd, n, os.SEEK_CUR),
            fd,
        )
        stream.finish()
        return {"upload": time.perf_counter() - t0}
    finally:
        os.close(fd)


def main():
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            result = {"domains": domains, "upload": upload}[cmd["op"]](cmd)
        except libvirt.libvirtError as err:
            result = {"error": str(err)}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""The C client's side of bench/libvirt.ts: libvirt's own client library
through python3-libvirt, driven by JSON commands, one per line on stdin, each
answered with one JSON line of timings (seconds) on stdout.

  {"op": "domains", "uri": ..., "xml": "<domain>...%(name)s...", "names": [...], "rounds": 10}
  {"op": "upload", "uri": ..., "pool": name, "volume": name, "file": path, "sparse": bool}
  {"op": "download", "uri": ..., "pool": name, "volume": name, "file": path, "sparse": bool}

Sparse uploads do what `virsh vol-upload --sparse` does: the holes are found
with lseek(SEEK_DATA/SEEK_HOLE) and sent as holes, the data read and sent in
the binding's 256 KiB chunks (virStorageVol.streamBufSize). Dense uploads
send every byte, read in the same chunks (sendAll), like `virsh vol-upload`.
Sparse downloads do what `virsh vol-download --sparse` does: data written
as it comes, each hole skipped with lseek(SEEK_CUR) and ftruncate (so a
trailing hole sets the size); dense downloads write everything (recvAll).
The timings include opening the stream and closing the file.
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


def volume(cmd):
    conn = connect(cmd["uri"])
    return conn, conn.storagePoolLookupByName(cmd["pool"]).storageVolLookupByName(cmd["volume"])


def upload(cmd):
    conn, vol = volume(cmd)
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
        if cmd["sparse"]:
            vol.upload(stream, 0, size, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
            stream.sparseSendAll(
                lambda _s, n, fd: os.read(fd, n),
                section,
                lambda _s, n, fd: os.lseek(fd, n, os.SEEK_CUR),
                fd,
            )
        else:
            vol.upload(stream, 0, size, 0)
            stream.sendAll(lambda _s, n, fd: os.read(fd, n), fd)
        stream.finish()
        return {"seconds": time.perf_counter() - t0}
    finally:
        os.close(fd)


def write_all(fd, buf):
    view = memoryview(buf)
    while len(view) > 0:
        view = view[os.write(fd, view):]
    return 0


def download(cmd):
    conn, vol = volume(cmd)
    t0 = time.perf_counter()
    fd = os.open(cmd["file"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        stream = conn.newStream(0)
        if cmd["sparse"]:

            def hole(_s, length, fd):
                os.ftruncate(fd, os.lseek(fd, length, os.SEEK_CUR))
                return 0

            vol.download(stream, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
            stream.sparseRecvAll(lambda _s, buf, fd: write_all(fd, buf), hole, fd)
        else:
            vol.download(stream, 0, 0, 0)
            stream.recvAll(lambda _s, buf, fd: write_all(fd, buf), fd)
        stream.finish()
    finally:
        os.close(fd)
    return {"seconds": time.perf_counter() - t0}


def main():
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            result = {"domains": domains, "upload": upload, "download": download}[cmd["op"]](cmd)
        except libvirt.libvirtError as err:
            result = {"error": str(err)}
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()

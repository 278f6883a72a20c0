#!/usr/bin/env python3
# Copyright (c) 2026 The tcplogd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

"""tls-client.py: the TLS clients of the integration tests that do what
no real client does: end a connection without close_notify, or stop in
the middle of a TLS record.  The TLS engine is Python's ssl module on
memory BIOs, so the test decides which encrypted bytes go out and when.

  tls-client.py noclose PORT CA CERT HEXDATA
      handshake (CERT: PREFIX.pem and PREFIX.key, or "-" for none), send
      HEXDATA, wait until tcplogd has read it all, then shut down the
      writing side of the TCP connection without a TLS close_notify and
      read until tcplogd closes.
  tls-client.py hold PORT CA CERT HEXDATA
      handshake, send HEXDATA, wait until tcplogd has read it all, print
      "sent", then read until tcplogd closes.
  tls-client.py split PORT CA CERT HEXDATA
      handshake, send each byte of HEXDATA in a TLS record of its own,
      then a close_notify, and read until tcplogd closes.
  tls-client.py midway PORT CA CERT HEXDATA GOFILE
      start the handshake and stop before the client's last flight
      (its certificate and Finished): print "midway", wait for GOFILE to
      exist, then finish the handshake, send HEXDATA and a close_notify,
      and read until tcplogd closes.
  tls-client.py stall PORT CA CERT HEXDATA K close|finish GOFILE
      handshake, make HEXDATA one TLS record, send its first K bytes,
      wait until tcplogd has read them, print "stalled", then wait for
      GOFILE to exist: "close" shuts down the writing side (no
      close_notify) and reads until tcplogd closes; "finish" sends the
      rest of the record and a close_notify, then reads until tcplogd
      closes.

  tls-client.py load PORT CA CONNS LINES SIZE
      CONNS connections at once (one thread each), each sends LINES
      lines as tcplogd-send makes them ("c<CONN>-l<LINE> " padded with
      'x' to SIZE bytes), several to a TLS record, then a close_notify;
      it prints what tcplogd-send -v prints ("cN connected ADDR:PORT",
      "cN sent BYTES bytes"), for check_generated in lib.sh.

But for load, each prints "peer ADDR:PORT" (tcplogd's name for it)
first and "closed by server" at the end.  Every wait is bounded by TCPLOGD_CLIENT_TIMEOUT
seconds (default 30).
"""

import importlib.util
import os
import socket
import ssl
import sys
import threading
import time

TIMEOUT = float(os.environ.get("TCPLOGD_CLIENT_TIMEOUT", "30"))

# wait_read() and the rest from the plain clients.
_spec = importlib.util.spec_from_file_location(
    "tcplogd_client", os.path.join(os.path.dirname(os.path.abspath(
        __file__)), "tcplogd-client.py"))
client = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(client)


def die(msg):
    sys.stderr.write("tls-client.py: %s\n" % msg)
    sys.exit(1)


def wait_go(gofile):
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(gofile):
        if time.monotonic() > deadline:
            die("no %s in time" % gofile)
        time.sleep(0.01)


def handshake(port, ca, cert, gofile=None):
    """Connect and complete a TLS handshake; (socket, SSLObject, out BIO).
    With GOFILE, the client's last flight waits for it."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    if cert != "-":
        ctx.load_cert_chain(cert + ".pem", cert + ".key")
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
    s = client.connect(port)
    s.settimeout(TIMEOUT)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            s.sendall(out.read())
            data = s.recv(65536)
            if not data:
                die("closed by server during the handshake")
            inc.write(data)
    if gofile is not None:
        print("midway", flush=True)
        wait_go(gofile)
    s.sendall(out.read())
    return s, tls, out


def drain(s):
    """Read (and drop) until tcplogd closes."""
    s.settimeout(TIMEOUT)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    print("closed by server", flush=True)
    s.close()


def noclose(port, ca, cert, data):
    s, tls, out = handshake(port, ca, cert)
    tls.write(data)
    s.sendall(out.read())
    client.wait_read(s.getsockname(), s.getpeername())
    s.shutdown(socket.SHUT_WR)
    drain(s)


def hold(port, ca, cert, data):
    s, tls, out = handshake(port, ca, cert)
    tls.write(data)
    s.sendall(out.read())
    client.wait_read(s.getsockname(), s.getpeername())
    print("sent", flush=True)
    drain(s)


def close_notify(s, tls, out):
    """Say close_notify, shut down the writing side, read until closed."""
    try:
        tls.unwrap()
    except ssl.SSLWantReadError:
        pass
    s.sendall(out.read())
    s.shutdown(socket.SHUT_WR)
    drain(s)


def midway(port, ca, cert, data, gofile):
    s, tls, out = handshake(port, ca, cert, gofile)
    tls.write(data)
    s.sendall(out.read())
    close_notify(s, tls, out)


def split(port, ca, cert, data):
    s, tls, out = handshake(port, ca, cert)
    for i in range(len(data)):
        tls.write(data[i:i + 1])
        s.sendall(out.read())
    close_notify(s, tls, out)


def stall(port, ca, cert, data, k, end, gofile):
    s, tls, out = handshake(port, ca, cert)
    tls.write(data)
    rec = out.read()
    if not 0 < k < len(rec):
        die("K must be within the record's %d bytes" % len(rec))
    s.sendall(rec[:k])
    client.wait_read(s.getsockname(), s.getpeername())
    print("stalled", flush=True)
    wait_go(gofile)
    if end == "finish":
        s.sendall(rec[k:])
        close_notify(s, tls, out)
    else:
        s.shutdown(socket.SHUT_WR)
        drain(s)


def load_one(port, ctx, c, nlines, size, out, lock):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    t = ctx.wrap_socket(s, server_hostname="localhost")
    with lock:
        out.append("c%d connected %s:%d" % ((c,) + t.getsockname()))
    sent = 0
    buf = []
    for i in range(nlines):
        line = b"c%d-l%d " % (c, i)
        buf.append(line + b"x" * (size - len(line)) + b"\n")
        if len(buf) == 37 or i == nlines - 1:   # records of ~37 lines
            data = b"".join(buf)
            t.sendall(data)
            sent += len(data)
            buf = []
    t.unwrap()
    s.close()
    with lock:
        out.append("c%d sent %d bytes" % (c, sent))


def load(port, ca, conns, nlines, size):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(ca)
    out, errors, lock = [], [], threading.Lock()

    def run(c):
        try:
            load_one(port, ctx, c, nlines, size, out, lock)
        except Exception as e:   # reported below, the others go on
            with lock:
                errors.append("c%d: %r" % (c, e))
    threads = [threading.Thread(target=run, args=(c,)) for c in range(conns)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print("\n".join(out), flush=True)
    if errors:
        die("; ".join(errors[:5]))


def main():
    a = sys.argv[1:]
    if len(a) == 5 and a[0] == "noclose":
        noclose(int(a[1]), a[2], a[3], bytes.fromhex(a[4]))
    elif len(a) == 5 and a[0] == "hold":
        hold(int(a[1]), a[2], a[3], bytes.fromhex(a[4]))
    elif len(a) == 6 and a[0] == "load":
        load(int(a[1]), a[2], int(a[3]), int(a[4]), int(a[5]))
    elif len(a) == 6 and a[0] == "midway":
        midway(int(a[1]), a[2], a[3], bytes.fromhex(a[4]), a[5])
    elif len(a) == 5 and a[0] == "split":
        split(int(a[1]), a[2], a[3], bytes.fromhex(a[4]))
    elif len(a) == 8 and a[0] == "stall" and a[6] in ("close", "finish"):
        stall(int(a[1]), a[2], a[3], bytes.fromhex(a[4]), int(a[5]), a[6],
              a[7])
    else:
        die("usage: noclose|hold|split PORT CA CERT HEX | "
            "midway PORT CA CERT HEX GOFILE | "
            "load PORT CA CONNS LINES SIZE | "
            "stall PORT CA CERT HEX K close|finish GOFILE")


if __name__ == "__main__":
    main()

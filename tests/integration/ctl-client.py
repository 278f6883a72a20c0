#!/usr/bin/env python3
# ctl-client.py: hostile clients of tcplogd's control socket, for
# ctl-hostile.sh.  usage: ctl-client.py MODE SOCKET [N]
#
#   garbage   send control bytes and junk as a request
#   long      send a 1 MiB request line (no LF)
#   unknown   send "frobnicate"
#   stall     send "sta" and nothing more
#   silent    send nothing
#   noread    send N "stats" requests at once and never read; report
#             when the daemon closes the connection
#   tap       ask for a tap and never read; print "tapping" and wait
#             until killed
#   hold      hold N connections, each sending "status" every 0.5 s and
#             reading the reply; print "holding" and go on until killed
#
# The first five print everything the daemon sent, up to its close, then
# "closed"; every wait is bounded by TCPLOGD_CLIENT_TIMEOUT seconds
# (default 30).

import os
import select
import socket
import sys
import time

TIMEOUT = float(os.environ.get("TCPLOGD_CLIENT_TIMEOUT", "30"))


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    # Blocking: a non-blocking connect fails (EAGAIN) while the daemon's
    # backlog is full, instead of waiting its turn.
    s.connect(path)
    s.settimeout(TIMEOUT)
    return s


def drain(s, out):
    """Read until the daemon closes; return what it sent."""
    data = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            break
        if not b:
            break
        data += b
    else:
        out.write(data.decode("latin-1"))
        out.write("not closed\n")
        sys.exit(1)
    out.write(data.decode("latin-1"))
    out.write("closed\n")


def send(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass


def main():
    mode, path = sys.argv[1], sys.argv[2]
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    out = sys.stdout
    if mode in ("garbage", "long", "unknown", "stall", "silent"):
        s = connect(path)
        if mode == "garbage":
            send(s, b"\x01\x02\xff\x7fgarbage\x00\n")
        elif mode == "long":
            send(s, b"a" * (1024 * 1024))
        elif mode == "unknown":
            send(s, b"frobnicate\n")
            s.shutdown(socket.SHUT_WR)
        elif mode == "stall":
            send(s, b"sta")
        drain(s, out)
    elif mode == "noread":
        s = connect(path)
        send(s, b"stats\n" * n)
        p = select.poll()
        p.register(s, select.POLLHUP | select.POLLRDHUP)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for _, ev in p.poll(100):
                if ev & (select.POLLHUP | select.POLLRDHUP):
                    out.write("closed\n")
                    return
        out.write("not closed\n")
        sys.exit(1)
    elif mode == "tap":
        s = connect(path)
        send(s, b"tap text\n")
        out.write("tapping\n")
        out.flush()
        time.sleep(TIMEOUT)
    elif mode == "hold":
        conns = [connect(path) for _ in range(n)]
        files = [c.makefile("rb") for c in conns]
        for f in files:
            if not f.readline().startswith(b"tcplogd-control "):
                out.write("no greeting\n")
                sys.exit(1)
        out.write("holding\n")
        out.flush()
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            time.sleep(0.5)
            for c, f in zip(conns, files):
                c.sendall(b"status\n")
                while f.readline() not in (b"ok\n", b""):
                    pass
    else:
        sys.exit("unknown mode " + mode)


main()

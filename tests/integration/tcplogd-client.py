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

"""tcplogd-client.py: the clients of the integration tests that need
more than tcplogd-send: a sender that stamps each line with its own send
time, Python's own SysLogHandler, and a sender that cuts its stream into
pieces, each sent only after tcplogd has read everything before it.

  tcplogd-client.py stamp PORT N GAP_MS
      N lines "SEND_USEC stamp I", each stamped with CLOCK_REALTIME (in
      microseconds) just before it is written, GAP_MS apart.
  tcplogd-client.py syslog PORT
      the messages of syslog_messages() through
      logging.handlers.SysLogHandler over TCP; prints each as JSON.
  tcplogd-client.py cut PORT HEXSTREAM CUT[,CUT...]|bytes
      one connection that sends the bytes of HEXSTREAM in the pieces the
      cut offsets make (or one byte at a time), waiting before each piece
      until tcplogd has read all that was sent, so that each piece is
      one read of its own; at the end it waits for tcplogd to have read
      everything, then closes.

Each prints "peer ADDR:PORT" (tcplogd's name for it) first.  Everything is
bounded by TCPLOGD_CLIENT_TIMEOUT seconds (default 30).
"""

import json
import logging
import logging.handlers
import os
import socket
import sys
import time

TIMEOUT = float(os.environ.get("TCPLOGD_CLIENT_TIMEOUT", "30"))
DEADLINE = time.monotonic() + TIMEOUT


def die(msg):
    sys.stderr.write("tcplogd-client.py: %s\n" % msg)
    sys.exit(1)


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    print("peer %s:%d" % s.getsockname(), flush=True)
    return s


def tcp_queues(local, remote):
    """The (tx_queue, rx_queue) of the IPv4 TCP socket LOCAL -> REMOTE
    ((addr, port) pairs) from /proc/net/tcp, or None."""
    def hexaddr(a):
        ip = socket.inet_aton(a[0])
        return "%08X:%04X" % (int.from_bytes(ip, "little"), a[1])
    want = (hexaddr(local), hexaddr(remote))
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fld = line.split()
            if (fld[1], fld[2]) == want:
                tx, rx = fld[4].split(":")
                return (int(tx, 16), int(rx, 16))
    return None


def wait_read(s):
    """Wait until every byte written on s has reached tcplogd's socket
    (nothing unacknowledged on ours) and tcplogd has read it (nothing
    queued on its side): a later write is then a read of its own."""
    me = s.getsockname()
    peer = s.getpeername()
    while True:
        mine = tcp_queues(me, peer)
        theirs = tcp_queues(peer, me)
        if mine is not None and theirs is not None and \
                mine[0] == 0 and theirs[1] == 0:
            return
        if time.monotonic() > DEADLINE:
            die("tcplogd did not read what was sent: ours %r, its %r" %
                (mine, theirs))
        time.sleep(0.002)


def stamp(port, n, gap_ms):
    s = connect(port)
    for i in range(n):
        usec = time.clock_gettime_ns(time.CLOCK_REALTIME) // 1000
        s.sendall(b"%d stamp %d\n" % (usec, i))
        time.sleep(gap_ms / 1000.0)
    s.shutdown(socket.SHUT_WR)
    s.settimeout(max(DEADLINE - time.monotonic(), 0.1))
    while s.recv(4096):
        pass
    s.close()


# What the syslog test sends: (level, message).  One message has a LF in
# it, one is not ASCII.
SYSLOG_MESSAGES = [
    (logging.INFO, "one"),
    (logging.WARNING, "two words"),
    (logging.ERROR, "caf\u00e9 \u2603"),
    (logging.DEBUG, "first line\nsecond line"),
    (logging.CRITICAL, "x" * 1000),
]


def pysyslog(port):
    handler = logging.handlers.SysLogHandler(
        address=("127.0.0.1", port), socktype=socket.SOCK_STREAM,
        facility=logging.handlers.SysLogHandler.LOG_LOCAL3)
    handler.ident = "pyapp: "
    print("peer %s:%d" % handler.socket.getsockname(), flush=True)
    log = logging.getLogger("tcplogd-test")
    log.propagate = False
    log.setLevel(logging.DEBUG)
    log.addHandler(handler)
    for level, msg in SYSLOG_MESSAGES:
        log.log(level, msg)
        print(json.dumps({"level": logging.getLevelName(level),
                          "msg": msg}), flush=True)
    handler.close()


def cut(port, stream, cuts):
    if cuts == "bytes":
        offs = list(range(1, len(stream)))
    else:
        offs = sorted(int(c) for c in cuts.split(",") if c)
    s = connect(port)
    prev = 0
    for off in offs + [len(stream)]:
        if off <= prev:
            continue
        s.sendall(stream[prev:off])
        wait_read(s)
        prev = off
    s.close()


def main():
    if len(sys.argv) < 3:
        die("usage: stamp PORT N GAP_MS | syslog PORT | "
            "cut PORT HEX CUTS|bytes")
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "stamp" and len(sys.argv) == 5:
        stamp(port, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "syslog" and len(sys.argv) == 3:
        pysyslog(port)
    elif cmd == "cut" and len(sys.argv) == 5:
        cut(port, bytes.fromhex(sys.argv[3]), sys.argv[4])
    else:
        die("bad arguments: %r" % sys.argv[1:])


if __name__ == "__main__":
    main()

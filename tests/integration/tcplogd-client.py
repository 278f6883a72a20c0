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
      the messages of SYSLOG_MESSAGES through two connections of
      logging.handlers.SysLogHandler; prints each as JSON.
  tcplogd-client.py cut PORT HEXSTREAM SPEC...
      for each SPEC one connection that sends the bytes of HEXSTREAM in
      the pieces the SPEC cuts them into, waiting before each piece until
      tcplogd has read all that was sent, so that each piece is one read
      of its own; at the end it waits for tcplogd to have read everything
      too, then closes; with "/eof" after SPEC it shuts down its writing
      side instead and reads until tcplogd closes, with "/hold" it only
      reads until then.  SPEC is "whole" (one piece), "bytes" (one byte
      a piece), or the offsets "K1,K2,..." where pieces start.

stamp and cut print "peer ADDR:PORT" (tcplogd's name for it) first, cut
"closed by server" when tcplogd closed the connection before it was
done.  Every wait is bounded by TCPLOGD_CLIENT_TIMEOUT seconds (default
30): each step, not the whole run, whose length depends on how busy the
machine is (the test script bounds the whole).
"""

import json
import logging
import logging.handlers
import os
import socket
import sys
import time

TIMEOUT = float(os.environ.get("TCPLOGD_CLIENT_TIMEOUT", "30"))


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


def wait_read(me, peer):
    """Wait until every byte written on the connection ME -> PEER has
    reached tcplogd's socket (nothing unacknowledged on ours) and tcplogd
    has read it (nothing queued on its side): a later write is then a
    read of its own."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        mine = tcp_queues(me, peer)
        theirs = tcp_queues(peer, me)
        if theirs is None:  # tcplogd closed it
            return
        if mine is not None and mine[0] == 0 and theirs[1] == 0:
            return
        if time.monotonic() > deadline:
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
    s.settimeout(TIMEOUT)
    while s.recv(4096):
        pass
    s.close()


# What the syslog test sends: (level, message).  One message has a LF in
# it, one is not ASCII, one is longer than a socket read of some senders.
SYSLOG_MESSAGES = [
    (logging.INFO, "one"),
    (logging.WARNING, "two words"),
    (logging.ERROR, "caf\u00e9 \u2603 \"q\" [x] \\ end"),
    (logging.DEBUG, "first line\nsecond line"),
    (logging.CRITICAL, "x" * 3000),
]


def pysyslog(port):
    """SYSLOG_MESSAGES through two SysLogHandlers (two connections): one
    as most programs set it up (no ident, facility user), one with an
    ident "pyapp: " and facility local3.  Prints, for each message, what
    it sent as JSON: peer, PRI, ident, msg, data (without the NUL)."""
    sh = logging.handlers.SysLogHandler
    for n, (ident, facility) in enumerate([("", sh.LOG_USER),
                                           ("pyapp: ", sh.LOG_LOCAL3)]):
        handler = sh(address=("127.0.0.1", port),
                     socktype=socket.SOCK_STREAM, facility=facility)
        handler.ident = ident
        peer = "%s:%d" % handler.socket.getsockname()
        log = logging.getLogger("tcplogd-test-%d" % n)
        log.propagate = False
        log.setLevel(logging.DEBUG)
        log.addHandler(handler)
        for level, msg in SYSLOG_MESSAGES:
            log.log(level, msg)
            pri = handler.encodePriority(
                facility, handler.mapPriority(logging.getLevelName(level)))
            print(json.dumps({"peer": peer, "pri": pri, "ident": ident,
                              "msg": msg,
                              "data": "<%d>%s%s" % (pri, ident, msg)}),
                  flush=True)
        handler.close()


def cut(port, stream, spec):
    spec, _, end = spec.partition("/")
    if spec == "bytes":
        offs = list(range(1, len(stream)))
    elif spec == "whole":
        offs = []
    else:
        offs = sorted(int(c) for c in spec.split(","))
    s = connect(port)
    me, peer = s.getsockname(), s.getpeername()
    prev = 0
    try:
        for off in offs + [len(stream)]:
            if off <= prev:
                continue
            s.sendall(stream[prev:off])
            wait_read(me, peer)
            prev = off
        if end == "eof":
            s.shutdown(socket.SHUT_WR)
        if end in ("eof", "hold"):
            s.settimeout(TIMEOUT)
            while s.recv(4096):
                pass
            print("closed by server", flush=True)
    except (BrokenPipeError, ConnectionResetError):
        print("closed by server", flush=True)
    s.close()


def main():
    if len(sys.argv) < 3:
        die("usage: stamp PORT N GAP_MS | syslog PORT | "
            "cut PORT HEX SPEC...")
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "stamp" and len(sys.argv) == 5:
        stamp(port, int(sys.argv[3]), float(sys.argv[4]))
    elif cmd == "syslog" and len(sys.argv) == 3:
        pysyslog(port)
    elif cmd == "cut" and len(sys.argv) >= 5:
        for spec in sys.argv[4:]:
            cut(port, bytes.fromhex(sys.argv[3]), spec)
    else:
        die("bad arguments: %r" % sys.argv[1:])


if __name__ == "__main__":
    main()

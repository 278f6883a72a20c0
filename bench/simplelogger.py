#!/usr/bin/python3
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

"""The Twisted SimpleLogger that tcplogd replaces, as the benchmark's peer.

The Protocol/Factory/LineReceiver logger of Twisted's documentation, with
the delimiter set to LF: each received line is written, with a newline,
to one file opened by the factory (Python's buffered I/O, flushed when
the buffer is full and when the factory stops).  Nothing else: no time,
no peer, no escaping, no events.

    simplelogger.py [-P portfile] [-p port] outfile

Listens on 127.0.0.1 only, port 0 (the default) lets the kernel choose;
writes "simplelogger 127.0.0.1:PORT" to the port file (via a rename).
SIGTERM or SIGINT stops the reactor, which closes the file.  Run it with
Debian's /usr/bin/python3 and python3-twisted.
"""

import getopt
import os
import resource
import sys

from twisted.internet import reactor, protocol
from twisted.protocols.basic import LineReceiver


class SimpleLogger(LineReceiver):
    delimiter = b"\n"

    def lineReceived(self, line):
        self.factory.fp.write(line + b"\n")


class SimpleLoggerFactory(protocol.Factory):
    protocol = SimpleLogger

    def __init__(self, path):
        self.path = path
        self.fp = None

    def startFactory(self):
        self.fp = open(self.path, "ab")

    def stopFactory(self):
        self.fp.close()


def main():
    try:
        opts, args = getopt.getopt(sys.argv[1:], "P:p:")
    except getopt.GetoptError:
        opts, args = [], []
    if len(args) != 1:
        sys.stderr.write("usage: simplelogger.py [-P portfile] [-p port] "
                         "outfile\n")
        sys.exit(64)
    portfile, port = None, 0
    for o, v in opts:
        if o == "-P":
            portfile = v
        elif o == "-p":
            port = int(v)
    # One descriptor per connection, as tcplogd does at start.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # The same listen backlog as tcplogd (1024).
    lp = reactor.listenTCP(port, SimpleLoggerFactory(args[0]),
                           backlog=1024, interface="127.0.0.1")
    if portfile is not None:
        with open(portfile + ".tmp", "w") as f:
            f.write("simplelogger 127.0.0.1:%d\n" % lp.getHost().port)
        os.rename(portfile + ".tmp", portfile)
    reactor.run()


if __name__ == "__main__":
    main()

#!/bin/sh
# shutdowntimeout.sh: SIGTERM while the reader of stdout is stopped and
# output is pending: tcplogd waits at most shutdown_timeout seconds, says
# how many bytes it left unwritten, and exits 0.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global shutdown_timeout=1
config_listener main timestamps=no
fifo_reader
start_daemon
kill -STOP "$CAT_PID"

# 2 MB: more than the pipe holds, less than makes tcplogd pause reading.
# -e half returns once tcplogd has read it all and closed.
tsend -e half -n 20000 -s 99 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
start=$(date +%s)
stop_daemon $((5 + 1))
log "stopped in $(($(date +%s) - start)) s"
grep -Eq '[1-9][0-9]* bytes.*unwritten|unwritten.*[1-9][0-9]* bytes' "$ERR" ||
    fail "no diagnostic naming the bytes left unwritten"
kill -KILL "$CAT_PID"
exit 0

#!/bin/sh
# sigterm-paused.sh: SIGTERM while the stdout reader is stopped, so the
# listener is paused (TCP backpressure) and the client's data waits in
# kernel buffers (8 MB in all: a client that keeps sending past the
# 16 MiB drain bound is cut).  After the stop delay tcplogd reads what
# the socket holds and closes; once the reader resumes, every byte tcplogd received
# is in the output, in order, and nothing was left unread.

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

size=99
nline=60000

config_global shutdown_timeout=60
config_listener main timestamps=no
fifo_reader
start_daemon
port=$(port_of main)

kill -STOP "$CAT_PID"
tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((100 * scale)) -v \
    -n "$nline" -s "$size" 127.0.0.1 "$port"
wait_match "$ERR" '^tcplogd: stdout: output stalled ' 30
wait_match "$DIR/send.out" '^c0 done$' 30

kill -TERM "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted 1 refused 0 active 0 ' \
    30
kill -CONT "$CAT_PID"
wait_pid "$DPID" 60
rc=$?
DPID=
check_sanitizer "$ERR"
[ "$rc" -eq 0 ] || fail "tcplogd exited with status $rc"
wait_pid "$CAT_PID" 10
if grep -q 'left unread' "$ERR"; then
	fail "data left unread: $(grep 'left unread' "$ERR")"
fi
check_generated "$DIR/send.out" "$DIR/sink" main 1 "$nline" "$size"
exit 0

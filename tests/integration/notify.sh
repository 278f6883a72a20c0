#!/bin/sh
# notify.sh: the sd_notify protocol, read from a NOTIFY_SOCKET receiver:
# READY=1 (with STATUS=) only once the listeners are bound, RELOADING=1
# with MONOTONIC_USEC then READY=1 around a SIGHUP reload, STOPPING=1 on
# SIGTERM.  Works with libsystemd and without it (datagrams by hand).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

[ -x "$TCPLOGD_SYSLOG_RECV" ] ||
    hard_error "TCPLOGD_SYSLOG_RECV: not an executable: $TCPLOGD_SYSLOG_RECV"

# The receiver writes each datagram and a newline; a datagram of several
# lines ("READY=1\nSTATUS=...") stays together, one key per line.
"$TCPLOGD_SYSLOG_RECV" "$DIR/notify.sock" "$DIR/notify" &
bg_track $!
wait_until 10 test -S "$DIR/notify.sock" || hard_error "no receiver socket"
NOTIFY_SOCKET=$DIR/notify.sock
export NOTIFY_SOCKET

write_config timestamps=no
start_daemon
wait_match "$DIR/notify" '^READY=1$'
wait_match "$DIR/notify" '^STATUS=1 listener, 0 connections, 0 records, 0 refused$'
[ -s "$PORTS" ] || fail "READY=1 before the port file"

kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 1 listener$'
wait_count "$DIR/notify" '^READY=1$' 2
awk '
/^RELOADING=1$/ { reloading = NR }
/^MONOTONIC_USEC=[0-9]+$/ && reloading == NR - 1 { mono = NR }
/^READY=1$/ { ready[++n] = NR }
END {
	if (!reloading || !mono || n != 2 || ready[2] < mono)
		exit 1
}' "$DIR/notify" || fail "no RELOADING=1, MONOTONIC_USEC, READY=1: $(cat "$DIR/notify")"

stop_daemon
grep -q '^STOPPING=1$' "$DIR/notify" || fail "no STOPPING=1: $(cat "$DIR/notify")"
exit 0

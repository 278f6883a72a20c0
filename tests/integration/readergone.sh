#!/bin/sh
# readergone.sh: the reader of stdout goes away (EPIPE): tcplogd says so
# once, discards stdout output from then on, keeps serving and exits 0.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

write_config timestamps=no
fifo_reader
start_daemon
port=$(port_of main)

printf 'one\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$DIR/sink" ': one$'
kill "$CAT_PID"
wait_pid "$CAT_PID"

# Output after the reader is gone.
printf 'two\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$ERR" '^tcplogd: stdout: '
for i in 1 2 3 4 5; do
	printf 'more %s\n' "$i" | tsend -e half -f - 127.0.0.1 "$port" ||
	    fail "tcplogd-send failed after the reader left"
done
daemon_alive || fail "tcplogd died when its reader left"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted 7 refused 0 active 0 records 7 '
[ "$(grep -c '^tcplogd: stdout: ' "$ERR")" -eq 1 ] ||
    fail "not exactly one line about stdout: $(grep 'stdout' "$ERR")"
stop_daemon
grep -q ': two$' "$DIR/sink" && fail "a record after the reader left"
exit 0

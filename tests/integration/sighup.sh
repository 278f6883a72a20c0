#!/bin/sh
# sighup.sh: SIGHUP with an unchanged config reopens the outputs and
# reloads: it kills neither the daemon nor its connections, and tcplogd
# goes on serving.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

msg='^tcplogd: SIGHUP received: reopened 0 output files, reloading .*tcplogd\.conf$'

write_config timestamps=no
start_daemon
port=$(port_of main)

# A client that sends a line, stalls, then sends another.
printf 'before\nafter\n' > "$DIR/in"
tsend_bg "$DIR/send.out" "$DIR/send.err" -v -k 7 -d 1000 -f "$DIR/in" \
    127.0.0.1 "$port"
send_pid=$BG_PID
wait_match "$OUT" ': before$'
kill -HUP "$DPID"
wait_count "$ERR" "$msg" 1
daemon_alive || fail "SIGHUP killed tcplogd"
wait_pid "$send_pid" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/send.out")
wait_match "$OUT" "^main $p disconnected "
{
	echo "main $p connected"
	echo "main $p: before"
	echo "main $p: after"
	echo "main $p disconnected (closed by peer) 2 records 13 bytes"
} > "$DIR/expected"
records_of "$OUT" "$p" > "$DIR/out1"
expect_file "$DIR/expected" "$DIR/out1"

# More of them; still serving.
kill -HUP "$DPID"
wait_count "$ERR" "$msg" 2
kill -HUP "$DPID"
wait_count "$ERR" "$msg" 3
daemon_alive || fail "SIGHUP killed tcplogd"
printf 'later\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$OUT" ': later$'
stop_daemon
[ "$(grep -Ec "$msg" "$ERR")" -eq 3 ] || fail "not 3 SIGHUP lines"
exit 0

#!/bin/sh
# sighup.sh: SIGHUP with an unchanged config reopens the outputs and
# reloads: it kills neither the daemon nor its connections, and tcplogd
# goes on serving.  The client sends a line every 100 ms until one is
# written after the SIGHUP (SIGUSR1), however slowly the machine runs.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

msg='^tcplogd: SIGHUP received: reopened 0 output files, reloading .*tcplogd\.conf$'

write_config timestamps=no
start_daemon
port=$(port_of main)

# A client that sends lines before the SIGHUP and after it.
tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((60 * scale)) -v \
    -n $((10 * 60 * scale)) -s 20 -k 21 -d 100 127.0.0.1 "$port"
send_pid=$BG_PID
wait_match "$OUT" ': c0-l0 '
kill -HUP "$DPID"
wait_count "$ERR" "$msg" 1
daemon_alive || fail "SIGHUP killed tcplogd"
wait_count "$OUT" ': c0-l' $(($(grep -c ': c0-l' "$OUT") + 1))
kill -USR1 "$send_pid"
wait_pid "$send_pid" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/send.out")
wait_match "$OUT" "^main $p disconnected "
records_of "$OUT" "$p" > "$DIR/out1"
check_generated "$DIR/send.out" "$DIR/out1" main 1 - 20

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

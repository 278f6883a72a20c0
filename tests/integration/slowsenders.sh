#!/bin/sh
# slowsenders.sh: 2000 connections from 127.0.0.1, each sending "slow\n"
# one byte a second, to a listener with max_per_peer = 1000: 1000 are
# served and 1000 refused (counted, summarised in the diagnostics),
# and while the slow lines trickle in, a client from another address
# (127.0.0.2) is served promptly: its line is written within 2 seconds.
#
# Sized with load: 200 connections and max_per_peer = 100 under ASan and
# valgrind.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nslow=$(load 2000 2)
cap=$((nslow / 2))

# refused_total: the connections the diagnostics say were refused.
refused_total()
{
	refusals_said main 'max_per_peer reached'
}

# shellcheck disable=SC2317 # called by wait_until
all_refused()
{
	[ "$(refused_total)" -ge "$1" ]
}

# prompt N: a client from 127.0.0.2 sends a line; it must be written
# within 2 s (times the scale).
prompt()
{
	printf 'prompt %s\n' "$1" | tsend -B 127.0.0.2 -e half -f - \
	    127.0.0.1 "$port" || fail "prompt $1: tcplogd-send failed"
	wait_until 2 has_match "$OUT" "^main 127\\.0\\.0\\.2:[0-9]+: prompt $1\$" ||
	    fail "prompt $1: the line was not written within $((2 * scale)) s"
}

write_config timestamps=no max_per_peer="$cap"
start_daemon
port=$(port_of main)

printf 'slow\n' > "$DIR/slow.in"
tsend_bg "$DIR/slow.out" "$DIR/slow.err" -t $((60 * scale)) -v \
    -c "$nslow" -k 1 -d 1000 -f "$DIR/slow.in" 127.0.0.1 "$port"
slow_pid=$BG_PID
wait_count "$OUT" '^main 127\.0\.0\.1:[0-9]+ connected$' "$cap" 20
wait_until 10 all_refused $((nslow - cap)) ||
    fail "$(refused_total) connections refused, want $((nslow - cap))"
prompt 1
# Still in the middle of the slow lines.
grep -q ': slow$' "$OUT" && log "warning: slow lines done before prompt 1"
prompt 2

wait_pid "$slow_pid" 30
rc=$?
[ "$rc" -eq 1 ] || fail "the slow clients: exit $rc, want 1 (refused ones fail)"
nsent=$(grep -c '^c[0-9]* sent 5 bytes$' "$DIR/slow.out")
nerr=$(grep -c '^c[0-9]* error after [01] bytes$' "$DIR/slow.out")
if [ "$nsent" -ne "$cap" ] || [ "$nerr" -ne $((nslow - cap)) ]; then
	fail "$nsent slow clients sent all, $nerr were cut; want $cap and $((nslow - cap))"
fi
wait_count "$OUT" '^main 127\.0\.0\.1:[0-9]+ disconnected \(closed by peer\) 1 records 5 bytes$' "$cap"
[ "$(grep -c '^main 127\.0\.0\.1:[0-9]*: slow$' "$OUT")" -eq "$cap" ] ||
    fail "not $cap slow lines"
[ "$(grep -c ' connected$' "$OUT")" -eq $((cap + 2)) ] ||
    fail "records for refused connections"
[ "$(refused_total)" -eq $((nslow - cap)) ] ||
    fail "$(refused_total) refusals in the diagnostics, want $((nslow - cap))"
kill -USR1 "$DPID"
wait_match "$ERR" "^tcplogd: listener main: accepted $((cap + 2)) refused $((nslow - cap)) active 0 records $((cap + 2)) "
stop_daemon
exit 0

#!/bin/sh
# bigline.sh: a client sends 1 GiB without a newline (made on the fly by
# tcplogd-send -z), then "\nafter\n", to a listener with max_line =
# 16384 and overlong = truncate.  tcplogd's RSS stays under 32 MiB
# throughout (it buffers at most max_line + 2 bytes of input a
# connection; measured: about 4 MiB), the record is the first 16384
# bytes flagged truncated, the next line is whole, the counters and the
# disconnect record count every byte, and the diagnostics say it once.
# With overlong = close the connection is closed after the first
# max_line bytes, whatever follows.  1 GiB over loopback takes about a
# second here.
#
# The size is sized with load (about 100 MiB under ASan and valgrind).
# The RSS bound is judged on the plain build only (TCPLOGD_RSS_LIMIT_MB
# overrides it); under a sanitizer or a wrapper the RSS is only logged.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

big=$(load 1073741824)
limit=${TCPLOGD_RSS_LIMIT_MB:-32}
judge=yes
instrumented && judge=
[ -z "${TCPLOGD_RSS_LIMIT_MB:-}" ] || judge=yes
max=16384

max_rss=0
sample_rss()
{
	sr_rss=$(rss_kb "$DPID")
	[ -n "$sr_rss" ] || return 0
	[ "$sr_rss" -gt "$max_rss" ] && max_rss=$sr_rss
	return 0
}

# sample_while PID SECONDS: sample the RSS every 50 ms while PID runs,
# at most SECONDS (times the scale).
sample_while()
{
	sw_n=$(($2 * scale * 20))
	while proc_alive "$1" && [ "$sw_n" -gt 0 ]; do
		sample_rss
		sleep 0.05
		sw_n=$((sw_n - 1))
	done
}

config_global timestamps=no max_line="$max"
config_listener main
config_listener closer overlong=close
start_daemon
log "RSS at start: $(rss_kb "$DPID") KiB"

# 1. truncate.
printf '\nafter\n' > "$DIR/tail"
t0=$(date +%s)
tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((90 * scale)) -v -z "$big" \
    -f "$DIR/tail" 127.0.0.1 "$(port_of main)"
send_pid=$BG_PID
sample_while "$send_pid" 90
wait_pid "$send_pid" 10 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"
log "$big bytes sent in $(($(date +%s) - t0)) s; max RSS $max_rss KiB"
p=$(peer_of "$DIR/send.out")
wait_match "$OUT" "^main $p disconnected "
sample_rss
{
	echo "main $p connected"
	printf 'main %s [truncated]: ' "$p"
	awk -v n="$max" 'BEGIN { s = "z"; while (length(s) < n) s = s s; print substr(s, 1, n) }'
	echo "main $p: after"
	echo "main $p disconnected (closed by peer) 2 records $((big + 7)) bytes"
} > "$DIR/expected"
records_of "$OUT" "$p" > "$DIR/got"
expect_file "$DIR/expected" "$DIR/got"
[ "$(grep -c 'line longer than' "$ERR")" -eq 1 ] ||
    fail "not one overlong diagnostic: $(grep 'line longer' "$ERR")"
grep -qx "tcplogd: main: $p: line longer than $max bytes, truncated" "$ERR" ||
    fail "wrong overlong diagnostic: $(grep 'line longer' "$ERR")"

# 2. close: cut after the first max_line bytes.
tsend_bg "$DIR/close.out" "$DIR/close.err" -t $((90 * scale)) -v \
    -z "$big" 127.0.0.1 "$(port_of closer)"
close_pid=$BG_PID
sample_while "$close_pid" 30
wait_pid "$close_pid" 10
[ $? -eq 1 ] || fail "the client was not cut off: $(cat "$DIR/close.out")"
grep -q '^c0 error after [0-9]* bytes$' "$DIR/close.out" ||
    fail "the client was not cut off: $(cat "$DIR/close.out")"
p=$(peer_of "$DIR/close.out")
wait_match "$OUT" "^closer $p disconnected "
grep -Eq "^closer $p disconnected \\(line too long\\) 1 records [0-9]+ bytes\$" "$OUT" ||
    fail "wrong disconnect record: $(grep "^closer $p disconnected" "$OUT")"
[ "$(records_of "$OUT" "$p" | grep -c "^closer $p \\[truncated\\]: z*\$")" -eq 1 ] ||
    fail "no truncated record"

kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener closer: accepted '
grep -q "^tcplogd: listener main: accepted 1 refused 0 active 0 records 2 bytes $((big + 7)) overlong 1 partial 0 " \
    "$ERR" || fail "wrong counters: $(grep 'listener main:' "$ERR")"
grep -Eq '^tcplogd: listener closer: accepted 1 refused 0 active 0 records 1 bytes [0-9]+ overlong 1 partial 0 ' \
    "$ERR" || fail "wrong counters: $(grep 'listener closer:' "$ERR")"
sample_rss
stop_daemon

log "max RSS: $max_rss KiB"
if [ -n "$judge" ] && [ "$max_rss" -gt $((limit * 1024)) ]; then
	fail "RSS $max_rss KiB over $limit MiB"
fi
exit 0

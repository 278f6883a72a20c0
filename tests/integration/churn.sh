#!/bin/sh
# churn.sh: 20000 short connections, 100 at a time, each sending a line:
# most close, every fourth batch half-closes and waits for tcplogd to
# close, every fourth resets after a partial line.  Every "connected"
# has its "disconnected" with the right reason and counts, nothing is
# lost, and afterwards tcplogd has exactly the descriptors it had before
# (/proc/PID/fd) and, on the plain build, its RSS has not grown by more
# than 16 MiB (a leak of a few hundred bytes a connection would show).
#
# The number of batches is sized with load: 2000 connections under ASan
# and valgrind, which find leaks their own way.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nbatch=$(load 200 4)
per=100
total=$((nbatch * per))
size=20

write_config timestamps=no
start_daemon
port=$(port_of main)
fd0=$(open_fds "$DPID")
rss0=$(rss_kb "$DPID")

t0=$(date +%s)
nreset=0
i=0
while [ "$i" -lt "$nbatch" ]; do
	case $((i % 4)) in
	1)	set -- -e half ;;
	3)	set -- -e reset -p 5
		nreset=$((nreset + per)) ;;
	*)	set -- ;;
	esac
	tsend -b $((i * per)) -c "$per" -n 1 -s "$size" "$@" \
	    127.0.0.1 "$port" > /dev/null 2> "$DIR/send.err" ||
	    fail "batch $i: tcplogd-send failed: $(cat "$DIR/send.err")"
	i=$((i + 1))
done
log "$total connections made in $(($(date +%s) - t0)) s"
wait_count "$OUT" ' disconnected ' "$total" 60
log "all written after $(($(date +%s) - t0)) s"
daemon_alive || fail "tcplogd died"

fd1=$(open_fds "$DPID")
rss1=$(rss_kb "$DPID")
log "descriptors: $fd0 before, $fd1 after; RSS $rss0 KiB before, $rss1 KiB after"
if [ "$fd1" -ne "$fd0" ]; then
	ls -l "/proc/$DPID/fd" >&2
	fail "$fd1 descriptors open after the churn, $fd0 before"
fi
if ! instrumented && [ $((rss1 - rss0)) -gt $((16 * 1024)) ]; then
	fail "RSS grew from $rss0 KiB to $rss1 KiB"
fi
stop_daemon

# Each peer alternates connected, data, disconnected; a port may come
# back in a later batch, and when the kernel reuses it at once (many
# TIME_WAITs, say from tests running alongside) the new connection's
# "connected" can come before the old one's "disconnected": a peer may
# then have two open connections, and its counts are checked in total
# only.  The reasons and counts match what was sent.
awk -v total="$total" -v nreset="$nreset" -v size="$size" '
function bad(msg) {
	print FILENAME ":" FNR ": " msg ": " $0 > "/dev/stderr"
	if (++errors > 20)
		exit 1
}
$1 != "main" {
	bad("not listener main")
	next
}
$3 == "connected" && NF == 3 {
	if (open[$2] > 1)
		bad("connected while open twice")
	if (open[$2]++)
		overlap[$2] = 1
	else
		nrec[$2] = 0
	conns++
	next
}
$3 == "disconnected" {
	if (open[$2] < 1)
		bad("disconnected without connected")
	open[$2]--
	if ($0 ~ / disconnected \(closed by peer\) /)
		want = "1 records " size + 1 " bytes"
	else if ($0 ~ / disconnected \(reset\) /) {
		want = "2 records " size + 6 " bytes"
		resets++
	} else {
		bad("wrong reason")
		next
	}
	rest = $0
	sub(/^[^)]*\) /, "", rest)
	if (rest != want)
		bad("want " want)
	if (!overlap[$2] && nrec[$2] + 0 != want + 0)
		bad(nrec[$2] " records written")
	if (open[$2] == 0)
		overlap[$2] = 0
	next
}
{
	p = $2
	sub(/:$/, "", p)
	if (open[p] < 1)
		bad("data outside a connection")
	if ($0 !~ /^main [^ ]+: c[0-9]+-l0 x+$/ &&
	    $0 !~ /^main [^ ]+ \[partial\]: c[0-9l-][0-9l-][0-9l-][0-9l-]$/)
		bad("mangled record")
	nrec[p]++
	data++
}
END {
	if (errors)
		exit 1
	for (p in open)
		if (open[p]) {
			print "no disconnect for " p > "/dev/stderr"
			exit 1
		}
	if (conns != total || resets != nreset ||
	    data != total + nreset) {
		print conns " connections, " resets " resets, " data \
		    " data records" > "/dev/stderr"
		exit 1
	}
}' "$OUT" || fail "wrong records"
grep -Eq "^tcplogd: listener main: accepted $total refused 0 active 0 records $((total + nreset)) bytes $((total * (size + 1) + nreset * 5)) overlong 0 partial $nreset " \
    "$ERR" || fail "wrong counters: $(grep 'listener main:' "$ERR" | tail -n 1)"
exit 0

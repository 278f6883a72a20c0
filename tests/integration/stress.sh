#!/bin/sh
# stress.sh: 5000 connections open at once, sending lines; 10% of them
# reset (RST) in the middle of a line.  The 4500 others send a line
# every 100 ms until all are open together and counted and they have
# sent 40 lines each on average (SIGUSR1), then close; the 500
# resetting ones (from 127.0.0.2, so that their peers are told apart)
# connect once the others are in, send 10 lines and the first 17 bytes
# of an eleventh, and reset.  Every line is in the output
# exactly once, whole, in the order of its connection; the data a
# resetting client sent before its RST (all of it: loopback, a few
# hundred bytes) is written, its last line flagged partial, and it ends
# with "disconnected (reset)".
#
# The connection counts are sized with load (a tenth under ASan and
# valgrind).

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nnorm=$(load 4500)
nreset=$(load 500)
# A line every 100 ms; -n only bounds the lines, to what that pace gives
# in the time limit.
nmax=$((10 * TEST_TIMEOUT * scale))
size=40
rline=10
plen=17

write_config timestamps=no
start_daemon
port=$(port_of main)

t0=$(date +%s)
tsend_bg "$DIR/norm.out" "$DIR/norm.err" -t $((TEST_TIMEOUT * scale)) -v \
    -c "$nnorm" -n "$nmax" -s "$size" -k $((size + 1)) -d 100 \
    127.0.0.1 "$port"
norm_pid=$BG_PID
wait_count "$OUT" '^main 127\.0\.0\.1:[0-9]+ connected$' "$nnorm" 30
log "$nnorm connections in after $(($(date +%s) - t0)) s"
tsend_bg "$DIR/reset.out" "$DIR/reset.err" -t $((90 * scale)) -v \
    -B 127.0.0.2 -b "$nnorm" -c "$nreset" -n "$rline" -s "$size" \
    -p "$plen" -e reset -k $((size + 1)) -d 50 127.0.0.1 "$port"
reset_pid=$BG_PID
wait_count "$OUT" '^main 127\.0\.0\.2:[0-9]+ connected$' "$nreset" 30
# All open at once: the first clients send until told to stop.
proc_alive "$norm_pid" ||
    fail "the first clients stopped before the last ones connected:" \
    "$(head -n 5 "$DIR/norm.err")"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted '
active=$(sed -n 's/^tcplogd: listener main: accepted [0-9]* refused 0 active \([0-9]*\) .*/\1/p' "$ERR")
log "$active connections open at once"
[ "${active:-0}" -ge "$nnorm" ] ||
    fail "not $nnorm connections open at once: $(grep 'listener main:' "$ERR")"

# 40 lines a connection on average (about 4 s), then stop them.
wait_count "$OUT" '^main 127\.0\.0\.1:[0-9]+: ' $((40 * nnorm)) 60
kill -USR1 "$norm_pid"
wait_pid "$reset_pid" 60 ||
    fail "the resetting clients failed: $(head -n 5 "$DIR/reset.err")"
wait_pid "$norm_pid" 60 ||
    fail "the clients failed: $(head -n 5 "$DIR/norm.err")"
[ "$(grep -c ' done$' "$DIR/norm.out")" -eq "$nnorm" ] ||
    fail "not every connection of tcplogd-send finished"
[ "$(grep -c ' done$' "$DIR/reset.out")" -eq "$nreset" ] ||
    fail "not every resetting connection finished"
wait_count "$OUT" ' disconnected ' $((nnorm + nreset)) 60
log "all done after $(($(date +%s) - t0)) s"
stop_daemon

grep '^main 127\.0\.0\.1:' "$OUT" > "$DIR/norm.records"
grep '^main 127\.0\.0\.2:' "$OUT" > "$DIR/reset.records"
[ $(($(wc -l < "$DIR/norm.records") + $(wc -l < "$DIR/reset.records"))) \
    -eq "$(wc -l < "$OUT")" ] || fail "records from an unknown peer"
check_generated "$DIR/norm.out" "$DIR/norm.records" main "$nnorm" - "$size"
nbytes=$(awk '$2 == "sent" { n += $3 } END { print n + 0 }' "$DIR/norm.out")
nlines=$((nbytes / (size + 1)))
log "the $nnorm clients sent $nlines lines"

# The resetting clients: connected, lines 0..rline-1, the first plen
# bytes of line rline flagged partial, disconnected (reset) with counts.
awk -v nconn="$nreset" -v nline="$rline" -v size="$size" -v plen="$plen" '
function bad(msg) {
	print FILENAME ":" FNR ": " msg ": " $0 > "/dev/stderr"
	if (++errors > 20)
		exit 1
}
function line(c, l,	s) {
	s = "c" c "-l" l " "
	while (length(s) < size)
		s = s "x"
	return s
}
FILENAME == ARGV[1] {
	if ($2 == "connected")
		conn_of[$3] = substr($1, 2)
	next
}
{
	p = $2
	sub(/:$/, "", p)
	if (!(p in conn_of)) {
		bad("unknown peer")
		next
	}
	c = conn_of[p]
	if ($3 == "connected" && NF == 3) {
		if (p in n)
			bad("connected twice")
		n[p] = 0
		next
	}
	if (!(p in n) || (p in closed)) {
		bad("record outside the connection")
		next
	}
	if ($3 == "disconnected") {
		closed[p] = 1
		want = "main " p " disconnected (reset) " nline + 1 " records " \
		    nline * (size + 1) + plen " bytes"
		if ($0 != want)
			bad("want " want)
		if (n[p] != nline + 1)
			bad(n[p] " records before the disconnect")
		next
	}
	if (n[p] < nline)
		want = "main " p ": " line(c, n[p])
	else if (n[p] == nline)
		want = "main " p " [partial]: " substr(line(c, n[p]), 1, plen)
	else
		want = "(no more records)"
	if ($0 != want)
		bad("want " want)
	n[p]++
}
END {
	if (errors)
		exit 1
	for (p in n) {
		k++
		if (!(p in closed)) {
			print "no disconnect for " p > "/dev/stderr"
			exit 1
		}
	}
	if (k != nconn) {
		print k " resetting connections, want " nconn > "/dev/stderr"
		exit 1
	}
}' "$DIR/reset.out" "$DIR/reset.records" ||
    fail "the resetting clients' records are wrong"
grep -Eq "^tcplogd: listener main: accepted $((nnorm + nreset)) refused 0 active 0 records $((nlines + nreset * (rline + 1))) bytes $((nbytes + nreset * (rline * (size + 1) + plen))) overlong 0 partial $nreset " \
    "$ERR" || fail "wrong counters at shutdown: $(grep 'listener main:' "$ERR" | tail -n 1)"
exit 0

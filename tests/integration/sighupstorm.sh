#!/bin/sh
# sighupstorm.sh: SIGHUP storms and SIGTERM under load.  Clients stream
# lines to a listener writing to stdout and to a file while tcplogd gets
# 50 SIGHUPs in a row, then 10 rotations (mv + SIGHUP, with two more
# SIGHUPs each), then SIGTERM while two clients are still sending.  No
# crash, exit 0, no sanitizer report, no descriptor leaked by the
# reopens; the rotated files and the last one together are exactly what
# went to stdout; every line of the clients that finished is there
# exactly once, in order; the clients cut by SIGTERM have exactly a
# prefix of what they sent, ending with "disconnected (shutdown)".
#
# The first clients send until the storm and the rotations are done
# (SIGUSR1), the others until SIGTERM, however slowly the machine runs;
# -n only bounds them, to what their pace gives in the time limit.  The
# pace of the first is sized with load.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=4
size=50
chunk=$(load 4096 $((size + 1)))
nmax=$((chunk * 100 * TEST_TIMEOUT * scale / (size + 1)))
nstorm=50
nrot=10
hup='^tcplogd: SIGHUP received: reopened 1 output file'

# files: descriptors of the daemon that are not sockets (the outputs,
# the event loop's own); the reopens must not leak any.
files()
{
	find "/proc/$DPID/fd" -mindepth 1 -maxdepth 1 -exec readlink {} + |
	    grep -vc '^socket:'
}

config_global timestamps=no
config_listener main 'output=stdout, file' "file=$DIR/out.log"
start_daemon
port=$(port_of main)
files0=$(files)

# 4 clients that send 4 KiB every 10 ms until SIGUSR1; 2 that send 1000
# bytes every 10 ms until SIGTERM.
tsend_bg "$DIR/a.out" "$DIR/a.err" -t $((TEST_TIMEOUT * scale)) -v \
    -c "$nconn" -n "$nmax" -s "$size" -k "$chunk" -d 10 127.0.0.1 "$port"
a_pid=$BG_PID
tsend_bg "$DIR/b.out" "$DIR/b.err" -t $((TEST_TIMEOUT * scale)) -v -b 100 \
    -c 2 -n $((1000 * 100 * TEST_TIMEOUT * scale / (size + 1))) \
    -s "$size" -k 1000 -d 10 127.0.0.1 "$port"
b_pid=$BG_PID
wait_lines "$DIR/out.log" 1000

# 1. The storm.
i=0
while [ "$i" -lt "$nstorm" ]; do
	kill -HUP "$DPID" || fail "cannot signal tcplogd (SIGHUP $i)"
	i=$((i + 1))
done
wait_match "$ERR" "$hup"
daemon_alive || fail "tcplogd died in the SIGHUP storm"

# 2. Rotations, each followed by more SIGHUPs.
r=1
while [ "$r" -le "$nrot" ]; do
	wait_until 10 test -f "$DIR/out.log" ||
	    fail "no out.log after rotation $((r - 1))"
	mv "$DIR/out.log" "$DIR/out.log.$r" || hard_error "mv failed"
	kill -HUP "$DPID" || fail "cannot signal tcplogd (rotation $r)"
	kill -HUP "$DPID" || fail "cannot signal tcplogd (rotation $r)"
	kill -HUP "$DPID" || fail "cannot signal tcplogd (rotation $r)"
	r=$((r + 1))
done
wait_until 10 test -f "$DIR/out.log" || fail "no out.log after the rotations"
proc_alive "$a_pid" ||
    fail "the first clients stopped before the rotations were done:" \
    "$(cat "$DIR/a.err")"
nhup=$(grep -c "$hup" "$ERR")
log "$nhup SIGHUPs handled of $((nstorm + 3 * nrot)) sent"
[ "$nhup" -le $((nstorm + 3 * nrot)) ] || fail "more SIGHUP lines than SIGHUPs"
grep -q 'reload failed' "$ERR" && fail "a reload failed"
files1=$(files)
[ "$files1" -eq "$files0" ] ||
    fail "$files1 descriptors other than sockets after the SIGHUPs, $files0 before"

# 3. The first clients finish; SIGTERM while the others still send.
kill -USR1 "$a_pid"
wait_pid "$a_pid" 60 || fail "the clients failed: $(cat "$DIR/a.err")"
proc_alive "$b_pid" || fail "the long clients finished: $(cat "$DIR/b.err")"
stop_daemon
wait_pid "$b_pid" 10

# The files, oldest first, hold what went to stdout.
r=1
while [ "$r" -le "$nrot" ]; do
	cat "$DIR/out.log.$r"
	r=$((r + 1))
done > "$DIR/all.log"
cat "$DIR/out.log" >> "$DIR/all.log"
expect_file "$OUT" "$DIR/all.log"

# The clients that finished: every line once, in order.
awk 'FILENAME == ARGV[1] { if ($2 == "connected") p[$3] = 1; next }
    { q = $2; sub(/:$/, "", q) } q in p' "$DIR/a.out" "$OUT" > "$DIR/a.records"
check_generated "$DIR/a.out" "$DIR/a.records" main "$nconn" - "$size"

# The clients cut by SIGTERM: for each, connected, lines 0.. in order,
# perhaps a partial start of the next line, then disconnected (shutdown)
# with the counts, and no more bytes than it sent.
awk -v size="$size" '
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
	if ($2 == "error" || $2 == "sent")
		sent[$1] = $(NF - 1)
	next
}
{
	p = $2
	sub(/:$/, "", p)
}
!(p in conn_of) {
	next
}
$3 == "connected" && NF == 3 {
	if (p in n)
		bad("connected twice")
	n[p] = 0
	b[p] = 0
	next
}
!(p in n) || (p in closed) {
	bad("record outside the connection")
	next
}
$3 == "disconnected" {
	closed[p] = 1
	want = "main " p " disconnected (shutdown) " n[p] " records " b[p] " bytes"
	if ($0 != want)
		bad("want " want)
	c = "c" conn_of[p]
	if (!(c in sent) || b[p] > sent[c])
		bad("more bytes than " c " sent (" sent[c] ")")
	next
}
{
	c = conn_of[p]
	if (partial[p])
		bad("a record after the partial one")
	if (index($0, "main " p " [partial]: ") == 1) {
		d = substr($0, length("main " p " [partial]: ") + 1)
		partial[p] = 1
		if (d == "" || index(line(c, n[p]) "\n", d) != 1)
			bad("the partial record is not the start of line " n[p])
		b[p] += length(d)
	} else {
		if ($0 != "main " p ": " line(c, n[p]))
			bad("want line " n[p])
		b[p] += size + 1
	}
	n[p]++
}
END {
	if (errors)
		exit 1
	for (p in conn_of) {
		if (!(p in closed)) {
			print "no disconnect for " p > "/dev/stderr"
			exit 1
		}
		if (n[p] < 100) {
			print p ": only " n[p] " lines" > "/dev/stderr"
			exit 1
		}
	}
}' "$DIR/b.out" "$OUT" || fail "the records of the clients cut by SIGTERM are wrong"
exit 0

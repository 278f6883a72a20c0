#!/bin/sh
# copytruncate.sh: logrotate's copytruncate (cp, then truncate -s 0)
# while clients write.  The file is opened with O_APPEND, so records
# after a truncation land at offset 0: no NUL-filled hole, the file
# starts with a whole record, and the later records are there.  Records
# written between the copy and the truncation are lost (logrotate's own
# window), but none is duplicated or cut, and each connection's lines
# stay in order.  Then, with tcplogd idle, a truncation followed by one
# client gives exactly that client's records.  The clients send until
# the truncations are done (SIGUSR1), however slowly the machine runs.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=4
size=60
ntrunc=3
# Each connection sends a chunk every 10 ms: 4 KiB at full size; -n only
# bounds the lines, to what that pace gives in the time limit.
chunk=$(load 4096 $((size + 1)))
nmax=$((chunk * 100 * TEST_TIMEOUT * scale / (size + 1)))

config_global timestamps=no
config_listener main output=file "file=$DIR/out.log"
start_daemon
port=$(port_of main)

tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((TEST_TIMEOUT * scale)) -v \
    -k "$chunk" -d 10 -c "$nconn" -n "$nmax" -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID

i=1
while [ "$i" -le "$ntrunc" ]; do
	wait_lines "$DIR/out.log" 300 20
	cp "$DIR/out.log" "$DIR/copy.$i" || hard_error "cp failed"
	truncate -s 0 "$DIR/out.log" || hard_error "truncate failed"
	proc_alive "$send_pid" ||
	    fail "the clients stopped before truncation $i:" \
	    "$(cat "$DIR/send.err")"
	i=$((i + 1))
done
kill -USR1 "$send_pid"
wait_pid "$send_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"
# Still sending after the last truncation: its end is in out.log.
wait_count "$DIR/out.log" ' disconnected ' "$nconn" 30

# whole_lines FILE: FILE without a last line that has no newline (a copy
# taken in the middle of a write may end so).
whole_lines()
{
	if [ -s "$1" ] &&
	    [ "$(tail -c 1 "$1" | od -An -tx1 | tr -d " ")" != 0a ]; then
		sed "\$d" "$1"
	else
		cat "$1"
	fi
}

for f in "$DIR"/copy.* "$DIR/out.log"; do
	[ "$(tr -dc '\000' < "$f" | wc -c)" -eq 0 ] || fail "NUL bytes in $f"
done
[ "$(tail -c 1 "$DIR/out.log" | od -An -tx1 | tr -d ' ')" = 0a ] ||
    fail "out.log does not end with a whole line"
# The first line of out.log is a whole record.
head -n 1 "$DIR/out.log" |
    grep -Eq '^main 127\.0\.0\.1:[0-9]+( connected$|: c[0-9]+-l[0-9]+ x+$| disconnected )' ||
    fail "out.log does not start with a whole record: $(head -c 200 "$DIR/out.log")"
i=1
while [ "$i" -le "$ntrunc" ]; do
	whole_lines "$DIR/copy.$i"
	i=$((i + 1))
done > "$DIR/all.log"
cat "$DIR/out.log" >> "$DIR/all.log"

# Every line whole, at most once, in order per connection.
awk -v size="$size" '
function bad(msg) {
	print "all.log:" NR ": " msg ": " $0 > "/dev/stderr"
	errors++
	if (errors > 20)
		exit 1
}
FILENAME == ARGV[1] {
	if ($2 == "connected")
		conn_of[$3] = substr($1, 2)
	next
}
$1 != "main" {
	bad("not a record")
	next
}
$3 == "connected" && NF == 3 {
	next
}
$3 == "disconnected" {
	if (!($0 ~ / disconnected \(closed by peer\) [0-9]+ records [0-9]+ bytes$/))
		bad("bad disconnect record")
	if (dis[$2]++)
		bad("disconnect twice")
	next
}
{
	peer = $2
	sub(/:$/, "", peer)
	data = $0
	sub(/^[^ ]+ [^ ]+: /, "", data)
	if (length(data) != size || data !~ /^c[0-9]+-l[0-9]+ x+$/) {
		bad("mangled line")
		next
	}
	split(data, f, /[-l ]+/)
	c = substr(f[1], 2)
	l = f[2] + 0
	if (!(peer in conn_of) || conn_of[peer] != c)
		bad("line of c" c " from peer " peer)
	if ((peer in last) && l <= last[peer])
		bad("duplicate or out of order")
	if (peer in dis)
		bad("data after the disconnect record")
	last[peer] = l
	n++
}
END {
	if (errors)
		exit 1
	print "copytruncate: " n " lines kept"
}' "$DIR/send.out" "$DIR/all.log" || fail "wrong records"

# The end of every connection, after the truncations, is in out.log: its
# last line (from the bytes it sent) and its disconnect record.
ndisc=$(grep -c ' disconnected (closed by peer) ' "$DIR/out.log")
[ "$ndisc" -eq "$nconn" ] || fail "out.log: not $nconn disconnect records"
c=0
while [ "$c" -lt "$nconn" ]; do
	sent=$(sed -n "s/^c$c sent \\([0-9]*\\) bytes\$/\\1/p" "$DIR/send.out")
	[ -n "$sent" ] || fail "c$c: no \"sent\" in $(cat "$DIR/send.out")"
	grep -q ": c$c-l$((sent / (size + 1) - 1)) " "$DIR/out.log" ||
	    fail "out.log: no last line of c$c"
	p=$(peer_of "$DIR/send.out" "c$c")
	want="main $p disconnected (closed by peer)"
	want="$want $((sent / (size + 1))) records $sent bytes"
	grep -qxF "$want" "$DIR/out.log" ||
	    fail "out.log: no \"$want\""
	c=$((c + 1))
done

# 2. Idle: truncate, then one client: exactly its records, from offset 0.
truncate -s 0 "$DIR/out.log" || hard_error "truncate failed"
printf 'after truncate\n' | tsend -v -e half -f - 127.0.0.1 "$port" \
    > "$DIR/send2.out" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/send2.out")
wait_match "$DIR/out.log" "^main $p disconnected "
{
	echo "main $p connected"
	echo "main $p: after truncate"
	echo "main $p disconnected (closed by peer) 1 records 15 bytes"
} > "$DIR/expected"
expect_file "$DIR/expected" "$DIR/out.log"
stop_daemon
exit 0

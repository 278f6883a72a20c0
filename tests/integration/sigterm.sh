#!/bin/sh
# sigterm.sh: SIGTERM while clients are connected, some idle after a
# partial line, one in the middle of a stream: everything they sent
# before is in the output, the partial lines flagged, each connection
# ends with "disconnected (shutdown)", the counters are written, and
# tcplogd exits 0.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# A long shutdown_timeout: reading what the clients already sent must
# not wait for it, even with a client that keeps sending.
config_global shutdown_timeout=60
config_listener main timestamps=no
start_daemon
port=$(port_of main)

# 1. Three clients that sent two lines and a partial one, then wait.
printf 'line1\nline2\npartial-data' > "$DIR/in"
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -c 3 -e hold -f "$DIR/in" \
    127.0.0.1 "$port"
hold_pid=$BG_PID

# 2. A client in the middle of a stream: 51-byte lines written 1000
# bytes at a time, 10 ms apart, for longer than the test may take.
tsend_bg "$DIR/stream.out" "$DIR/stream.err" -t $((60 * scale)) -v -b 7 \
    -n $((1000 * 100 * 60 * scale / 51)) -s 50 -k 1000 -d 10 \
    127.0.0.1 "$port"
stream_pid=$BG_PID

wait_count "$DIR/hold.out" '^c[0-9] sent 24 bytes$' 3
wait_count "$OUT" ': line2$' 3
wait_count "$OUT" ': c7-l[0-9]+ x+$' 100
stop_daemon 10

wait_pid "$hold_pid" 10 || fail "the holding clients failed: $(cat "$DIR/hold.err")"
[ "$(grep -c '^c[0-9] closed by server$' "$DIR/hold.out")" -eq 3 ] ||
    fail "tcplogd did not close every connection"
for c in 0 1 2; do
	p=$(peer_of "$DIR/hold.out" "c$c")
	{
		echo "main $p connected"
		echo "main $p: line1"
		echo "main $p: line2"
		echo "main $p [partial]: partial-data"
		echo "main $p disconnected (shutdown) 3 records 24 bytes"
	} > "$DIR/expected$c"
	records_of "$OUT" "$p" > "$DIR/out$c"
	expect_file "$DIR/expected$c" "$DIR/out$c"
done

# The stream: its records are exactly a prefix of what was sent, and
# the disconnect record counts them.
wait_pid "$stream_pid" 10
p=$(peer_of "$DIR/stream.out" c7)
sent=$(sed -n 's/^c7 error after \([0-9]*\) bytes$/\1/p' "$DIR/stream.out")
[ -n "$sent" ] || fail "the stream client did not stop with an error" \
    "$(cat "$DIR/stream.out" "$DIR/stream.err")"
records_of "$OUT" "$p" | awk -v sent="$sent" '
function bad(msg) {
	print "record " NR ": " msg ": " $0 > "/dev/stderr"
	exit 1
}
NR == 1 {
	if ($0 !~ / connected$/)
		bad("not connected")
	next
}
/ disconnected / {
	want = "(shutdown) " records " records " bytes " bytes"
	rest = $0
	sub(/^main [^ ]* disconnected /, "", rest)
	if (rest != want)
		bad("want " want)
	if (bytes > sent)
		bad("more bytes than the client sent (" sent ")")
	done = 1
	next
}
done {
	bad("record after disconnected")
}
{
	if (partial)
		bad("record after the partial one")
	line = "c7-l" records + 0 " "
	while (length(line) < 50)
		line = line "x"
	if (sub(/^main [^ ]* \[partial\]: /, "")) {
		partial = 1
		if ($0 == "" || length($0) >= 51 ||
		    substr(line "\n", 1, length($0)) != $0)
			bad("partial line is not the start of " line)
		bytes += length($0)
	} else {
		sub(/^main [^ ]*: /, "")
		if ($0 != line)
			bad("want " line)
		bytes += 51
	}
	records++
}
END {
	if (!done)
		bad("no disconnect record")
}' || fail "the stream's records are wrong"

grep -Eq '^tcplogd: listener main: accepted 4 refused 0 active [0-9]+ records [0-9]+ bytes [0-9]+ overlong 0 partial [34] output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR" ||
    fail "wrong or missing counters at shutdown: $(grep 'listener main:' "$ERR")"
exit 0

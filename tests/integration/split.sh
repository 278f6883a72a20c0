#!/bin/sh
# split.sh: lines that arrive in pieces (1-byte and 7-byte writes with
# stalls between them, so every read of tcplogd sees a fragment, a CR
# apart from its LF, a UTF-8 character cut in two) come out whole.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

write_config timestamps=no
start_daemon
port=$(port_of main)

# 1. One byte at a time, 20 ms apart.
printf 'first split line\r\ncaf\303\251 \342\202\254\nlast\r' > "$DIR/in1"
tsend -v -k 1 -d 20 -f "$DIR/in1" 127.0.0.1 "$port" > "$DIR/send1.out" ||
    fail "tcplogd-send failed"
p1=$(peer_of "$DIR/send1.out")
wait_match "$OUT" "^main $p1 disconnected "
{
	echo "main $p1 connected"
	echo "main $p1: first split line"
	printf 'main %s: caf\303\251 \342\202\254\n' "$p1"
	printf 'main %s [partial]: %s\n' "$p1" 'last\x0d'
	echo "main $p1 disconnected (closed by peer) 3 records $(wc -c < "$DIR/in1") bytes"
} > "$DIR/expected1"
records_of "$OUT" "$p1" > "$DIR/out1"
expect_file "$DIR/expected1" "$DIR/out1"

# 2. Generated lines in 7-byte writes, 5 ms apart, on 3 connections.
tsend -v -c 3 -n 40 -s 30 -C -k 7 -d 5 127.0.0.1 "$port" \
    > "$DIR/send2.out" || fail "tcplogd-send failed"
for c in 0 1 2; do
	p=$(peer_of "$DIR/send2.out" "c$c")
	wait_match "$OUT" "^main $p disconnected "
	records_of "$OUT" "$p" > "$DIR/out2"
	awk -v p="$p" -v c="$c" 'BEGIN {
		print "main " p " connected"
		for (i = 0; i < 40; i++) {
			s = "c" c "-l" i " "
			while (length(s) < 30)
				s = s "x"
			print "main " p ": " s
		}
		print "main " p " disconnected (closed by peer) 40 records " \
		    "1280 bytes"
	}' > "$DIR/expected2"
	expect_file "$DIR/expected2" "$DIR/out2"
done

stop_daemon
exit 0

#!/bin/sh
# overlong.sh: lines longer than max_line under each overlong policy:
# truncate (first max_line bytes flagged truncated, rest of the line
# dropped), split (max_line pieces, all but the last flagged split) and
# close (truncated record, then "disconnected (line too long)"); one
# diagnostic per connection naming the listener and the peer.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=no max_line=10
config_listener t overlong=truncate
config_listener s overlong=split
config_listener c overlong=close
start_daemon

# The diagnostics about PEER.
diag_of()
{
	grep -F "tcplogd: $1: $2: " "$ERR"
}

# 1. truncate.  A line of exactly max_line bytes, also with CRLF, is not
# overlong.
{
	printf 'short\n'
	printf '0123456789abcdefghij\n'
	printf 'exactly10!\n'
	printf '0123456789\r\n'
	printf 'second overlong line here\n'
	printf 'end\n'
} > "$DIR/in_t"
tsend -v -f "$DIR/in_t" 127.0.0.1 "$(port_of t)" > "$DIR/send_t.out" ||
    fail "tcplogd-send failed"
p=$(peer_of "$DIR/send_t.out")
wait_match "$OUT" "^t $p disconnected "
{
	echo "t $p connected"
	echo "t $p: short"
	echo "t $p [truncated]: 0123456789"
	echo "t $p: exactly10!"
	echo "t $p: 0123456789"
	echo "t $p [truncated]: second ove"
	echo "t $p: end"
	echo "t $p disconnected (closed by peer) 6 records $(wc -c < "$DIR/in_t") bytes"
} > "$DIR/expected_t"
records_of "$OUT" "$p" > "$DIR/out_t"
expect_file "$DIR/expected_t" "$DIR/out_t"
wait_match "$ERR" "^tcplogd: t: $p: line longer than 10 bytes, truncated\$"
[ "$(diag_of t "$p" | wc -l)" -eq 1 ] ||
    fail "not exactly one diagnostic for t $p: $(diag_of t "$p")"

# 2. split.
{
	printf 'short\n'
	printf '0123456789abcdefghijKLMNO\n'
	printf 'ABCDEFGHIJklmnopqrst\n'
	printf '0123456789abc\r\n'
	printf 'end\n'
} > "$DIR/in_s"
tsend -v -f "$DIR/in_s" 127.0.0.1 "$(port_of s)" > "$DIR/send_s.out" ||
    fail "tcplogd-send failed"
p=$(peer_of "$DIR/send_s.out")
wait_match "$OUT" "^s $p disconnected "
{
	echo "s $p connected"
	echo "s $p: short"
	echo "s $p [split]: 0123456789"
	echo "s $p [split]: abcdefghij"
	echo "s $p: KLMNO"
	echo "s $p [split]: ABCDEFGHIJ"
	echo "s $p: klmnopqrst"
	echo "s $p [split]: 0123456789"
	echo "s $p: abc"
	echo "s $p: end"
	echo "s $p disconnected (closed by peer) 9 records $(wc -c < "$DIR/in_s") bytes"
} > "$DIR/expected_s"
records_of "$OUT" "$p" > "$DIR/out_s"
expect_file "$DIR/expected_s" "$DIR/out_s"
wait_match "$ERR" "^tcplogd: s: $p: line longer than 10 bytes"
[ "$(diag_of s "$p" | wc -l)" -eq 1 ] ||
    fail "not exactly one diagnostic for s $p: $(diag_of s "$p")"

# 3. close.  The client waits until tcplogd closes the connection.
printf 'short\n0123456789abcdefghij\nnever seen\n' > "$DIR/in_c"
tsend -v -w -f "$DIR/in_c" 127.0.0.1 "$(port_of c)" > "$DIR/send_c.out" ||
    fail "tcplogd-send failed"
grep -q '^c0 closed by server' "$DIR/send_c.out" ||
    fail "tcplogd did not close the connection"
p=$(peer_of "$DIR/send_c.out")
wait_match "$OUT" "^c $p disconnected "
{
	echo "c $p connected"
	echo "c $p: short"
	echo "c $p [truncated]: 0123456789"
} > "$DIR/expected_c"
records_of "$OUT" "$p" > "$DIR/out_c"
tail -n 1 "$DIR/out_c" |
    grep -Eq "^c $p disconnected \\(line too long\\) 2 records [0-9]+ bytes\$" ||
    fail "wrong disconnect record: $(tail -n 1 "$DIR/out_c")"
sed '$d' "$DIR/out_c" > "$DIR/out_c2"
expect_file "$DIR/expected_c" "$DIR/out_c2"
wait_match "$ERR" "^tcplogd: c: $p: line longer than 10 bytes"
[ "$(diag_of c "$p" | wc -l)" -eq 1 ] ||
    fail "not exactly one diagnostic for c $p: $(diag_of c "$p")"

stop_daemon
# The counters at shutdown count each overlong line.
grep -Eq '^tcplogd: listener t: accepted 1 refused 0 active 0 records 6 bytes [0-9]+ overlong 2 partial 0 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR" ||
    fail "wrong or missing counters of t: $(grep 'listener t:' "$ERR")"
grep -Eq '^tcplogd: listener c: accepted 1 refused 0 active 0 records 2 bytes [0-9]+ overlong 1 partial 0 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR" ||
    fail "wrong or missing counters of c: $(grep 'listener c:' "$ERR")"
exit 0

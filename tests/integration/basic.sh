#!/bin/sh
# basic.sh: the exact output for a scripted client: connected, lines with
# LF and CRLF, empty lines, escaping of control bytes, backslash, TAB, C1
# and invalid UTF-8, a partial last line, disconnected with the counts.
# Then the same kind of session with timestamps on (RFC 3339 UTC, us).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# The input, one line per printf; the last line has no LF.
{
	printf 'hello world\n'
	printf 'crlf line\r\n'
	printf '\n'
	printf '\r\n'
	printf 'two crs\r\r\n'
	printf 'lone \r cr\n'
	printf 'esc \033[31mred\033[0m\n'
	printf 'nul \000 tab \t backslash \\ end\n'
	printf 'del \177 bell \007 ff \014\n'
	printf 'utf8 caf\303\251 \342\202\254 \360\237\230\200 \302\240 \364\217\277\277\n'
	printf 'c1 \302\205 \302\200 \302\237\n'
	printf 'bad \377 \300\257 \355\240\200 \364\220\200\200 \200 \303( \340\200\257 \365\200\200\200 x\n'
	printf 'trunc \342\202\n'
	printf '%s\n' 'fmt %s%n%% \\x41'
	printf 'partial tail\r'
} > "$DIR/in"
nbytes=$(wc -c < "$DIR/in")

# expected PEER: what tcplogd must print for $DIR/in.
expected()
{
	p="main $1"
	printf '%s connected\n' "$p"
	printf '%s: %s\n' "$p" 'hello world'
	printf '%s: %s\n' "$p" 'crlf line'
	printf '%s: \n' "$p"
	printf '%s: \n' "$p"
	printf '%s: %s\n' "$p" 'two crs\x0d'
	printf '%s: %s\n' "$p" 'lone \x0d cr'
	printf '%s: %s\n' "$p" 'esc \x1b[31mred\x1b[0m'
	printf '%s: %s\n' "$p" 'nul \x00 tab \t backslash \\ end'
	printf '%s: %s\n' "$p" 'del \x7f bell \x07 ff \x0c'
	printf '%s: utf8 caf\303\251 \342\202\254 \360\237\230\200 \302\240 \364\217\277\277\n' "$p"
	printf '%s: %s\n' "$p" 'c1 \xc2\x85 \xc2\x80 \xc2\x9f'
	printf '%s: %s\n' "$p" 'bad \xff \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \x80 \xc3( \xe0\x80\xaf \xf5\x80\x80\x80 x'
	printf '%s: %s\n' "$p" 'trunc \xe2\x82'
	printf '%s: %s\n' "$p" 'fmt %s%n%% \\\\x41'
	printf '%s [partial]: %s\n' "$p" 'partial tail\x0d'
	printf '%s disconnected (closed by peer) 15 records %s bytes\n' \
	    "$p" "$nbytes"
}

# 1. Exact output.  The listener's "timestamps = no" must win over the
# [tcplogd] default even though that section comes later.
cat > "$CONF" <<EOF
; basic test
[listener main]
listen = 127.0.0.1:0
timestamps = no

[tcplogd]
timestamps = yes
EOF
start_daemon
port=$(port_of main)
[ "$(addr_of main)" = "127.0.0.1:$port" ] ||
    fail "port file: $(cat "$PORTS")"
grep -q "^tcplogd: listening: main 127.0.0.1:$port\$" "$ERR" ||
    fail "no \"listening: main 127.0.0.1:$port\" line in $ERR"
grep -q libevent "$ERR" || fail "no version line naming libevent in $ERR"
[ "$(grep -Ec '^tcplogd: ready \(1 listeners?\)$' "$ERR")" -eq 1 ] ||
    fail "not exactly one \"tcplogd: ready (1 listeners)\" line in $ERR"

tsend -v -f "$DIR/in" 127.0.0.1 "$port" > "$DIR/send.out" ||
    fail "tcplogd-send failed"
peer=$(peer_of "$DIR/send.out")
[ -n "$peer" ] || hard_error "no peer address from tcplogd-send"
wait_match "$OUT" ' disconnected '
expected "$peer" > "$DIR/expected"
expect_file "$DIR/expected" "$OUT"

stop_daemon
expect_file "$DIR/expected" "$OUT"
# Received bytes never appear in the diagnostics.
if grep -q -e 'hello world' -e 'partial tail' "$ERR"; then
	fail "received data in the diagnostics"
fi

# 2. Timestamps: "yes" from the [tcplogd] default (given after the
# listener), then "auto" (a file is not the journal: on).
ts_re='[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z'
printf 'one\ntwo\n' > "$DIR/in2"
for ts in yes auto; do
	if [ "$ts" = yes ]; then
		cat > "$CONF" <<-EOF
		[listener main]
		listen = 127.0.0.1:0
		[tcplogd]
		timestamps = yes
		EOF
	else
		write_config
	fi
	day1=$(date -u +%Y-%m-%d)
	start_daemon
	tsend -v -f "$DIR/in2" 127.0.0.1 "$(port_of main)" > "$DIR/send.out" ||
	    fail "tcplogd-send failed"
	peer=$(peer_of "$DIR/send.out")
	wait_match "$OUT" ' disconnected '
	stop_daemon
	day2=$(date -u +%Y-%m-%d)

	[ "$(wc -l < "$OUT")" -eq 4 ] || fail "timestamps=$ts: not 4 lines"
	if grep -Evq "^$ts_re main " "$OUT"; then
		grep -Ev "^$ts_re main " "$OUT" >&2
		fail "timestamps=$ts: a line without an RFC 3339 timestamp"
	fi
	# The date is today's (UTC); the times never go back.
	cut -c1-10 "$OUT" | sort -u > "$DIR/days"
	grep -vqx -e "$day1" -e "$day2" "$DIR/days" &&
	    fail "timestamps=$ts: wrong date: $(cat "$DIR/days")"
	cut -d' ' -f1 "$OUT" | sort -c ||
	    fail "timestamps=$ts: timestamps go back in time"
	# Without the timestamps, the records are the usual ones.
	cut -d' ' -f2- "$OUT" > "$DIR/notime"
	{
		echo "main $peer connected"
		echo "main $peer: one"
		echo "main $peer: two"
		echo "main $peer disconnected (closed by peer) 2 records 8 bytes"
	} > "$DIR/expected"
	expect_file "$DIR/expected" "$DIR/notime"
done
exit 0

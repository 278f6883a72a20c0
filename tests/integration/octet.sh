#!/bin/sh
# octet.sh: mode = octet-counted (RFC 6587 3.4.1) and mode = syslog in the
# real daemon, with a hand-made client.  Each frame's MSG is one record,
# exactly (an LF, CR or NUL inside is data), sent whole or a byte a
# write; a connection that ends inside a frame gives a partial record;
# frames longer than max_line follow overlong (truncate, split, close).
# Each hostile MSG-LEN (0, 000012, 1234567890, 12a, no SP) gives a record
# flagged framing-error holding the rest of its read, one diagnostic
# naming listener and peer, the framing_errors counter and the
# disconnected reason "framing error"; 999999999 is a valid length, an
# overlong frame.  In mode = syslog the first byte of a connection
# chooses octet counting (a digit) or lines, for good.  (NUL as a line
# end in mode = syslog is the line framer's, tested with it.)

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=no
config_listener o mode=octet-counted
config_listener t mode=octet-counted max_line=8 overlong=truncate
config_listener p mode=octet-counted max_line=8 overlong=split
config_listener c mode=octet-counted max_line=8 overlong=close
for h in h0 h1 h2 h3 h4; do
	config_listener $h mode=octet-counted
done
# JSON to a file of its own: an output has one format.
config_listener j mode=octet-counted format=json output=file \
    "file=$DIR/j.json"
config_listener s mode=syslog
start_daemon

# send LISTENER NAME [OPTIONS]: send $DIR/NAME, wait for the end of the
# connection; its peer is in $peer, its records (text or JSON) in
# $DIR/NAME.out.
send()
{
	s_l=$1
	s_n=$2
	shift 2
	tsend -v -e half "$@" -f "$DIR/$s_n" 127.0.0.1 "$(port_of "$s_l")" \
	    > "$DIR/$s_n.send" || fail "$s_n: tcplogd-send failed"
	peer=$(peer_of "$DIR/$s_n.send")
	[ -n "$peer" ] || fail "$s_n: no peer"
	s_out=$OUT
	[ "$s_l" != j ] || s_out=$DIR/j.json
	wait_match "$s_out" "^($s_l $peer disconnected |\\{\"listener\":\"$s_l\",$(jpeer "$peer"),\"event\":\"disconnected\")"
	{
		records_of "$s_out" "$peer"
		grep -F "{\"listener\":\"$s_l\",$(jpeer "$peer")," "$s_out"
	} > "$DIR/$s_n.out"
}

# expect NAME LISTENER REASON NRECORDS < RECORDS: the records of NAME are
# the connected record, RECORDS with "PEER" for the peer, and the
# disconnected record.
expect()
{
	{
		echo "$2 $peer connected"
		sed "s/PEER/$peer/"
		echo "$2 $peer disconnected ($3) $4 records $(wc -c < "$DIR/$1") bytes"
	} > "$DIR/$1.want"
	expect_file "$DIR/$1.want" "$DIR/$1.out"
}

# The diagnostics about PEER of LISTENER.
diag_of()
{
	grep -F "tcplogd: $1: $2: " "$ERR"
}

# 1. Good frames, whole and a byte a write.
printf '1 x10 two\nlines\n5 a\r\nb\0009 tab\t\303\251!!!5 3 abc10 0123456789' \
    > "$DIR/good"
[ "$(wc -c < "$DIR/good")" -eq 54 ] || hard_error "cannot make the frames"
printf 'o PEER: %s\n' x 'two\x0alines\x0a' 'a\x0d\x0ab\x00' \
    "$(printf 'tab\\t\303\251!!!')" '3 abc' 0123456789 > "$DIR/good.recs"
send o good
expect good o 'closed by peer' 6 < "$DIR/good.recs"
cp "$DIR/good" "$DIR/good1"
send o good1 -k 1 -d 1
expect good1 o 'closed by peer' 6 < "$DIR/good.recs"

# 2. The end inside a frame: its MSG so far, or its MSG-LEN, partial.
printf '3 abc5 he' > "$DIR/part1"
send o part1 -k 4 -d 2
printf '%s\n' 'o PEER: abc' 'o PEER [partial]: he' |
    expect part1 o 'closed by peer' 2
printf '3 abc12' > "$DIR/part2"
send o part2
printf '%s\n' 'o PEER: abc' 'o PEER [partial]: 12' |
    expect part2 o 'closed by peer' 2

# 3. Frames longer than max_line = 8, cut into writes of 5 bytes; one
# of 9 bytes, one of exactly 8.  Under close, in one write, so that
# the client is not writing when tcplogd closes; the bytes read before
# the end depend on the reads.
printf '5 short20 0123456789abcdefghij9 0123456788 0123456716 0123456789abcdef3 end' \
    > "$DIR/long"
for l in t p c; do
	cp "$DIR/long" "$DIR/long_$l"
done
send t long_t -k 5 -d 2
printf '%s\n' 't PEER: short' 't PEER [truncated]: 01234567' \
    't PEER [truncated]: 01234567' 't PEER: 01234567' \
    't PEER [truncated]: 01234567' 't PEER: end' |
    expect long_t t 'closed by peer' 6
send p long_p -k 5 -d 2
printf '%s\n' 'p PEER: short' 'p PEER [split]: 01234567' \
    'p PEER [split]: 89abcdef' 'p PEER: ghij' 'p PEER [split]: 01234567' \
    'p PEER: 8' 'p PEER: 01234567' 'p PEER [split]: 01234567' \
    'p PEER: 89abcdef' 'p PEER: end' | expect long_p p 'closed by peer' 10
send c long_c
tail -n 1 "$DIR/long_c.out" |
    grep -Eq "^c $peer disconnected \\(line too long\\) 2 records [0-9]+ bytes\$" ||
    fail "c: wrong disconnected record: $(tail -n 1 "$DIR/long_c.out")"
sed '$d' "$DIR/long_c.out" > "$DIR/long_c.out2"
printf '%s\n' "c $peer connected" "c $peer: short" \
    "c $peer [truncated]: 01234567" > "$DIR/long_c.want"
expect_file "$DIR/long_c.want" "$DIR/long_c.out2"
wait_match "$ERR" "^tcplogd: c: $peer: line longer than 8 bytes, closing\$"

# 999999999 is a valid MSG-LEN: an overlong frame, then partial.
printf '999999999 hello' > "$DIR/max9"
send t max9
printf '%s\n' 't PEER [partial]: hello' | expect max9 t 'closed by peer' 1
wait_match "$ERR" "^tcplogd: t: $peer: line longer than 8 bytes, truncated\$"

# 4. Hostile MSG-LENs after a good frame, each on its own listener (a
# listener says a kind of diagnostic at most once a second): the rest of
# the read from the bad MSG-LEN on, flagged framing-error.
i=0
while IFS='|' read -r h d; do
	printf '3 abc%s' "$h" > "$DIR/h$i"
	send "h$i" "h$i" < /dev/null
	printf '%s\n' "h$i PEER: abc" "h$i PEER [framing-error]: $h" |
	    expect "h$i" "h$i" 'framing error' 2
	wait_match "$ERR" "^tcplogd: h$i: $peer: " < /dev/null
	[ "$(diag_of "h$i" "$peer")" = "tcplogd: h$i: $peer: framing error: $d, closing" ] ||
	    fail "h$i: wrong diagnostic: $(diag_of "h$i" "$peer")"
	i=$((i + 1))
done <<'EOF'
0 x|MSG-LEN starts with '0'
000012 abcdefghijkl|MSG-LEN starts with '0'
1234567890 x|MSG-LEN '1234567890' has more than 9 digits
12a bcd|MSG-LEN '12a' is not a number
12<13>no space|MSG-LEN '12' is followed by '<', not SP
EOF
[ "$i" -eq 5 ] || hard_error "$i hostile cases"

# 5. JSON: "framing_error": true.
need_jq
printf '2 ok12a' > "$DIR/json"
send j json
check_json "$DIR/json.out"
[ "$(jq -c 'select(.event == "data") | [.data, .framing_error]' \
    < "$DIR/json.out" | tr '\n' ' ')" = '["ok",null] ["12a",true] ' ] ||
    fail "j: wrong records: $(cat "$DIR/json.out")"
grep -q '"reason":"framing error"' "$DIR/json.out" ||
    fail "j: no framing error reason"

# 6. mode = syslog: a digit first, octet counting for the whole
# connection (a frame may hold lines that start with digits; a later
# frame that starts with "<" is a framing error); anything else first,
# lines for the whole connection (a line that starts with digits is
# data).
printf '11 <13>a\n12 xy7 <14>b\r\n' > "$DIR/so"
send s so -k 3 -d 2
printf '%s\n' 's PEER: <13>a\x0a12 xy' 's PEER: <14>b\x0d\x0a' |
    expect so s 'closed by peer' 2
printf '5 hello<13>x\n' > "$DIR/sbad"
send s sbad
printf '%s\n' 's PEER: hello' 's PEER [framing-error]: <13>x\x0a' |
    expect sbad s 'framing error' 2
wait_match "$ERR" "^tcplogd: s: $peer: framing error: MSG-LEN '<' is not a number, closing\$"
printf '<13>first\n12 not a frame\n5 hello\r\ntail' > "$DIR/sl"
send s sl -k 4 -d 2
printf '%s\n' 's PEER: <13>first' 's PEER: 12 not a frame' \
    's PEER: 5 hello' 's PEER [partial]: tail' |
    expect sl s 'closed by peer' 4

# 7. The counters.
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener s: '
counters()
{
	grep "^tcplogd: listener $1: accepted " "$ERR" | tail -n 1 |
	    sed -E 's/ output_bytes [0-9]+//'
}
# size FILE...: their bytes together.
size()
{
	cat "$@" | wc -c | tr -d ' '
}
for want in \
    "o: accepted 4 refused 0 active 0 records 16 bytes $(size "$DIR/good" "$DIR/good1" "$DIR/part1" "$DIR/part2") overlong 0 partial 2 pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "t: accepted 2 refused 0 active 0 records 7 bytes $(size "$DIR/long_t" "$DIR/max9") overlong 4 partial 1 pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "p: accepted 1 refused 0 active 0 records 10 bytes $(size "$DIR/long_p") overlong 3 partial 0 pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "c: accepted 1 refused 0 active 0 records 2 bytes [0-9]+ overlong 1 partial 0 pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "h0: accepted 1 refused 0 active 0 records 2 bytes $(size "$DIR/h0") overlong 0 partial 0 pauses 0 framing_errors 1 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "h4: accepted 1 refused 0 active 0 records 2 bytes $(size "$DIR/h4") overlong 0 partial 0 pauses 0 framing_errors 1 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "j: accepted 1 refused 0 active 0 records 2 bytes $(size "$DIR/json") overlong 0 partial 0 pauses 0 framing_errors 1 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0" \
    "s: accepted 3 refused 0 active 0 records 8 bytes $(size "$DIR/so" "$DIR/sbad" "$DIR/sl") overlong 0 partial 1 pauses 0 framing_errors 1 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0"; do
	counters "${want%%:*}" | grep -Eqx "tcplogd: listener $want" ||
	    fail "counters: $(counters "${want%%:*}"), wanted $want"
done

stop_daemon
[ "$(tr -d '\n\040-\176' < "$ERR" | wc -c)" -eq 0 ] ||
    fail "raw bytes in the diagnostics"
exit 0

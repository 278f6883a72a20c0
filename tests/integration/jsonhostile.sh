#!/bin/sh
# jsonhostile.sh: format = json with hostile input, in line mode and in
# raw mode: all 256 byte values, invalid UTF-8 (overlong forms,
# surrogates, > U+10FFFF, stray and missing continuation bytes), quotes,
# backslashes, C1 controls, U+2028/9, random bytes, and 1 MiB lines
# (max_line = 2097152), one valid UTF-8 full of escapes and one of random
# bytes.  Every line is one JSON object in valid UTF-8 (check_json), and
# the bytes received come back exactly: the data of each record (UTF-8)
# or its data_base64, in order, plus the LF that ended each complete
# line in line mode; the disconnect record counts them.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

# The hostile pieces.
i=0
while [ "$i" -lt 256 ]; do
	# shellcheck disable=SC2059 # the format is the byte
	printf "\\$(printf %o "$i")"
	i=$((i + 1))
done > "$DIR/all"
[ "$(wc -c < "$DIR/all")" -eq 256 ] || hard_error "cannot make all bytes"
{
	printf 'bad \377 \300\257 \355\240\200 \364\220\200\200 \200 \303( '
	printf '\340\200\257 \365\200\200\200 \370\210\200\200\200 \376 x\n'
	printf 'quotes "" \\" \\\\ \\u0041 \\n \\" end\\\n'
	printf 'c1 \302\200 \302\205 \302\237 nbsp \302\240 \342\200\250\342\200\251\n'
	printf 'bom \357\273\277 max \364\217\277\277 nul \000 esc \033 del \177\n'
	printf 'trunc \342\202\n'
	printf 'stray \251\251 end\n'
} > "$DIR/bad"
# 1 MiB of valid UTF-8 full of characters that need escaping.
printf 'q"b\\t\tn\001e\303\251c1\302\205ls\342\200\250\360\237\230\200 ' \
    > "$DIR/unit"
: > "$DIR/utf8big"
while [ "$(wc -c < "$DIR/utf8big")" -lt 1048576 ]; do
	cat "$DIR/unit" "$DIR/unit" "$DIR/unit" "$DIR/unit" "$DIR/unit" \
	    "$DIR/unit" "$DIR/unit" "$DIR/unit" >> "$DIR/utf8big"
	cp "$DIR/utf8big" "$DIR/unit"
done
head -c 1048576 /dev/urandom | tr -d '\n\r' > "$DIR/randbig" ||
    hard_error "cannot read /dev/urandom"
head -c 50000 /dev/urandom | tr -d '\r' > "$DIR/rand" ||
    hard_error "cannot read /dev/urandom"

# Line mode: no CR just before a LF (tcplogd strips it: not lossless by
# design); the last line has no LF and ends with a CR (kept).
{
	cat "$DIR/all"
	printf '\n'
	cat "$DIR/bad"
	cat "$DIR/utf8big"
	printf '\n'
	cat "$DIR/randbig"
	printf '\n'
	cat "$DIR/rand"
	printf '\n'
	cat "$DIR/all" "$DIR/all"
	printf '\ntail\r'
} > "$DIR/in.line"
# Raw mode: anything.
{
	cat "$DIR/all" "$DIR/bad" "$DIR/rand" "$DIR/all"
	printf '\r\n\r\n'
	cat "$DIR/utf8big" "$DIR/randbig" "$DIR/all"
} > "$DIR/in.raw"

config_global timestamps=no format=json max_line=2097152
config_listener line
config_listener raw mode=raw
config_listener rawsmall mode=raw max_line=100
start_daemon

# recover FILE LISTENER PEER LINE: the bytes that the data records of PEER
# in FILE stand for, with a LF after complete lines when LINE is yes.
recover()
{
	jq -r --arg l "$2" --arg p "$3" --arg line "$4" '
	select(.listener == $l and .peer == $p and .event == "data") |
	(if has("data") then (.data | @base64) else .data_base64 end),
	(if $line == "yes" and (.partial or .split or .truncated | not)
	 then "Cg==" else empty end)' < "$1" | base64 -d
}

# session LISTENER FILE LINE [SENDOPTS...]: send FILE, check the output.
session()
{
	s_l=$1
	s_f=$2
	s_line=$3
	shift 3
	tsend -v "$@" -f "$s_f" 127.0.0.1 "$(port_of "$s_l")" \
	    > "$DIR/send.out" || fail "$s_l: tcplogd-send failed"
	s_p=$(peer_of "$DIR/send.out")
	wait_match "$OUT" "$(jpeer "$s_p"),\"event\":\"disconnected\"" 30
	check_json "$OUT"
	recover "$OUT" "$s_l" "$s_p" "$s_line" > "$DIR/got" ||
	    fail "$s_l: cannot decode the records"
	cmp "$s_f" "$DIR/got" ||
	    fail "$s_l $*: the records do not give back $s_f"
	jq -c --arg p "$s_p" 'select(.peer == $p)' < "$OUT" > "$DIR/recs"
	jq -r '[.event, (.truncated // false)] | @tsv' < "$DIR/recs" |
	    grep -q 'true$' && fail "$s_l: truncated records"
	s_n=$(grep -c '"event":"data"' "$DIR/recs")
	tail -n 1 "$DIR/recs" | grep -q "\"event\":\"disconnected\",\"reason\":\"closed by peer\",\"records\":$s_n,\"bytes\":$(wc -c < "$s_f")}\$" ||
	    fail "$s_l: wrong disconnect record: $(tail -n 1 "$DIR/recs")"
	head -n 1 "$DIR/recs" | grep -q '"event":"connected"}$' ||
	    fail "$s_l: no connected record first"
	# Both kinds of data records occur, where records are small enough
	# for some to be valid UTF-8: lines, or raw records of 100 bytes at
	# most (a raw read of 16 KiB of this input never is).  Not for paced
	# small chunks (-d): which of them the kernel joins into one read is
	# up to the scheduler, and joined ones may all hold invalid bytes.
	[ "$s_l" = raw ] && return 0
	case " $* " in *" -d "*) return 0 ;; esac
	grep -q '"data":' "$DIR/recs" || fail "$s_l: no data record"
	grep -q '"data_base64":' "$DIR/recs" || fail "$s_l: no data_base64 record"
}

session line "$DIR/in.line" yes
session line "$DIR/in.line" yes -k 4093
session raw "$DIR/in.raw" no
session rawsmall "$DIR/in.raw" no -k 70000
session rawsmall "$DIR/bad" no -k 7 -d 1
# The 1 MiB lines are single records, twice each.
n_utf8=$(wc -c < "$DIR/utf8big")
n_rand=$(wc -c < "$DIR/randbig")
# shellcheck disable=SC2017 # rounding up to whole base64 quads
n_b64=$(( (n_rand + 2) / 3 * 4 ))
jq -r 'select(.listener == "line" and .event == "data") |
    if has("data") then "data \(.data | utf8bytelength)"
    else "base64 \(.data_base64 | length)" end' < "$OUT" > "$DIR/lengths" ||
    fail "jq failed"
[ "$(grep -cx "data $n_utf8" "$DIR/lengths")" -eq 2 ] ||
    fail "the $n_utf8-byte UTF-8 line is not a record twice"
[ "$(grep -cx "base64 $n_b64" "$DIR/lengths")" -eq 2 ] ||
    fail "the $n_rand-byte random line is not a record twice"
stop_daemon
check_json "$OUT"
exit 0

#!/bin/sh
# framing.sh: octet-counted frames through the real daemon, cut into
# reads at every byte position, and hostile MSG-LENs.  A client waits
# before each piece until tcplogd has read all it sent (its socket's
# receive queue is empty, /proc/net/tcp), so every cut is a read
# boundary.
#
# 1. Three frames (MSG-LEN of 2, 3 and 1 digits, LFs inside MSG, the last
#    ending with one) cut at every position, and sent a byte a read, into
#    mode = octet-counted and mode = syslog: exactly the three MSGs.
#    The same for LF and NUL ends in mode = syslog (a LF right after a NUL
#    or a NUL after a LF makes no empty record, across reads too; a line
#    starting with digits later in the connection is not a frame).
# 2. A frame longer than max_line among others, cut at every position,
#    under truncate (the first max_line bytes, the rest of exactly that
#    frame skipped), split (max_line pieces) and close.
# 3. A connection that ends inside a frame, at every position: what came
#    of MSG (or of MSG-LEN), flagged partial.
# 4. Hostile MSG-LENs, each on a listener of its own: 0, 000012, ten
#    digits, "12a" (also with its digits in an earlier read), no SP,
#    999999999: the records (framing-error, truncated when cut at
#    max_line), the diagnostic, the disconnect reason and the counters.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_python

config_global timestamps=no format=json max_line=16
config_listener oc mode=octet-counted max_line=200
config_listener sy mode=syslog max_line=200
config_listener ot mode=octet-counted overlong=truncate
config_listener os mode=octet-counted overlong=split
config_listener oq mode=octet-counted overlong=close
config_listener eof mode=octet-counted
for l in zero lead0 ten nan nan2 nosp big bigeof; do
	config_listener "$l" mode=octet-counted
done
config_listener szero mode=syslog
config_listener snan mode=syslog
start_daemon

# hexof PRINTF-FORMAT: the bytes, in hex.
hexof()
{
	# shellcheck disable=SC2059 # the format is the data
	printf "$1" | od -An -tx1 -v | tr -d ' \n'
}

# lenof PRINTF-FORMAT: how many bytes.
lenof()
{
	# shellcheck disable=SC2059
	printf "$1" | wc -c
}

# cuts PRINTF-FORMAT: the client's specs for one connection per cut
# position, and one a byte a read.
cuts()
{
	seq 1 $(($(lenof "$1") - 1))
	echo bytes
}

# conns LISTENER: each connection of LISTENER as {recs, first, last}:
# its data records (sorted keys, without listener, peer and event), its
# first event and its last one (event, reason, records, bytes); equal
# ones counted: [[COUNT, {...}], ...].
conns()
{
	jq -s -c -S --arg l "$1" 'map(select(.listener == $l)) |
	    group_by(.peer) | map({recs: map(select(.event == "data") |
	    del(.listener, .peer, .event)), first: .[0].event,
	    last: (.[-1] | [.event, .reason, .records, .bytes])}) |
	    group_by(.) | map([length, .[0]])' < "$OUT"
}

# expect_conns LISTENER COUNT RECORDS REASON BYTES: COUNT connections,
# each with exactly RECORDS (a JSON array), then disconnected with
# REASON, the number of RECORDS and BYTES.
expect_conns()
{
	jq -n -c -S --argjson n "$2" --argjson recs "$3" --arg why "$4" \
	    --argjson bytes "$5" '[[$n, {recs: $recs, first: "connected",
	    last: ["disconnected", $why, ($recs | length), $bytes]}]]' \
	    > "$DIR/$1.want" || hard_error "jq failed"
	conns "$1" > "$DIR/$1.got" || fail "jq failed"
	expect_file "$DIR/$1.want" "$DIR/$1.got"
}

# send LISTENER PRINTF-FORMAT SPEC...: the client, one connection a SPEC;
# the peers go to $DIR/LISTENER.peers.
send()
{
	sn_l=$1
	sn_hex=$(hexof "$2")
	shift 2
	pyclient cut "$(port_of "$sn_l")" "$sn_hex" "$@" \
	    >> "$DIR/$sn_l.client" || fail "the client failed on $sn_l"
	sed -n 's/^peer //p' "$DIR/$sn_l.client" > "$DIR/$sn_l.peers"
}

# wait_done LISTENER: wait until every connection of LISTENER is gone.
wait_done()
{
	wait_count "$OUT" "\"listener\":\"$1\",.*\"event\":\"disconnected\"" \
	    "$(wc -l < "$DIR/$1.peers")" 30
}

# 1. Cut at every position.
b=$(printf '%094d' 0 | tr 0 b)
s1="11 <13>hello w100 <14>b\n${b}6 <15>c\n"
r1='[{"data":"<13>hello w"},{"data":"<14>b\n'"$b"'"},{"data":"<15>c\n"}]'
# shellcheck disable=SC2046 # one argument per cut
send oc "$s1" whole $(cuts "$s1")
# shellcheck disable=SC2046
send sy "$s1" whole $(cuts "$s1")
s2='<13>abc\n\000<13>def\000\n<13>ghi\n12 not a len\n\000'
r2='[{"data":"<13>abc"},{"data":"<13>def"},{"data":"<13>ghi"},{"data":"12 not a len"}]'
# shellcheck disable=SC2046
send sy "$s2" whole $(cuts "$s2")
wait_done oc
wait_done sy
n1=$(($(lenof "$s1") + 1))
expect_conns oc "$n1" "$r1" "closed by peer" "$(lenof "$s1")"
# sy had both streams: compare each group.
jq -n -c -S --argjson n "$n1" --argjson r1 "$r1" --argjson r2 "$r2" \
    --argjson b1 "$(lenof "$s1")" --argjson b2 "$(lenof "$s2")" \
    --argjson n2 "$(($(lenof "$s2") + 1))" '
    def c($n; $recs; $bytes): [$n, {recs: $recs, first: "connected",
	last: ["disconnected", "closed by peer", ($recs | length), $bytes]}];
    [c($n; $r1; $b1), c($n2; $r2; $b2)] | sort_by(.[1].recs | length)' \
    > "$DIR/sy.want" || hard_error "jq failed"
conns sy | jq -c -S 'sort_by(.[1].recs | length)' > "$DIR/sy.got" ||
    fail "jq failed"
expect_file "$DIR/sy.want" "$DIR/sy.got"

# 2. Too long under each policy, cut everywhere.
s3='20 <13>abcdefghijklmnop16 <13>0123456789ab5 after'
n3=$(($(lenof "$s3") + 1))
# shellcheck disable=SC2046
send ot "$s3" whole $(cuts "$s3")
# shellcheck disable=SC2046
send os "$s3" whole $(cuts "$s3")
send oq "$s3" whole/hold
wait_done ot
wait_done os
wait_done oq
expect_conns ot "$n3" '[{"data":"<13>abcdefghijkl","truncated":true},
    {"data":"<13>0123456789ab"},{"data":"after"}]' "closed by peer" \
    "$(lenof "$s3")"
expect_conns os "$n3" '[{"data":"<13>abcdefghijkl","split":true},
    {"data":"mnop"},{"data":"<13>0123456789ab"},{"data":"after"}]' \
    "closed by peer" "$(lenof "$s3")"
grep -q '^closed by server' "$DIR/oq.client" ||
    fail "oq: tcplogd did not close the connection"
expect_conns oq 1 '[{"data":"<13>abcdefghijkl","truncated":true}]' \
    "line too long" "$(lenof "$s3")"
grep -Fqx "tcplogd: oq: $(cat "$DIR/oq.peers"): line longer than 16 bytes, closing" \
    "$ERR" || fail "oq: no diagnostic"

# 3. The end inside a frame: each prefix of a frame, on its own
# connection, then EOF.
s4='11 <13>hello w'
k=1
while [ "$k" -le "$(lenof "$s4")" ]; do
	send eof "$(printf '%s' "$s4" | head -c "$k")" whole/eof
	k=$((k + 1))
done
wait_done eof
# What each prefix leaves: MSG-LEN's digits, or what came of MSG (even
# nothing), partial; the whole frame is a plain record.
jq -n -c -S --arg s "$s4" '[range(1; ($s | length) + 1) | . as $k |
    {recs: [if $k < 3 then {data: $s[0:$k], partial: true}
    elif $k < ($s | length) then {data: $s[3:$k], partial: true}
    else {data: $s[3:]} end], first: "connected",
    last: ["disconnected", "closed by peer", 1, $k]}] | group_by(.) |
    map([length, .[0]])' > "$DIR/eof.want" || hard_error "jq failed"
conns eof > "$DIR/eof.got" || fail "jq failed"
expect_file "$DIR/eof.want" "$DIR/eof.got"

# 4. Hostile MSG-LENs.  hostile LISTENER PRINTF-FORMAT SPEC RECORDS
# REASON DIAGNOSTIC: one connection; its records, disconnect reason and
# the one diagnostic naming LISTENER and the peer.
hostile()
{
	send "$1" "$2" "$3"
	wait_done "$1"
	expect_conns "$1" 1 "$4" "$5" "$(lenof "$2")"
	ho_diag="tcplogd: $1: $(cat "$DIR/$1.peers"): $6"
	grep -Fqx "$ho_diag" "$ERR" || fail "$1: no diagnostic \"$ho_diag\""
	[ "$(grep -c "^tcplogd: $1: " "$ERR")" -eq 1 ] ||
	    fail "$1: not one diagnostic: $(grep "^tcplogd: $1: " "$ERR")"
}
hostile zero '5 hello0 x' whole/hold \
    '[{"data":"hello"},{"data":"0 x","framing_error":true}]' \
    "framing error" "framing error: MSG-LEN starts with '0', closing"
hostile lead0 '000012 <13>abcd' whole/hold \
    '[{"data":"000012 <13>abcd","framing_error":true}]' \
    "framing error" "framing error: MSG-LEN starts with '0', closing"
hostile ten '1234567890 abc' whole/hold \
    '[{"data":"1234567890 abc","framing_error":true}]' "framing error" \
    "framing error: MSG-LEN '1234567890' has more than 9 digits, closing"
hostile nan '12a <13>abcdefghijkl' whole/hold \
    '[{"data":"12a <13>abcdefgh","framing_error":true,"truncated":true}]' \
    "framing error" "framing error: MSG-LEN '12a' is not a number, closing"
hostile nan2 '12345x7 abc' 4/hold \
    '[{"data":"12345x7 abc","framing_error":true}]' "framing error" \
    "framing error: MSG-LEN '12345x' is not a number, closing"
hostile nosp '12<13>abcdefghi' whole/hold \
    '[{"data":"12<13>abcdefghi","framing_error":true}]' "framing error" \
    "framing error: MSG-LEN '12' is followed by '<', not SP, closing"
hostile big "999999999 $(printf '%040d' 0)" whole/eof \
    '[{"data":"0000000000000000","truncated":true}]' "closed by peer" \
    "line longer than 16 bytes, truncated"
hostile bigeof '999999999 <13>abc' whole/eof \
    '[{"data":"<13>abc","partial":true}]' "closed by peer" \
    "line longer than 16 bytes, truncated"
# mode = syslog: a digit first, so octet counting and its errors.
hostile szero '0 x' whole/hold '[{"data":"0 x","framing_error":true}]' \
    "framing error" "framing error: MSG-LEN starts with '0', closing"
hostile snan '5 hello12a' whole/hold \
    '[{"data":"hello"},{"data":"12a","framing_error":true}]' \
    "framing error" "framing error: MSG-LEN '12a' is not a number, closing"

stop_daemon
check_json "$OUT"
# counters LISTENER OVERLONG PARTIAL FRAMING: the listener's counters at
# shutdown.
counters()
{
	grep -Eq "^tcplogd: listener $1: .* overlong $2 partial $3 .* framing_errors $4 parse_errors 0\$" \
	    "$ERR" || fail "counters of $1: $(grep "listener $1:" "$ERR")," \
	    "want overlong $2 partial $3 framing_errors $4"
}
counters oc 0 0 0
counters sy 0 0 0
counters ot "$n3" 0 0
counters os "$n3" 0 0
counters oq 1 0 0
counters eof 0 "$(($(lenof "$s4") - 1))" 0
for l in zero lead0 ten nan nan2 nosp szero snan; do
	counters "$l" 0 0 1
done
counters big 1 0 0
counters bigeof 1 1 0
exit 0

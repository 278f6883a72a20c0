#!/bin/sh
# framing.sh: octet-counted frames through the real daemon, cut into
# reads at every byte position, and hostile MSG-LENs.  A client waits
# before each piece until tcplogd has read all it sent (its socket's
# receive queue is empty, /proc/net/tcp), so every cut is a read
# boundary.
#
# 1. Three frames (MSG-LEN of 2, 3 and 1 digits, LFs inside MSG, the last
#    ending with one) cut at every position, and sent a byte a read, into
#    mode = octet-counted and mode = syslog: exactly the three MSGs
#    (below full load, the cuts in the first frames and the last ones).
#    The same for LF and NUL ends in mode = syslog (a LF right after a NUL
#    or a NUL after a LF makes no empty record, across reads too; a line
#    starting with digits later in the connection is not a frame).
# 2. A frame longer than max_line among others, cut at every position,
#    under truncate (the first max_line bytes, the rest of exactly that
#    frame skipped), split (max_line pieces) and close.
# 3. A connection that ends inside a frame, at every position: what came
#    of MSG (or of MSG-LEN), flagged partial.
# 4. Hostile MSG-LENs after a good frame, each on a listener of its own:
#    0, 000012, ten digits, "12a", no SP, in mode = octet-counted and
#    mode = syslog, cut at every position: the good frame's record, then
#    MSG-LEN from its start (digits of earlier reads too) to the end of
#    the read with the bad byte, at most max_line bytes (truncated when
#    cut), flagged framing-error; nothing of a later read; the reason
#    "framing error", a diagnostic and framing_errors for every one.
#    999999999 with more than max_line bytes after it, cut everywhere:
#    truncate skips up to the end, split emits pieces and a partial one.
#    (octet.sh has each hostile value in one read.)

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
for l in hz hl ht hn hp; do
	config_listener "$l" mode=octet-counted
done
config_listener sn mode=syslog
config_listener big mode=octet-counted overlong=truncate
config_listener bigs mode=octet-counted overlong=split
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

# cuts PRINTF-FORMAT [HEAD TAIL]: the client's specs for one connection
# per cut position, and one a byte a read.  With HEAD and TAIL, below
# full load (ASan, valgrind) only the first HEAD and the last TAIL
# positions: the long middle of a MSG costs time there and adds nothing.
cuts()
{
	cu_n=$(($(lenof "$1") - 1))
	if [ -n "${2:-}" ] && [ "$TCPLOGD_LOAD_PERCENT" -lt 100 ] &&
	    [ "$(($2 + $3))" -lt "$cu_n" ]; then
		seq 1 "$2"
		seq $((cu_n - $3 + 1)) "$cu_n"
	else
		seq 1 "$cu_n"
	fi
	echo bytes
}

# The records of a listener, each with "conn": its connection's number,
# counted at each connected event.  The peer alone does not tell two
# connections apart: on loopback Linux reuses a port in TIME_WAIT at once
# (tcp_tw_reuse), so a later connection may have an earlier one's peer.
CONN_IDS='def conn_ids: [foreach .[] as $r ({n: 0, cur: {}};
    if $r.event == "connected" then .n += 1 | .cur[$r.peer] = .n
    else . end; $r + {conn: .cur[$r.peer]})];'

# conns LISTENER: each connection of LISTENER as {recs, first, last}:
# its data records (sorted keys, without listener, peer and event), its
# first event and its last one (event, reason, records, bytes); equal
# ones counted: [[COUNT, {...}], ...].
conns()
{
	jq -s -c -S --arg l "$1" "$CONN_IDS"'map(select(.listener == $l)) |
	    conn_ids | group_by(.conn) | map({recs: map(select(.event ==
	    "data") | del(.listener, .peer, .peer_ip, .peer_port, .event, .conn)), first: .[0].event,
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
cuts "$s1" 24 12 > "$DIR/cuts1"
# shellcheck disable=SC2046 # one argument per cut
send oc "$s1" whole $(cat "$DIR/cuts1")
# shellcheck disable=SC2046
send sy "$s1" whole $(cat "$DIR/cuts1")
s2='<13>abc\n\000<13>def\000\n<13>ghi\n12 not a len\n\000'
r2='[{"data":"<13>abc"},{"data":"<13>def"},{"data":"<13>ghi"},
    {"data":"12 not a len"}]'
# shellcheck disable=SC2046
send sy "$s2" whole $(cuts "$s2")
wait_done oc
wait_done sy
n1=$(($(wc -l < "$DIR/cuts1") + 1))
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
oq_diag="line longer than 16 bytes, closing"
grep -Fqx "tcplogd: oq: $(cat "$DIR/oq.peers"): $oq_diag" "$ERR" ||
    fail "oq: no diagnostic"

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

# 4. Hostile MSG-LENs.  hostile LISTENER STREAM BAD: STREAM (printable
# ASCII) is "3 abc" and a bad MSG-LEN whose bad byte is at offset BAD;
# one connection for it whole and one for each cut, each then waiting
# for tcplogd to close it.
hostile()
{
	ho_len=$(lenof "$2")
	# shellcheck disable=SC2046 # one argument per cut
	send "$1" "$2" whole/hold $(seq 1 $((ho_len - 1)) | sed 's|$|/hold|')
	wait_done "$1"
	# Connection i (0: whole, else cut at i) read the stream up to end:
	# all of it when the bad byte came in its last read, else up to the
	# cut; the framing-error record is MSG-LEN (at 5) to there.
	jq -n -c -S --arg s "$2" --argjson bad "$3" --rawfile peers \
	    "$DIR/$1.peers" '($peers | split("\n") | map(select(. != ""))) |
	    to_entries | map(.key as $i | (if $i == 0 then ($s | length)
	    else $i end) as $k | (if $k <= $bad then ($s | length)
	    else $k end) as $upto | $s[5:$upto] as $rec |
	    [.value, {recs: [{data: "abc"}, {data: $rec[0:16],
	    framing_error: true} + if ($rec | length) > 16 then
	    {truncated: true} else {} end], first: "connected",
	    last: ["disconnected", "framing error", 2, $upto]}]) | sort' \
	    > "$DIR/$1.want" || hard_error "jq failed"
	jq -s -c -S --arg l "$1" "$CONN_IDS"'map(select(.listener == $l)) |
	    conn_ids | group_by(.conn) | map([.[0].peer, {recs: map(select(
	    .event == "data") | del(.listener, .peer, .peer_ip, .peer_port, .event, .conn)),
	    first: .[0].event,
	    last: (.[-1] | [.event, .reason, .records, .bytes])}]) | sort' \
	    < "$OUT" > "$DIR/$1.got" || fail "jq failed"
	expect_file "$DIR/$1.want" "$DIR/$1.got"
	grep -c '^closed by server' "$DIR/$1.client" > "$DIR/$1.closed"
	[ "$(cat "$DIR/$1.closed")" -eq "$ho_len" ] ||
	    fail "$1: tcplogd closed $(cat "$DIR/$1.closed") of $ho_len"
}
hostile hz '3 abc0 x' 5
hostile hl '3 abc000012 <13>abcd' 5
hostile ht '3 abc1234567890 x' 14
hostile hn '3 abc12a <13>abcdefghijkl' 7
hostile hp '3 abc12<13>no space' 7
hostile sn '3 abc12a bcd' 7
s5="999999999 $(printf '%040d' 0)"
# shellcheck disable=SC2046
send big "$s5" whole/eof $(cuts "$s5" | sed 's|$|/eof|')
# shellcheck disable=SC2046
send bigs "$s5" whole/eof $(cuts "$s5" | sed 's|$|/eof|')
wait_done big
wait_done bigs
n5=$(($(lenof "$s5") + 1))
z=0000000000000000
expect_conns big "$n5" '[{"data":"'$z'","truncated":true}]' \
    "closed by peer" "$(lenof "$s5")"
expect_conns bigs "$n5" '[{"data":"'$z'","split":true},
    {"data":"'$z'","split":true},{"data":"00000000","partial":true}]' \
    "closed by peer" "$(lenof "$s5")"

stop_daemon
check_json "$OUT"
# counters LISTENER OVERLONG PARTIAL FRAMING: the listener's counters at
# shutdown.
counters()
{
	co_re="overlong $2 partial $3 .* framing_errors $4 parse_errors 0"
	grep -Eq "^tcplogd: listener $1: .* $co_re( |\$)" "$ERR" ||
	    fail "counters of $1: $(grep "listener $1:" "$ERR")," \
	    "want overlong $2 partial $3 framing_errors $4"
}
counters oc 0 0 0
counters sy 0 0 0
counters ot "$n3" 0 0
counters os "$n3" 0 0
counters oq 1 0 0
counters eof 0 "$(($(lenof "$s4") - 1))" 0
# said LISTENER TEXT: the diagnostics TEXT about LISTENER, held back
# ones too, are one for each of its connections.
said()
{
	[ "$(notes_said "$1" "$2")" -eq "$(wc -l < "$DIR/$1.peers")" ] ||
	    fail "$1: $(notes_said "$1" "$2") diagnostics \"$2\" for" \
	    "$(wc -l < "$DIR/$1.peers") connections"
}
for l in hz hl ht hn hp sn; do
	counters "$l" 0 0 "$(wc -l < "$DIR/$l.peers")"
done
said hz "framing error: MSG-LEN starts with '0', closing"
said hl "framing error: MSG-LEN starts with '0', closing"
said ht "framing error: MSG-LEN '1234567890' has more than 9 digits, closing"
said hn "framing error: MSG-LEN '12a' is not a number, closing"
said hp "framing error: MSG-LEN '12' is followed by '<', not SP, closing"
said sn "framing error: MSG-LEN '12a' is not a number, closing"
counters big "$n5" 0 0
counters bigs "$n5" "$n5" 0
said big "line longer than 16 bytes, truncated"
said bigs "line longer than 16 bytes, split"
exit 0

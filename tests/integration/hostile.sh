#!/bin/sh
# hostile.sh: hostile input in line mode (text and JSON) and raw mode,
# to stdout and to syslog at once: every byte value at the start, in the
# middle and at the end of a line and after the lead bytes of 2-, 3- and
# 4-byte UTF-8 sequences, invalid UTF-8, ANSI escape sequences (CSI, OSC,
# DCS, terminal reset), C1 controls (as UTF-8 and as single bytes),
# journald level prefixes ("<0>", "<3>", ...) at the start of lines,
# printf directives ("%n", "%s", ...), forged records.
#
# Each record stays one output line (and one syslog message); no raw C0
# control, DEL, C1 control or invalid UTF-8 reaches any output or the
# diagnostics; the text records decode (\\, \t, \xHH) back to exactly
# the bytes sent, and so do the JSON ones (data or data_base64); "%n"
# and the like appear literally; each syslog message carries its
# listener's configured <PRI> whatever the data starts with, and says
# exactly what the stdout record says.  Then with stdout as the journal
# (JOURNAL_STREAM, so no timestamps) no line starts with "<": a client
# cannot set a journal priority.
#
# The syslog part needs root (a private /dev with our receiver at
# /dev/log, as in syslog.sh); without it the rest runs.

if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	TCPLOGD_IN_NS=no
	if [ "$(id -u)" -eq 0 ] &&
	    unshare -m --propagation private true 2>/dev/null; then
		TCPLOGD_IN_NS=yes
	fi
	export TCPLOGD_IN_NS
	if [ "$TCPLOGD_IN_NS" = yes ]; then
		exec unshare -m --propagation private /bin/sh "$0" "$@"
	fi
fi

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

# 1. The input.  Every byte value B (octal o) in: "Bmid", "preBpost",
# "preB", "\302B", "\342\200B", "\360\237\230B", "B\200\200".  A CR just
# before a LF would be stripped (CRLF), so for B = CR the lines that end
# with B get a "." after it.
i=0
while [ "$i" -lt 256 ]; do
	o=$((i / 64))$((i / 8 % 8))$((i % 8))
	e=
	[ "$i" -eq 13 ] && e=.
	# shellcheck disable=SC2059 # the format is the data
	printf "\\${o}mid\\npre\\${o}post\\npre\\${o}$e\\n\\302\\${o}$e\\n\\342\\200\\${o}$e\\n\\360\\237\\230\\${o}$e\\n\\${o}\\200\\200\\n"
	i=$((i + 1))
done > "$DIR/bytes"
[ "$(wc -c < "$DIR/bytes")" -eq $((256 * 35 + 4)) ] ||
    hard_error "cannot make the byte lines ($(wc -c < "$DIR/bytes") bytes)"
{
	# ANSI escapes: colour, OSC title (BEL and ST), clear screen,
	# cursor home, DCS, full reset, a device status query.
	printf '\033[31mred\033[0m plain\n'
	printf '\033]0;owned title\007 \033]2;t2\033\\ \033[2J\033[H\n'
	printf '\033P+q544e\033\\ \033c \033[6n \033[?1049h\n'
	# C1 controls: as UTF-8 (CSI, OSC..ST, NEL, RI) and as raw bytes.
	printf '\302\23331m c1 csi \302\2350;t\302\234 nel\302\205 ri\302\215\n'
	printf '\23331m raw csi \2350;t\234 \205 \215 \377\376\n'
	# journald level prefixes at the start of a line.
	printf '<0>emerg\n<3>err\n<7>debug\n<13>user.notice\n<191>\n<0>\n'
	printf '<1>\033[31malert\n'
	# printf directives.
	printf '%%n%%n%%n%%n%%n%%n%%n%%n\n'
	printf '%%s%%s%%s%%s%%s%%s%%s%%s\n'
	# shellcheck disable=SC2016 # no expansion meant
	printf '%%x %%p %%99999999s %%1$n %%hhn %%ls %%lc %%.9999d %%%%n\n'
	# Forged records, escapes spelled out, invalid UTF-8, a BOM, bidi.
	printf 't 127.0.0.1:1 disconnected (closed by peer) 0 records 0 bytes\n'
	printf '"}\\n{"listener":"x","event":"data","data":"forged"}\n'
	printf '\\x1b[31m literal \\t \\\\ \\\n'
	printf 'bad \300\257 \355\240\200 \364\220\200\200 \370\210\200\200\200 \342\202\n'
	printf '\357\273\277bom \342\200\256rlo\342\200\254 \342\200\250\342\200\251 tab\there del\177\n'
	printf '\n\n'
	# The last line: no LF, ends with a CR (kept, flagged partial).
	printf 'end\r'
} > "$DIR/special"
cat "$DIR/bytes" "$DIR/special" > "$DIR/in"
nlf=$(tr -dc '\n' < "$DIR/in" | wc -c)

# check_safe FILE: valid UTF-8 (where a UTF-8 locale exists) with no C0
# control but LF, no DEL, no C1 control (U+0080..U+009F).
check_safe()
{
	cs_n=$(tr -d '\n\040-\176\200-\377' < "$1" | wc -c)
	[ "$cs_n" -eq 0 ] || fail "$1: $cs_n raw control bytes (C0 or DEL)"
	if printf '\303\251\n' | LC_ALL=C.UTF-8 grep -qax '.' 2>/dev/null &&
	    LC_ALL=C.UTF-8 grep -naxv '.*' "$1" > "$DIR/unsafe"; then
		head -c 300 "$DIR/unsafe" | od -c | head >&2
		fail "$1: invalid UTF-8"
	fi
	if grep -n -e "$(printf '\302[\200-\237]')" "$1" > "$DIR/unsafe"; then
		head -c 300 "$DIR/unsafe" | od -c | head >&2
		fail "$1: a raw C1 control"
	fi
}

# text_hex FILE LISTENER PEER LF: the bytes the text data records of PEER
# stand for, one hex byte a line, with a LF after each record that is
# not partial when LF is yes.
text_hex()
{
	awk -v l="$2" -v p="$3" -v lf="$4" '
	BEGIN {
		for (i = 1; i < 256; i++)
			ord[sprintf("%c", i)] = i
		plain = l " " p ": "
		part = l " " p " [partial]: "
	}
	index($0, plain) == 1 {
		d = substr($0, length(plain) + 1)
		partial = 0
	}
	index($0, part) == 1 {
		d = substr($0, length(part) + 1)
		partial = 1
	}
	index($0, plain) != 1 && index($0, part) != 1 {
		next
	}
	{
		n = length(d)
		for (i = 1; i <= n; i++) {
			ch = substr(d, i, 1)
			if (ch != "\\") {
				printf "%02x\n", ord[ch]
				continue
			}
			e = substr(d, ++i, 1)
			if (e == "\\")
				print "5c"
			else if (e == "t")
				print "09"
			else if (e == "x" && substr(d, i + 1, 2) ~ /^[0-9a-f][0-9a-f]$/) {
				print substr(d, i + 1, 2)
				i += 2
			} else
				print "bad escape at " i ": " $0
		}
		if (lf == "yes" && !partial)
			print "0a"
	}' "$1"
}

# json_bytes FILE LISTENER PEER: the bytes the JSON data records of PEER
# stand for, with the LF of every complete line.
json_bytes()
{
	jq -r --arg l "$2" --arg p "$3" '
	select(.listener == $l and .peer == $p and .event == "data") |
	(if has("data") then (.data | @base64) else .data_base64 end),
	(if (.partial or .split or .truncated) then empty else "Cg==" end)' \
	    < "$1" | base64 -d
}

hex()
{
	od -An -v -tx1 | tr -s ' ' '\n' | grep -v '^$'
}

# send LISTENER NAME [OPTIONS]: send $DIR/in; the peer is in $peer.
send()
{
	s_l=$1
	s_n=$2
	shift 2
	tsend -v -e half "$@" -f "$DIR/in" 127.0.0.1 "$(port_of "$s_l")" \
	    > "$DIR/$s_n.send" || fail "$s_n: tcplogd-send failed"
	peer=$(peer_of "$DIR/$s_n.send")
	s_out=$OUT
	[ "$s_l" != j ] || s_out=$DIR/j.json
	wait_match "$s_out" "^($s_l $peer disconnected |\\{\"listener\":\"$s_l\",$(jpeer "$peer"),\"event\":\"disconnected\")" 20
}

# check_text LISTENER PEER LF: the records of PEER in $OUT are whole
# records that decode to the input; their number is in $ct_n.
check_text()
{
	ct_l=$1
	ct_p=$2
	awk -v l="$ct_l" -v p="$ct_p" '$1 == l && ($2 == p || $2 == p ":")' \
	    "$OUT" > "$DIR/recs"
	awk -v l="$ct_l" -v p="$ct_p" '
	index($0, l " " p ": ") != 1 && index($0, l " " p " [partial]: ") != 1 &&
	    $0 != l " " p " connected" &&
	    index($0, l " " p " disconnected (closed by peer) ") != 1 {
		print "not a record: " $0 > "/dev/stderr"
		exit 1
	}' "$DIR/recs" || fail "$ct_l: a line that is not a record"
	head -n 1 "$DIR/recs" | grep -qxF "$ct_l $ct_p connected" ||
	    fail "$ct_l: no connected record first"
	ct_n=$(grep -c -e "^$ct_l $ct_p: " -e "^$ct_l $ct_p \\[partial\\]: " "$DIR/recs")
	tail -n 1 "$DIR/recs" | grep -qxF "$ct_l $ct_p disconnected (closed by peer) $ct_n records $(wc -c < "$DIR/in") bytes" ||
	    fail "$ct_l: wrong last record: $(tail -n 1 "$DIR/recs")"
	[ "$(wc -l < "$DIR/recs")" -eq $((ct_n + 2)) ] ||
	    fail "$ct_l: lines that are not records"
	text_hex "$OUT" "$ct_l" "$ct_p" "$3" > "$DIR/got.hex"
	hex < "$DIR/in" > "$DIR/in.hex"
	if ! cmp -s "$DIR/in.hex" "$DIR/got.hex"; then
		diff "$DIR/in.hex" "$DIR/got.hex" | head -n 20 >&2
		fail "$ct_l: the text records do not decode to the input"
	fi
}

# 2. stdout (and syslog): listener t in text, r raw in text; j in JSON to
# a file of its own (an output has one format; syslog takes each
# listener's).
if [ "$TCPLOGD_IN_NS" = yes ]; then
	private_dev
	"$TCPLOGD_SYSLOG_RECV" /dev/log "$DIR/syslog" &
	recv_pid=$!
	bg_track "$recv_pid"
	wait_until 10 test -S /dev/log || fail "no socket at /dev/log"
	outputs='stdout, syslog'
	joutputs='file, syslog'
else
	log "not root or no unshare -m: syslog output not checked"
	outputs=stdout
	joutputs=file
fi
config_global timestamps=no syslog_ident=tcplogd-hostile "output=$outputs"
config_listener t syslog_facility=local1 syslog_priority=notice
config_listener j format=json syslog_facility=local2 \
    syslog_priority=warning "output=$joutputs" "file=$DIR/j.json"
config_listener r mode=raw syslog_facility=user syslog_priority=err
start_daemon
pid=$DPID

send t t
pt=$peer
send j j
pj=$peer
send r r -k 997 -d 2
pr=$peer
stop_daemon

check_text t "$pt" yes
nt=$ct_n
[ "$nt" -eq $((nlf + 1)) ] || fail "t: $nt data records for $((nlf + 1)) lines"
check_text r "$pr" no
nr=$ct_n
[ "$nr" -ge 2 ] || fail "r: $nr records for $(wc -c < "$DIR/in") bytes in chunks of 997"
cp "$DIR/j.json" "$DIR/j.out"
check_json "$DIR/j.out"
json_bytes "$DIR/j.out" j "$pj" > "$DIR/j.bytes" || fail "j: jq failed"
cmp -s "$DIR/in" "$DIR/j.bytes" || fail "j: the JSON records do not give back the input"
nj=$(grep -c '"event":"data"' "$DIR/j.out")
[ "$nj" -eq $((nlf + 1)) ] || fail "j: $nj data records for $((nlf + 1)) lines"
[ "$(wc -l < "$OUT")" -eq $((nt + nr + 4)) ] ||
    fail "$OUT: $(wc -l < "$OUT") lines for $((nt + nr + 4)) records"
[ "$(wc -l < "$DIR/j.out")" -eq $((nj + 2)) ] ||
    fail "j: $(wc -l < "$DIR/j.out") lines for $((nj + 2)) records"
check_safe "$OUT"
check_safe "$DIR/j.out"
check_safe "$ERR"
grep -q '%n' "$ERR" && fail "received data in the diagnostics"

# What the hostile lines look like.
# shellcheck disable=SC2016,SC1003 # literal text
for want in \
    't PEER: \x1b[31mred\x1b[0m plain' \
    't PEER: \xc2\x9b31m c1 csi \xc2\x9d0;t\xc2\x9c nel\xc2\x85 ri\xc2\x8d' \
    't PEER: \x9b31m raw csi \x9d0;t\x9c \x85 \x8d \xff\xfe' \
    't PEER: <0>emerg' \
    't PEER: <1>\x1b[31malert' \
    't PEER: %n%n%n%n%n%n%n%n' \
    't PEER: %s%s%s%s%s%s%s%s' \
    't PEER: %x %p %99999999s %1$n %hhn %ls %lc %.9999d %%n' \
    't PEER: \\x1b[31m literal \\t \\\\ \\' \
    't PEER [partial]: end\x0d'; do
	printf '%s\n' "$want" | sed "s/PEER/$pt/" > "$DIR/want"
	grep -qxF -f "$DIR/want" "$OUT" || fail "no record: $(cat "$DIR/want")"
done
[ "$(jq -r --arg p "$pj" \
    'select(.peer == $p and .data == "%n%n%n%n%n%n%n%n") | .event' \
    < "$DIR/j.out")" = data ] || fail "j: %n not written literally"

# 3. syslog: one message a record, the listener's <PRI> (local1.notice
# 141, local2.warning 148, user.err 11), the same text as on stdout and
# in j's file.
if [ "$TCPLOGD_IN_NS" = yes ]; then
	cat "$OUT" "$DIR/j.out" | sort > "$DIR/all.sorted"
	wait_lines "$DIR/syslog" "$(wc -l < "$DIR/all.sorted")"
	kill -TERM "$recv_pid"
	wait_pid "$recv_pid" || fail "tcplogd-syslog-recv failed"
	[ "$(wc -l < "$DIR/syslog")" -eq "$(wc -l < "$DIR/all.sorted")" ] ||
	    fail "$(wc -l < "$DIR/syslog") syslog lines for $(wc -l < "$DIR/all.sorted") records"
	check_safe "$DIR/syslog"
	awk -v pid="$pid" -v out="$DIR/syslog.msgs" '
	{
		if (!match($0, /^<[0-9]+>[A-Z][a-z][a-z] [ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] tcplogd-hostile\[[0-9]+\]: /)) {
			print "no syslog header: " $0 > "/dev/stderr"
			exit 1
		}
		pri = substr($0, 2, index($0, ">") - 2)
		msg = substr($0, RLENGTH + 1)
		if (index($0, "tcplogd-hostile[" pid "]: ") == 0) {
			print "wrong pid: " $0 > "/dev/stderr"
			exit 1
		}
		if (msg ~ /^t /)
			want = 141
		else if (msg ~ /^\{"listener":"j",/)
			want = 148
		else if (msg ~ /^r /)
			want = 11
		else
			want = "none"
		if (pri != want) {
			print "<" pri "> for <" want ">: " $0 > "/dev/stderr"
			exit 1
		}
		print msg > out
	}' "$DIR/syslog" || fail "wrong syslog messages"
	sort "$DIR/syslog.msgs" > "$DIR/syslog.sorted"
	expect_file "$DIR/all.sorted" "$DIR/syslog.sorted"
fi

# 4. stdout is the journal (no timestamps) and debug diagnostics on: no
# line starts with "<", each starts with the listener name or "{".
mv "$OUT" "$DIR/out1"
mv "$ERR" "$DIR/err1"
: > "$OUT"
JOURNAL_STREAM=$(stat -c '%d:%i' "$OUT") || hard_error "stat failed"
export JOURNAL_STREAM
config_global timestamps=auto
config_listener t
config_listener j format=json output=file "file=$DIR/j.json" timestamps=no
config_listener r mode=raw
start_daemon -d
send t t2
send j j2
send r r2 -k 997 -d 2
stop_daemon
[ "$(grep -c ': <0>emerg$' "$OUT")" -eq 1 ] ||
    fail "journal: no \"<0>emerg\" record"
if grep -n '^<' "$OUT" >&2; then
	fail "journal: a line starts with \"<\""
fi
if grep -Env '^(t |r |\{"listener":"j",)' "$OUT" >&2; then
	fail "journal: lines that start with neither the listener nor {"
fi
check_safe "$OUT"
check_safe "$ERR"
exit 0

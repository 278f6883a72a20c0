#!/bin/sh
# parse.sh: parse = syslog on the real daemon, JSON to a file.  A
# scripted client sends messages as real senders write them (RFC 5424
# with SD, escapes, BOM and NILVALUEs; RFC 3164 with and without HOST,
# TAG, PID, an RFC 3339 timestamp, Python's bare "<PRI>MSG"; invalid
# UTF-8) and records that are no syslog message; util-linux logger --tcp
# sends one too.  Every line must be JSON to jq, each "syslog" object
# exactly the fields expected (none for the records that do not parse),
# "data" the message as sent, and SIGUSR1's parse_errors the count of
# those that did not parse.  Text output is unchanged.  Then, as root in
# a private mount namespace (as syslog.sh), output = syslog: each parsed
# message goes with its own facility and severity, the rest with
# syslog_facility and syslog_priority.

if [ -z "${TCPLOGD_IN_NS:-}" ] && [ "$(id -u)" -eq 0 ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TCPLOGD_IN_NS=1
	export TCPLOGD_IN_NS
	exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

config_global timestamps=no
config_listener p parse=syslog format=json output=file \
    "file=$DIR/p.json"
config_listener t parse=syslog output=file "file=$DIR/t.log" events=no
start_daemon

# line PART...: the parts as one line.
line()
{
	printf '%s' "$@"
	echo
}

# The messages, one a line.  What each must parse to is in expected, in
# the same order: "-" for a record that does not parse, else
# facility|severity|timestamp|hostname|app_name|procid|msgid|SD|msg with
# absent fields empty and SD as compact JSON.
T1=2026-12-04T19:05:33.714507+00:00
T2=2026-12-04T19:05:33.753394+00:00
T3=2026-12-04T19:05:33.714507+01:00
{
	line "<134>1 $T1 vm myapp - - " \
	    '[timeQuality tzKnown="1" isSynced="0"] hello default'
	line "<13>1 $T2 vm myapp 29566 ID47 " \
	    '[zoo@123 tiger="hungry" zebra="str\"ipes"] hello sd'
	line '<13>Dec  4 19:05:33 vm myapp: hello 3164'
	line "<38>$T3 vm sshd[812]: Accepted"
	line "<38>1 $T3 vm sshd 812 - -  Accepted"
	line '<30>Dec  4 19:05:33 systemd[1]: Started foo.'
	line '<11>myapp: py ident'
	line '<12>py hello'
	line '<13>Dec  4 19:05:33 vm myscript hello world'
	line '<189>52: *Mar  1 00:00:33.123: %SYS-5-CONFIG_I: Configured'
	printf '<34>1 2003-10-11T22:14:15.003Z host su - ID47 - '
	printf '\357\273\277bom\n'
	line '<14>1 - - - - - [a@1 q="\"" b="\\" r="\]" o="\x"]' \
	    '[b x="1"][a@1 q="2"] m'
	line '<191>1 - - - - - -'
	printf '<14>app: caf\303\251 \377\n'
	line 'not syslog'
	line '<192>bad pri'
	line '<013>leading zero'
	line '<13>1 2026-13-04T19:05:33Z h a - - - bad month'
	line '<13>1 - - - - [unterminated'
} > "$DIR/in"
{
	line "local0|info|$T1|vm|myapp|||" \
	    '{"timeQuality":{"tzKnown":"1","isSynced":"0"}}|hello default'
	line "user|notice|$T2|vm|myapp|29566|ID47|" \
	    '{"zoo@123":{"tiger":"hungry","zebra":"str\"ipes"}}|hello sd'
	line 'user|notice|Dec  4 19:05:33|vm|myapp||||hello 3164'
	line "auth|info|$T3|vm|sshd|812|||Accepted"
	line "auth|info|$T3|vm|sshd|812||| Accepted"
	line 'daemon|info|Dec  4 19:05:33||systemd|1|||Started foo.'
	line 'user|err|||myapp||||py ident'
	line 'user|warning|||||||py hello'
	line 'user|notice|Dec  4 19:05:33|vm|||||myscript hello world'
	line 'local7|notice|||||||' \
	    '52: *Mar  1 00:00:33.123: %SYS-5-CONFIG_I: Configured'
	line 'auth|crit|2003-10-11T22:14:15.003Z|host|su||ID47||bom'
	line 'user|info||||||{"a@1":{"q":["\"","2"],"b":"\\","r":"]",' \
	    '"o":"\\x"},"b":{"x":"1"}}|m'
	line 'local7|debug|||||||'
	# U+FFFD for the byte 0xff.
	printf 'user|info|||app||||caf\303\251 \357\277\275\n'
	printf '%s\n' - - - - -
} > "$DIR/expected"
nbad=5

tsend -v -e half -f "$DIR/in" 127.0.0.1 "$(port_of p)" > "$DIR/p.out" ||
    fail "tcplogd-send failed"
pp=$(peer_of "$DIR/p.out")
wait_match "$DIR/p.json" "$(jpeer "$pp"),\"event\":\"disconnected\""
check_json "$DIR/p.json"

# The data records' syslog objects, as the expected lines.
jq -r --arg peer "$pp" 'select(.peer == $peer and .event == "data") |
    if has("syslog") then .syslog | [.facility, .severity,
	(.timestamp // ""), (.hostname // ""), (.app_name // ""),
	(.procid // ""), (.msgid // ""),
	(if has("structured_data") then (.structured_data | tojson)
	else "" end), (.msg // "")] | join("|")
    else "-" end' "$DIR/p.json" > "$DIR/got" || fail "jq failed"
expect_file "$DIR/expected" "$DIR/got"

# data is each message as it came (the one not UTF-8 as base64).
jq -r --arg peer "$pp" 'select(.peer == $peer and .event == "data") |
    if has("data") then .data else (.data_base64 | @base64d) end' \
    "$DIR/p.json" > "$DIR/data"
grep -v 'caf' "$DIR/in" > "$DIR/in.utf8"
grep -v 'caf' "$DIR/data" > "$DIR/data.utf8"
expect_file "$DIR/in.utf8" "$DIR/data.utf8"
[ "$(jq -r 'select(.data_base64) | .data_base64' "$DIR/p.json")" = \
    "$(grep 'caf' "$DIR/in" | tr -d '\n' | base64 -w 0)" ] ||
    fail "data_base64 of the record that is not UTF-8"
# Connection events have no syslog object.
[ "$(jq -c 'select(.event != "data") | has("syslog")' "$DIR/p.json" |
    sort -u)" = false ] || fail "a connection event with a syslog object"

# util-linux logger, RFC 5424 by default.
if command -v logger > /dev/null 2>&1; then
	timeout $((10 * scale)) logger --tcp -n 127.0.0.1 -P "$(port_of p)" \
	    -t parse-test -p local3.warning "from logger" ||
	    fail "logger failed"
	wait_match "$DIR/p.json" '"app_name":"parse-test"'
	[ "$(jq 'select(.syslog.app_name == "parse-test") | .syslog |
	    .facility == "local3" and .severity == "warning" and
	    .msg == "from logger" and (.hostname | length > 0) and
	    (.timestamp | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T"))' \
	    "$DIR/p.json")" = true ] ||
	    fail "logger's message: $(grep parse-test "$DIR/p.json")"
else
	log "no logger(1): its part skipped"
fi

# Text output: the records as they came.
tsend -e half -f "$DIR/in" 127.0.0.1 "$(port_of t)" ||
    fail "tcplogd-send failed"
wait_lines "$DIR/t.log" "$(wc -l < "$DIR/in")"
# Text escapes '\\' as "\\\\" (and the byte 0xff as "\\xff", below).
sed -e 's/^t [^ ]*: //' -e 's/\\\\/\\/g' "$DIR/t.log" > "$DIR/t.data"
grep -v 'caf' "$DIR/in" > "$DIR/in.text"
grep -v 'caf' "$DIR/t.data" > "$DIR/t.text"
expect_file "$DIR/in.text" "$DIR/t.text"
[ "$(grep caf "$DIR/t.data")" = "$(printf '<14>app: caf\303\251 \\xff')" ] ||
    fail "text: $(grep caf "$DIR/t.data")"

# parse_errors: those of both connections (and none for logger's).
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener t: '
grep -q "^tcplogd: listener p: .* parse_errors $nbad tls_failures 0 health_checks 0 proxy_errors 0\$" "$ERR" ||
    fail "p: $(grep '^tcplogd: listener p: ' "$ERR")"
grep -q "^tcplogd: listener t: .* parse_errors $nbad tls_failures 0 health_checks 0 proxy_errors 0\$" "$ERR" ||
    fail "t: $(grep '^tcplogd: listener t: ' "$ERR")"
# No diagnostic per record: nothing but the start and the counters.
! grep -v -e '^tcplogd: listener [a-z]*: accepted ' -e '^tcplogd: output ' \
    -e '^tcplogd: tcplogd ' -e '^tcplogd: listening: ' -e '^tcplogd: ready ' \
    "$ERR" | grep -q . || fail "diagnostics: $(cat "$ERR")"
stop_daemon

# output = syslog, where /dev/log can be ours.
if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	log "not root in a private mount namespace: syslog output skipped"
	exit 0
fi
[ -x "$TCPLOGD_SYSLOG_RECV" ] ||
    hard_error "TCPLOGD_SYSLOG_RECV: not an executable: $TCPLOGD_SYSLOG_RECV"
private_dev
"$TCPLOGD_SYSLOG_RECV" /dev/log "$DIR/syslog" &
RECV_PID=$!
bg_track "$RECV_PID"
wait_until 10 test -S /dev/log || fail "no socket at /dev/log"
mv "$ERR" "$DIR/err1"
config_global syslog_ident=parse-test
config_listener s parse=syslog output=syslog syslog_facility=local2 \
    syslog_priority=notice
start_daemon
{
	printf '%s\n' '<134>1 - - - - - - local0.info'
	printf '%s\n' '<13>Dec  4 19:05:33 vm a: user.notice'
	printf '%s\n' '<3>kern.err'
	printf '%s\n' 'no pri'
} | tsend -v -e half -f - 127.0.0.1 "$(port_of s)" > "$DIR/s.out" ||
    fail "tcplogd-send failed"
ps=$(peer_of "$DIR/s.out")
wait_lines "$DIR/syslog" 6
stop_daemon
kill -TERM "$RECV_PID"
wait_pid "$RECV_PID" || fail "tcplogd-syslog-recv failed"
# <PRI>, then what follows "parse-test[PID]: ".
sed -E 's/^<([0-9]+)>.* parse-test\[[0-9]+\]: /<\1> /' "$DIR/syslog" \
    > "$DIR/syslog.msgs"
{
	echo "<149> s $ps connected"
	echo "<134> s $ps: <134>1 - - - - - - local0.info"
	echo "<13> s $ps: <13>Dec  4 19:05:33 vm a: user.notice"
	echo "<147> s $ps: <3>kern.err"
	echo "<149> s $ps: no pri"
	echo "<149> s $ps disconnected (closed by peer) 4 records 88 bytes"
} > "$DIR/syslog.expected"
expect_file "$DIR/syslog.expected" "$DIR/syslog.msgs"
exit 0

#!/bin/sh
# journal-output.sh: output = journal against the real systemd-journald,
# run as root in a private mount namespace (tmpfs on /run/systemd and
# /run/log, a drop-in with Storage=volatile and no rate limit) and read
# back with journalctl -D -o json and jq.
# 1. Every field of connection events and data records; TCPLOGD_DATA with
#    the exact bytes whenever MESSAGE escaped some (binary too); a
#    300000-byte record (larger than a datagram: sent in a sealed memfd)
#    whole; parse = syslog's priority, facility, app name, host, procid,
#    msgid; format = json does not change the entries.
# 2. journald stopped (SIGSTOP) under 30000 records: the output stalls,
#    the sender's listener pauses, and once journald reads again every
#    record is there, in order, no output error.
# 3. journald gone: its records are dropped and counted (output_errors),
#    said once; when it is back this is said and records arrive again.
# Nothing is changed outside the namespace.

if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: journal-output: needs root for unshare -m" >&2
		exit 77
	fi
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "SKIP: journal-output: unshare -m does not work here" >&2
		exit 77
	fi
	TCPLOGD_IN_NS=1
	export TCPLOGD_IN_NS
	exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_cmd journalctl
JOURNALD=/lib/systemd/systemd-journald
[ -x "$JOURNALD" ] || skip "no $JOURNALD (package systemd)"
[ -s /etc/machine-id ] || skip "no /etc/machine-id for journald"

SOCK=/run/systemd/journal/socket
mkdir -p /run/systemd /run/log || hard_error "mkdir /run/systemd failed"
mount -t tmpfs -o mode=0755 tcplogd-test-run /run/systemd ||
    hard_error "cannot mount a tmpfs on /run/systemd"
mount -t tmpfs -o mode=0755 tcplogd-test-log /run/log ||
    hard_error "cannot mount a tmpfs on /run/log"
mkdir -p /run/systemd/journal /run/systemd/journald.conf.d
cat > /run/systemd/journald.conf.d/tcplogd-test.conf <<EOF
[Journal]
Storage=volatile
RateLimitIntervalSec=0
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RuntimeMaxUse=256M
EOF

start_journald()
{
	rm -f "$SOCK"
	"$JOURNALD" > "$DIR/journald.out" 2>&1 &
	JPID=$!
	bg_track "$JPID"
	wait_until 10 test -S "$SOCK" || fail "journald made no $SOCK"
}

stop_journald()
{
	kill -TERM "$JPID"
	wait_pid "$JPID" || fail "journald failed: $(cat "$DIR/journald.out")"
}

# jq_entries FILTER [MATCHES...]: the entries as JSON, whole fields.
jq_entries()
{
	je_f=$1
	shift
	journalctl -D /run/log/journal -o json -a --no-pager "$@" |
	    jq -c "$je_f"
}

# entries MATCHES...: how many entries match.
entries()
{
	journalctl -D /run/log/journal -o cat -a --no-pager "$@" | wc -l
}

has_entries()		# N MATCHES...
{
	he_n=$1
	shift
	[ "$(entries "$@")" -ge "$he_n" ]
}

# counters_line WHAT NAME: SIGUSR1's line for output or listener NAME.
counters_line()
{
	cl_before=$(grep -c "^tcplogd: $1 $2: " "$ERR")
	kill -USR1 "$DPID"
	wait_count "$ERR" "^tcplogd: $1 $2: " $((cl_before + 1))
	grep "^tcplogd: $1 $2: " "$ERR" | tail -n 1
}

start_journald

# 1. Fields.
config_global syslog_ident=tcplogd-test
config_listener a output=journal max_line=400000
config_listener b output=journal parse=syslog events=no \
    syslog_facility=local3 syslog_priority=warning
config_listener c output=journal format=json events=no
start_daemon
pid=$DPID

printf 'hello a\ntab\there\nbin\001\377\\z\ncaf\303\251\n' > "$DIR/a.in"
awk 'BEGIN { for (i = 0; i < 300000; i++) printf "%c", 97 + i % 26;
    printf "\n" }' > "$DIR/big"
cat "$DIR/big" >> "$DIR/a.in"
tsend -v -e half -f "$DIR/a.in" 127.0.0.1 "$(port_of a)" > "$DIR/a.out" ||
    fail "tcplogd-send failed"
pa=$(peer_of "$DIR/a.out")
{
	echo '<165>1 2026-12-05T10:00:00Z web01 nginx 812 ACCESS - GET /'
	echo '<13>Dec  4 19:05:33 vm app[77]: three one six four'
	echo 'not syslog'
} > "$DIR/b.in"
tsend -v -e half -f "$DIR/b.in" 127.0.0.1 "$(port_of b)" > "$DIR/b.out" ||
    fail "tcplogd-send failed"
pb=$(peer_of "$DIR/b.out")
printf 'json "ignored"\n' |
    tsend -v -e half -f - 127.0.0.1 "$(port_of c)" > "$DIR/c.out" ||
    fail "tcplogd-send failed"
pc=$(peer_of "$DIR/c.out")
wait_until 20 has_entries 7 TCPLOGD_LISTENER=a ||
    fail "not 7 entries of a: $(entries TCPLOGD_LISTENER=a)"
wait_until 20 has_entries 3 TCPLOGD_LISTENER=b ||
    fail "not 3 entries of b: $(entries TCPLOGD_LISTENER=b)"
wait_until 20 has_entries 1 TCPLOGD_LISTENER=c ||
    fail "no entry of c"
stop_daemon

# Every field but MESSAGE's long one; TCPLOGD_DATA as a byte list.
proj='[.MESSAGE, .PRIORITY, .SYSLOG_FACILITY, .SYSLOG_IDENTIFIER,
    .TCPLOGD_LISTENER, .TCPLOGD_PEER, .TCPLOGD_EVENT, .TCPLOGD_FLAGS,
    .TCPLOGD_REASON,
    (.TCPLOGD_DATA | if type == "string" then explode else . end),
    .TCPLOGD_SYSLOG_APP_NAME, .TCPLOGD_SYSLOG_HOSTNAME,
    .TCPLOGD_SYSLOG_PROCID, .TCPLOGD_SYSLOG_MSGID, ._PID]'
jq_entries "select(.MESSAGE | length < 1000) | $proj" \
    TCPLOGD_LISTENER=a > "$DIR/a.json"
jq_entries "$proj" TCPLOGD_LISTENER=b > "$DIR/b.json"
jq_entries "$proj" TCPLOGD_LISTENER=c > "$DIR/c.json"
n='null,null,null,null'
{
	# j MESSAGE EVENT REASON DATA: one line of a's projection.
	j() {
		printf '["a %s%s","6","3","tcplogd-test","a","%s","%s",null,%s,%s,%s,"%s"]\n' \
		    "$pa" "$1" "$pa" "$2" "$3" "$4" "$n" "$pid"
	}
	j ' connected' connected null null
	j ': hello a' data null null
	j ': tab\\there' data null '[116,97,98,9,104,101,114,101]'
	j ': bin\\x01\\xff\\\\z' data null '[98,105,110,1,255,92,122]'
	j ': café' data null null
	j ' disconnected (closed by peer) 5 records 300032 bytes' \
	    disconnected '"closed by peer"' null
} > "$DIR/a.expected"
expect_file "$DIR/a.expected" "$DIR/a.json"
{
	echo "[\"b $pb: <165>1 2026-12-05T10:00:00Z web01 nginx 812 ACCESS - GET /\",\"5\",\"20\",\"tcplogd-test\",\"b\",\"$pb\",\"data\",null,null,null,\"nginx\",\"web01\",\"812\",\"ACCESS\",\"$pid\"]"
	echo "[\"b $pb: <13>Dec  4 19:05:33 vm app[77]: three one six four\",\"5\",\"1\",\"tcplogd-test\",\"b\",\"$pb\",\"data\",null,null,null,\"app\",\"vm\",\"77\",null,\"$pid\"]"
	echo "[\"b $pb: not syslog\",\"4\",\"19\",\"tcplogd-test\",\"b\",\"$pb\",\"data\",null,null,null,$n,\"$pid\"]"
} > "$DIR/b.expected"
expect_file "$DIR/b.expected" "$DIR/b.json"
echo "[\"c $pc: json \\\"ignored\\\"\",\"6\",\"3\",\"tcplogd-test\",\"c\",\"$pc\",\"data\",null,null,null,$n,\"$pid\"]" \
    > "$DIR/c.expected"
expect_file "$DIR/c.expected" "$DIR/c.json"

# The record larger than a datagram: whole, with its own TCPLOGD_TIME.
jq_entries 'select(.MESSAGE | length > 1000) | .MESSAGE' \
    TCPLOGD_LISTENER=a > "$DIR/big.json"
[ "$(wc -l < "$DIR/big.json")" -eq 1 ] || fail "not one large entry"
printf '"a %s: %s"\n' "$pa" "$(cat "$DIR/big")" > "$DIR/big.expected"
cmp -s "$DIR/big.expected" "$DIR/big.json" ||
    fail "the 300000-byte record is not whole in the journal"
# TCPLOGD_TIME: text output's time, at most the journal's own stamp.
jq_entries '[.TCPLOGD_TIME, (.__REALTIME_TIMESTAMP | tonumber)]' \
    TCPLOGD_LISTENER=a > "$DIR/times"
[ "$(wc -l < "$DIR/times")" -eq 7 ] || fail "not 7 times: $(cat "$DIR/times")"
jq -e -s 'all(.[]; (.[0] | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$")) and
    ((.[0] | .[0:19] + "Z" | fromdateiso8601) * 1000000 +
    (.[0] | .[20:26] | tonumber) <= .[1]))' "$DIR/times" > /dev/null ||
    fail "TCPLOGD_TIME wrong or after the journal's time: $(cat "$DIR/times")"
grep -q 'journal: ' "$ERR" && fail "journal diagnostics: $(grep 'journal: ' "$ERR")"

# 2. journald stops reading: backpressure, nothing lost.
mv "$ERR" "$DIR/err1"
config_global syslog_ident=tcplogd-test
config_listener s output=journal events=no
start_daemon
kill -STOP "$JPID"
tsend_bg "$DIR/s.out" "$DIR/s.err" -v -n 30000 -s 100 127.0.0.1 \
    "$(port_of s)"
spid=$BG_PID
wait_match "$ERR" '^tcplogd: journal: output stalled' 30
kill -CONT "$JPID"
wait_pid "$spid" 60 || fail "tcplogd-send failed: $(cat "$DIR/s.err")"
wait_until 60 has_entries 30000 TCPLOGD_LISTENER=s ||
    fail "not 30000 entries of s: $(entries TCPLOGD_LISTENER=s)"
wait_match "$ERR" '^tcplogd: journal: output resumed'
journalctl -D /run/log/journal -o cat -a --no-pager TCPLOGD_LISTENER=s |
    sed 's/^s [^ ]*: //' > "$DIR/s.got"
awk 'BEGIN { for (i = 0; i < 30000; i++) { s = "c0-l" i " ";
    while (length(s) < 100) s = s "x"; print s } }' > "$DIR/s.expected"
expect_file "$DIR/s.expected" "$DIR/s.got"
counters_line listener s | grep -Eq ' pauses [1-9][0-9]* ' ||
    fail "listener s did not pause: $(grep 'listener s:' "$ERR")"
counters_line output journal |
    grep -Eq ' dropped 0 errors 0 stalls [1-9][0-9]* output_errors 0$' ||
    fail "journal counters: $(grep 'output journal:' "$ERR")"
stop_daemon

# 3. journald gone, then back.
mv "$ERR" "$DIR/err2"
stop_journald
start_daemon
printf 'lost one\nlost two\n' | tsend -e half -f - 127.0.0.1 \
    "$(port_of s)" || fail "tcplogd-send failed"
wait_match "$ERR" '^tcplogd: journal: cannot send to /run/systemd/journal/socket, dropping records until it works again: '
wait_until 10 sh -c "grep -q ' output_errors 2\$' \"$ERR\" ||
    { kill -USR1 $DPID; false; }" ||
    fail "not 2 output errors: $(grep 'output journal:' "$ERR")"
printf 'lost three\n' | tsend -e half -f - 127.0.0.1 "$(port_of s)" ||
    fail "tcplogd-send failed"
wait_until 10 sh -c "grep -q ' output_errors 3\$' \"$ERR\" ||
    { kill -USR1 $DPID; false; }" ||
    fail "not 3 output errors: $(grep 'output journal:' "$ERR")"
[ "$(grep -c 'journal: cannot send' "$ERR")" -eq 1 ] ||
    fail "the missing journal said more than once"
start_journald
wait_match "$ERR" '^tcplogd: journal: sending to /run/systemd/journal/socket again$'
printf 'back\n' | tsend -e half -f - 127.0.0.1 "$(port_of s)" ||
    fail "tcplogd-send failed"
wait_until 20 sh -c "journalctl -D /run/log/journal -o cat --no-pager \
    TCPLOGD_LISTENER=s | grep -q ': back\$'" ||
    fail "no record after journald came back"
if journalctl -D /run/log/journal -o cat --no-pager TCPLOGD_LISTENER=s |
    grep -q ': lost'; then
	fail "records sent while journald was gone reached it"
fi
stop_daemon
stop_journald
exit 0

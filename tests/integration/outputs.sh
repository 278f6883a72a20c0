#!/bin/sh
# outputs.sh: several outputs.  1. output = stdout, file: both get every
# record of concurrent clients, the same bytes.  2. A stalled stdout holds
# back only the listener writing to it: a file listener keeps serving.
# 3. Per-listener outputs (as root, in a private mount namespace with our
# tcplogd-syslog-recv at /dev/log, as in syslog.sh; otherwise this part
# is left out): listener app to syslog local0, listener audit to its own
# file, listener j to syslog local1 in JSON (without "time" even with
# timestamps = yes); each output gets its own listener's records only,
# and stdout nothing.

if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	TCPLOGD_IN_NS=no
	if [ "$(id -u)" -eq 0 ] &&
	    unshare -m --propagation private true 2>/dev/null; then
		TCPLOGD_IN_NS=yes
		export TCPLOGD_IN_NS
		exec unshare -m --propagation private /bin/sh "$0" "$@"
	fi
fi

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# 1. stdout and a file.
nconn=4
nline=5000
size=50
config_global timestamps=no
config_listener main 'output=stdout, file' "file=$DIR/out.log"
start_daemon
tsend -v -k 1500 -c "$nconn" -n "$nline" -s "$size" 127.0.0.1 \
    "$(port_of main)" > "$DIR/send.out" || fail "tcplogd-send failed"
wait_count "$OUT" ' disconnected ' "$nconn" 30
wait_count "$DIR/out.log" ' disconnected ' "$nconn" 30
stop_daemon
check_generated "$DIR/send.out" "$OUT" main "$nconn" "$nline" "$size"
check_generated "$DIR/send.out" "$DIR/out.log" main "$nconn" "$nline" "$size"
cmp "$OUT" "$DIR/out.log" || fail "stdout and the file differ"

# 2. stdout stalls (its reader is stopped): the stdout listener pauses,
# the file listener does not.
mv "$OUT" "$DIR/out1"
mv "$ERR" "$DIR/err1"
config_global timestamps=no
config_listener s
config_listener f output=file "file=$DIR/f.log"
fifo_reader
start_daemon
kill -STOP "$CAT_PID"
tsend_bg "$DIR/s.out" "$DIR/s.err" -v -c 4 -n 20000 -s 99 127.0.0.1 \
    "$(port_of s)"
s_pid=$BG_PID
wait_match "$ERR" '^tcplogd: stdout: output stalled \([0-9]+ bytes unwritten\), pausing 1 listener$' 30
printf 'still served\n' | tsend -e half -f - 127.0.0.1 "$(port_of f)" ||
    fail "the file listener does not serve while stdout stalls"
wait_match "$DIR/f.log" ': still served$'
grep -q 'output resumed' "$ERR" && fail "resumed with the reader stopped"
kill -CONT "$CAT_PID"
wait_pid "$s_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/s.err")"
wait_match "$ERR" '^tcplogd: stdout: output resumed$' 30
wait_count "$DIR/sink" ' disconnected ' 4 30
stop_daemon
wait_pid "$CAT_PID" 10
check_generated "$DIR/s.out" "$DIR/sink" s 4 20000 99
[ "$(wc -l < "$DIR/f.log")" -eq 3 ] || fail "f.log: $(cat "$DIR/f.log")"
unset DAEMON_STDOUT

if [ "$TCPLOGD_IN_NS" != yes ]; then
	log "per-listener syslog outputs not tested: needs root and unshare -m"
	exit 0
fi

# 3. Per-listener outputs, syslog captured at /dev/log.
[ -x "$TCPLOGD_SYSLOG_RECV" ] ||
    hard_error "TCPLOGD_SYSLOG_RECV: not an executable: $TCPLOGD_SYSLOG_RECV"
private_dev
"$TCPLOGD_SYSLOG_RECV" /dev/log "$DIR/syslog" &
recv_pid=$!
bg_track "$recv_pid"
wait_until 10 test -S /dev/log || fail "no socket at /dev/log"

mv "$ERR" "$DIR/err2"
config_global syslog_ident=tcplogd-test timestamps=no
config_listener app output=syslog syslog_facility=local0
config_listener audit output=file "file=$DIR/audit.log"
config_listener j output=syslog syslog_facility=local1 format=json \
    timestamps=yes
start_daemon
pid=$DPID

printf 'hello app\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of app)" \
    > "$DIR/app.out" || fail "tcplogd-send failed"
pa=$(peer_of "$DIR/app.out")
wait_lines "$DIR/syslog" 3
printf 'hello "j"\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of j)" \
    > "$DIR/j.out" || fail "tcplogd-send failed"
pj=$(peer_of "$DIR/j.out")
wait_lines "$DIR/syslog" 6
printf 'hello audit\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of audit)" \
    > "$DIR/audit.out" || fail "tcplogd-send failed"
pu=$(peer_of "$DIR/audit.out")
wait_match "$DIR/audit.log" ' disconnected '
stop_daemon
kill -TERM "$recv_pid"
wait_pid "$recv_pid" || fail "tcplogd-syslog-recv failed"

# 134 = local0.info, 142 = local1.info
sed -E "s/^<([0-9]+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] tcplogd-test\\[$pid\\]: /<\\1> /" \
    "$DIR/syslog" > "$DIR/syslog.msgs"
{
	echo "<134> app $pa connected"
	echo "<134> app $pa: hello app"
	echo "<134> app $pa disconnected (closed by peer) 1 records 10 bytes"
	echo "<142> {\"listener\":\"j\",$(jpeer "$pj"),\"event\":\"connected\"}"
	printf '%s\n' "<142> {\"listener\":\"j\",$(jpeer "$pj"),\"event\":\"data\",\"data\":\"hello \\\"j\\\"\"}"
	echo "<142> {\"listener\":\"j\",$(jpeer "$pj"),\"event\":\"disconnected\",\"reason\":\"closed by peer\",\"records\":1,\"bytes\":10}"
} > "$DIR/expected"
expect_file "$DIR/expected" "$DIR/syslog.msgs"
{
	echo "audit $pu connected"
	echo "audit $pu: hello audit"
	echo "audit $pu disconnected (closed by peer) 1 records 12 bytes"
} > "$DIR/expected.audit"
expect_file "$DIR/expected.audit" "$DIR/audit.log"
[ ! -s "$OUT" ] || fail "records on stdout: $(head -n 3 "$OUT")"
exit 0

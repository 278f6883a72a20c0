#!/bin/sh
# syslog.sh: output = syslog, captured for real: as root, in a private
# mount namespace whose /dev is a tmpfs with a few device nodes bound
# in and our tcplogd-syslog-recv at /dev/log.  Messages carry the
# listener's facility and priority, the ident and pid, and the record
# without TIME, in glibc's syslog(3) format.  Then a syslog daemon that
# stalls for 3 s: nothing is lost; one stopped under 30000 records: the
# output stalls, the listener pauses, nothing is lost; with no syslog
# daemon, tcplogd goes on, drops and counts the records (output_errors),
# says so once, and says when /dev/log works again; and the real
# rsyslogd (imuxsock at /dev/log, its own config) reads the messages as
# syslog(3)'s.  Nothing is changed outside the namespace.

if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: syslog: needs root for unshare -m" >&2
		exit 77
	fi
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "SKIP: syslog: unshare -m does not work here" >&2
		exit 77
	fi
	TCPLOGD_IN_NS=1
	export TCPLOGD_IN_NS
	exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

[ -x "$TCPLOGD_SYSLOG_RECV" ] ||
    hard_error "TCPLOGD_SYSLOG_RECV: not an executable: $TCPLOGD_SYSLOG_RECV"

# A private /dev where /dev/log is ours (lib.sh).
private_dev

# start_recv FILE [OPTS]: start the receiver at /dev/log writing FILE.
start_recv()
{
	sr_file=$1
	shift
	"$TCPLOGD_SYSLOG_RECV" "$@" /dev/log "$sr_file" &
	RECV_PID=$!
	bg_track "$RECV_PID"
	wait_until 10 test -S /dev/log || fail "no socket at /dev/log"
}

stop_recv()
{
	kill -TERM "$RECV_PID"
	wait_pid "$RECV_PID" || fail "tcplogd-syslog-recv failed"
}

# syslog_strip FILE PID: "<PRI>Mmm dd hh:mm:ss tcplogd-test[PID]: MSG" ->
# "<PRI> MSG"; any other line is kept as it is, so it shows up in a diff.
syslog_strip()
{
	sed -E "s/^<([0-9]+)>[A-Z][a-z]{2} [ 0-9][0-9] [0-2][0-9]:[0-5][0-9]:[0-6][0-9] tcplogd-test\\[$2\\]: /<\\1> /" "$1"
}

# 1. Facility, priority, ident, pid, escaping; stdout and syslog at once.
start_recv "$DIR/syslog"
config_global syslog_ident=tcplogd-test
config_listener a output=syslog
config_listener b 'output=stdout, syslog' syslog_facility=local3 \
    syslog_priority=warning timestamps=yes events=no
config_listener c output=syslog syslog_facility=user \
    syslog_priority=debug events=no
start_daemon
pid=$DPID

printf 'hello a\ntab\there\n' |
    tsend -v -e half -f - 127.0.0.1 "$(port_of a)" > "$DIR/a.out" ||
    fail "tcplogd-send failed"
pa=$(peer_of "$DIR/a.out")
printf 'hello b\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of b)" \
    > "$DIR/b.out" || fail "tcplogd-send failed"
pb=$(peer_of "$DIR/b.out")
printf 'hello c\nbye' | tsend -v -e half -f - 127.0.0.1 "$(port_of c)" \
    > "$DIR/c.out" || fail "tcplogd-send failed"
pc=$(peer_of "$DIR/c.out")
wait_lines "$DIR/syslog" 7
stop_daemon

# 30 = daemon.info, 156 = local3.warning, 15 = user.debug
{
	echo "<30> a $pa connected"
	echo "<30> a $pa: hello a"
	printf '<30> a %s: %s\n' "$pa" 'tab\there'
	echo "<30> a $pa disconnected (closed by peer) 2 records 17 bytes"
	echo "<156> b $pb: hello b"
	echo "<15> c $pc: hello c"
	echo "<15> c $pc [partial]: bye"
} > "$DIR/expected"
syslog_strip "$DIR/syslog" "$pid" > "$DIR/syslog.msgs"
expect_file "$DIR/expected" "$DIR/syslog.msgs"
# stdout: only b, with a timestamp.
[ "$(wc -l < "$OUT")" -eq 1 ] || fail "stdout: $(cat "$OUT")"
grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z b $pb: hello b\$" \
    "$OUT" || fail "stdout: $(cat "$OUT")"
stop_recv

# 2. A syslog daemon that stops reading for 3 s after the first message:
# the messages wait in tcplogd's queue, nothing is lost.
mv "$OUT" "$DIR/out1"
mv "$ERR" "$DIR/err1"
start_recv "$DIR/syslog2" -s 3
start_daemon
pid=$DPID
tsend -v -n 300 -s 30 127.0.0.1 "$(port_of a)" > "$DIR/a2.out" ||
    fail "tcplogd-send failed"
pa=$(peer_of "$DIR/a2.out")
wait_lines "$DIR/syslog2" 302 30
stop_daemon
stop_recv
syslog_strip "$DIR/syslog2" "$pid" > "$DIR/syslog2.msgs"
awk -v p="$pa" 'BEGIN {
	print "<30> a " p " connected"
	for (i = 0; i < 300; i++) {
		s = "c0-l" i " "
		while (length(s) < 30)
			s = s "x"
		print "<30> a " p ": " s
	}
	print "<30> a " p " disconnected (closed by peer) 300 records " \
	    "9300 bytes"
}' > "$DIR/expected2"
expect_file "$DIR/expected2" "$DIR/syslog2.msgs"

# counters_line WHAT NAME: SIGUSR1's line for output or listener NAME.
counters_line()
{
	cl_before=$(grep -c "^tcplogd: $1 $2: " "$ERR")
	kill -USR1 "$DPID"
	wait_count "$ERR" "^tcplogd: $1 $2: " $((cl_before + 1))
	grep "^tcplogd: $1 $2: " "$ERR" | tail -n 1
}

# 3. A syslog daemon stopped under 30000 records of 200 bytes (6 MB of
# messages, past the 4 MiB high water mark): the output stalls and the
# listener pauses; once it reads again every message is there, in order.
mv "$OUT" "$DIR/out2"
mv "$ERR" "$DIR/err2"
start_recv "$DIR/syslog3"
config_global syslog_ident=tcplogd-test
config_listener a output=syslog events=no
start_daemon
pid=$DPID
kill -STOP "$RECV_PID"
tsend_bg "$DIR/a3.out" "$DIR/a3.err" -v -n 30000 -s 200 127.0.0.1 \
    "$(port_of a)"
spid=$BG_PID
wait_match "$ERR" '^tcplogd: syslog: output stalled' 30
kill -CONT "$RECV_PID"
wait_pid "$spid" 60 || fail "tcplogd-send failed: $(cat "$DIR/a3.err")"
pa=$(peer_of "$DIR/a3.out")
wait_lines "$DIR/syslog3" 30000 60
wait_match "$ERR" '^tcplogd: syslog: output resumed'
counters_line listener a | grep -Eq ' pauses [1-9][0-9]* ' ||
    fail "listener a did not pause: $(grep 'listener a:' "$ERR")"
counters_line output syslog |
    grep -Eq ' dropped 0 errors 0 stalls [1-9][0-9]* output_errors 0$' ||
    fail "syslog counters: $(grep 'output syslog:' "$ERR")"
stop_daemon
stop_recv
syslog_strip "$DIR/syslog3" "$pid" > "$DIR/syslog3.msgs"
awk -v p="$pa" 'BEGIN {
	for (i = 0; i < 30000; i++) {
		s = "c0-l" i " "
		while (length(s) < 200)
			s = s "x"
		print "<30> a " p ": " s
	}
}' > "$DIR/expected3"
expect_file "$DIR/expected3" "$DIR/syslog3.msgs"

# 4. No syslog daemon at all: tcplogd serves on, drops and counts the
# messages, says so once; when /dev/log is back, it says so and sends.
[ ! -e /dev/log ] || fail "/dev/log left behind by tcplogd-syslog-recv"
mv "$OUT" "$DIR/out3"
mv "$ERR" "$DIR/err3"
config_global syslog_ident=tcplogd-test
config_listener a output=syslog events=no
config_listener b 'output=stdout, syslog' events=no
start_daemon
pid=$DPID
wait_match "$ERR" '^tcplogd: syslog: cannot send to /dev/log, dropping records until it works again: No such file or directory$'
printf 'into the void\n' | tsend -e half -f - 127.0.0.1 "$(port_of a)" ||
    fail "tcplogd-send failed"
printf 'still served\n' | tsend -e half -f - 127.0.0.1 "$(port_of b)" ||
    fail "tcplogd-send failed"
wait_match "$OUT" ' b [^ ]*: still served$'
counters_line output syslog | grep -q ' output_errors 2$' ||
    fail "not 2 output errors: $(grep 'output syslog:' "$ERR")"
[ "$(grep -c 'syslog: cannot send' "$ERR")" -eq 1 ] ||
    fail "the missing /dev/log said more than once"
start_recv "$DIR/syslog4"
wait_match "$ERR" '^tcplogd: syslog: sending to /dev/log again$'
printf 'heard again\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of a)" \
    > "$DIR/a4.out" || fail "tcplogd-send failed"
pa=$(peer_of "$DIR/a4.out")
wait_lines "$DIR/syslog4" 1
# A reload's syslog_ident applies to the open output.
sed 's/^syslog_ident = .*/syslog_ident = tcplogd-re/' "$CONF" > "$CONF.new"
mv "$CONF.new" "$CONF"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: '
printf 'renamed\n' | tsend -e half -f - 127.0.0.1 "$(port_of a)" ||
    fail "tcplogd-send failed"
wait_lines "$DIR/syslog4" 2
stop_daemon
stop_recv
echo "<30> a $pa: heard again" > "$DIR/expected4"
syslog_strip "$DIR/syslog4" "$pid" | head -n 1 > "$DIR/syslog4.msgs"
expect_file "$DIR/expected4" "$DIR/syslog4.msgs"
grep -Eq "^<30>[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} tcplogd-re\\[$pid\\]: a [^ ]+: renamed\$" \
    "$DIR/syslog4" || fail "no renamed ident: $(cat "$DIR/syslog4")"

# 5. The real rsyslogd at /dev/log (imuxsock, a private config, work
# and pid files in $DIR): it reads tcplogd's messages as syslog(3)'s,
# with their priority, tag (ident[pid]:) and text.
if ! command -v rsyslogd > /dev/null 2>&1; then
	log "rsyslogd is not installed: part 5 not run"
	exit 0
fi
mv "$OUT" "$DIR/out4"
mv "$ERR" "$DIR/err4"
mkdir "$DIR/rs" || hard_error "mkdir failed"
cat > "$DIR/rsyslog.conf" <<EOF
global(workDirectory="$DIR/rs")
module(load="imuxsock" SysSock.Name="/dev/log"
    SysSock.RateLimit.Interval="0")
template(name="t" type="string" string="%pri% %syslogtag%|%msg%\\n")
*.* action(type="omfile" file="$DIR/rsyslog.out" template="t")
EOF
rsyslogd -n -f "$DIR/rsyslog.conf" -i "$DIR/rs/pid" \
    > "$DIR/rsyslogd.out" 2>&1 &
RS_PID=$!
bg_track "$RS_PID"
wait_until 10 test -S /dev/log || fail "rsyslogd made no /dev/log"
config_global syslog_ident=tcplogd-test
config_listener a output=syslog syslog_facility=local5 \
    syslog_priority=notice
start_daemon
pid=$DPID
printf 'to rsyslog\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of a)" \
    > "$DIR/a5.out" || fail "tcplogd-send failed"
pa=$(peer_of "$DIR/a5.out")
wait_count "$DIR/rsyslog.out" "^173 tcplogd-test" 3
stop_daemon
kill -TERM "$RS_PID"
wait_pid "$RS_PID" || fail "rsyslogd failed: $(cat "$DIR/rsyslogd.out")"
{
	echo "173 tcplogd-test[$pid]:| a $pa connected"
	echo "173 tcplogd-test[$pid]:| a $pa: to rsyslog"
	echo "173 tcplogd-test[$pid]:| a $pa disconnected (closed by peer) 1 records 11 bytes"
} > "$DIR/expected5"
grep '^173 ' "$DIR/rsyslog.out" > "$DIR/rsyslog.msgs"
expect_file "$DIR/expected5" "$DIR/rsyslog.msgs"
exit 0

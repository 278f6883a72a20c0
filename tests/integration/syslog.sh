#!/bin/sh
# syslog.sh: output = syslog, captured for real: as root, in a private
# mount namespace whose /dev is a tmpfs with a few device nodes bound
# in and our tcplogd-syslog-recv at /dev/log.  Messages carry the
# listener's facility and priority, the ident and pid, and the record
# without TIME.  Then a syslog daemon that stalls for 3 s: nothing is
# lost; and with no syslog daemon, tcplogd goes on.  Nothing is changed
# outside the namespace.

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
# tcplogd blocks in syslog(3), holds the clients back, loses nothing.
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

# 3. No syslog daemon at all: glibc drops the messages, tcplogd serves on.
[ ! -e /dev/log ] || fail "/dev/log left behind by tcplogd-syslog-recv"
mv "$OUT" "$DIR/out2"
mv "$ERR" "$DIR/err2"
start_daemon
printf 'into the void\n' | tsend -e half -f - 127.0.0.1 "$(port_of a)" ||
    fail "tcplogd-send failed"
printf 'still served\n' | tsend -e half -f - 127.0.0.1 "$(port_of b)" ||
    fail "tcplogd-send failed"
wait_match "$OUT" ' b [^ ]*: still served$'
stop_daemon
exit 0

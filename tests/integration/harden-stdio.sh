#!/bin/sh
# harden-stdio.sh: tcplogd started with stdin, stdout or stderr closed
# (>&- and the like) points the missing ones at /dev/null before opening
# anything, so no descriptor of its own (the config, the event loop)
# becomes fd 0-2, and says once when output = stdout has nowhere to go.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# fd_is N TARGET: the daemon's descriptor N is TARGET.
fd_is()
{
	fi_t=$(readlink "/proc/$DPID/fd/$1") ||
	    fail "the daemon has no fd $1"
	[ "$fi_t" = "$2" ] || fail "the daemon's fd $1 is $fi_t, not $2"
}

[ -d /proc/self/fd ] || skip "no /proc"

# 1. stdout closed, output = stdout: one line says so; records are
# taken (no write errors, no stall) and the daemon stops cleanly.
config_global timestamps=no
config_listener main output=stdout
# shellcheck disable=SC2086 # the wrapper is a command line
$TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF" -P "$PORTS" 2> "$ERR" < /dev/null >&- &
DPID=$!
wait_until 20 daemon_started || fail "tcplogd did not start in time"
fd_is 1 /dev/null
n=$(grep -Fcx 'tcplogd: stdout was closed at start: output = stdout goes to /dev/null' "$ERR")
[ "$n" -eq 1 ] || fail "$n lines about the closed stdout, not 1: $(cat "$ERR")"
i=0
: > "$DIR/in"
while [ "$i" -lt 200 ]; do
	echo "line $i" >> "$DIR/in"
	i=$((i + 1))
done
tsend -f "$DIR/in" 127.0.0.1 "$(port_of main)" || fail "send failed"
kill -USR1 "$DPID"
wait_match "$ERR" 'records'
grep -q 'Invalid argument\|Bad file descriptor' "$ERR" &&
    fail "write errors on the closed stdout: $(cat "$ERR")"
stop_daemon

# 2. stdin and stderr closed, output = file: fd 0 and 2 are /dev/null,
# records reach the file.  valgrind will not start without a stderr, so
# under a wrapper only stdin is closed.
config_global timestamps=no
config_listener main output=file "file=$DIR/out.log"
rm -f "$PORTS"
if [ -z "$TCPLOGD_WRAPPER" ]; then
	"$TCPLOGD" -f "$CONF" -P "$PORTS" > "$OUT" <&- 2>&- &
else
	# shellcheck disable=SC2086 # the wrapper is a command line
	$TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF" -P "$PORTS" > "$OUT" <&- \
	    2> "$ERR" &
fi
DPID=$!
wait_until 20 has_lines "$PORTS" 1 || fail "no port file in time"
fd_is 0 /dev/null
[ -n "$TCPLOGD_WRAPPER" ] || fd_is 2 /dev/null
echo hello > "$DIR/in"
tsend -f "$DIR/in" 127.0.0.1 "$(port_of main)" || fail "send failed"
wait_match "$DIR/out.log" ': hello$'
kill -TERM "$DPID"
wait_pid "$DPID" 20
rc=$?
DPID=
[ "$rc" -eq 0 ] || fail "exit status $rc with stdin and stderr closed"
[ -z "$TCPLOGD_WRAPPER" ] || check_sanitizer "$ERR"
exit 0

#!/bin/sh
# socketact.sh: socket activation with systemd-socket-activate, which
# binds 127.0.0.1:PORT as descriptor 3 named "main" and execs tcplogd at
# the first connection.  tcplogd adopts it for [listener main] (which
# lists the same address, so it is not bound twice), binds the other
# listener itself, serves the waiting client, and keeps the socket over a
# reload.  Built without libsystemd, tcplogd says socket activation is
# unavailable instead.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v systemd-socket-activate > /dev/null ||
    skip "no systemd-socket-activate"
unavailable=
if grep -aq 'socket activation is not available' "$TCPLOGD"; then
	unavailable=1
fi

# sa_said: systemd-socket-activate has said whether it listens.
# shellcheck disable=SC2317 # called through wait_until
sa_said()
{
	grep -q 'Listening on\|Failed\|failed' "$ERR" 2>/dev/null
}

# systemd-socket-activate cannot take port 0: a fixed_port (lib.sh),
# the next when one is in use (another suite may run beside this one).
# The previous try's stderr is removed first, or its "Failed" could be
# read as this try's answer.
try=0
while :; do
	try=$((try + 1))
	[ "$try" -le 20 ] ||
	    hard_error "no free port for systemd-socket-activate"
	port=$(fixed_port "$try")
	config_global timestamps=no
	config_listener main "listen=127.0.0.1:$port"
	config_listener other
	rm -f "$ERR"
	# shellcheck disable=SC2086 # the wrapper is a command line
	systemd-socket-activate -l "127.0.0.1:$port" --fdname=main \
	    $TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF" -P "$PORTS" \
	    > "$OUT" 2> "$ERR" < /dev/null &
	DPID=$!
	wait_until 10 sa_said ||
	    hard_error "systemd-socket-activate said nothing"
	grep -q 'Listening on' "$ERR" && break
	wait "$DPID"
	DPID=
done

# The first connection starts tcplogd, which must then serve it.
printf 'hello\n' | tsend -e half -f - 127.0.0.1 "$port" > "$DIR/send.out" \
    2>&1 &
send_pid=$!
bg_track "$send_pid"

if [ -n "$unavailable" ]; then
	wait_match "$ERR" '^tcplogd: socket activation is not available \(built without libsystemd\): binding the listen addresses instead$'
	wait_pid "$DPID" 20
	rc=$?
	DPID=
	[ "$rc" -eq 1 ] || fail "exit status $rc, not 1, when the port is taken"
	exit 0
fi

wait_match "$ERR" "^tcplogd: listening: main 127\\.0\\.0\\.1:$port \\(from systemd\\)\$"
wait_match "$ERR" '^tcplogd: ready \(2 listeners\)$'
wait_pid "$send_pid" 20 || fail "the first client failed: $(cat "$DIR/send.out")"
wait_match "$OUT" '^main 127\.0\.0\.1:[0-9]+: hello$'
grep -q "^main 127.0.0.1:$port\$" "$PORTS" || fail "main not in $PORTS"
grep -q '^other 127\.0\.0\.1:[0-9]*$' "$PORTS" || fail "other not in $PORTS"

kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 2 listeners$'
printf 'after reload\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "the passed socket does not serve after a reload"
wait_match "$OUT" ': after reload$'
stop_daemon
exit 0

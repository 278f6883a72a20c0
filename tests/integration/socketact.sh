#!/bin/sh
# socketact.sh: socket activation with systemd-socket-activate, which
# binds 127.0.0.1:PORT and 127.0.0.1:PORT+1 as descriptors 3 and 4, both
# named "main", and execs tcplogd at the first connection.  tcplogd reads
# LISTEN_FDS by hand (activation.c), with libsystemd or without, and
# adopts both for [listener main]: PORT is in its listen = (so it is not
# bound twice), PORT+1 is not, which is said once, naming both, and
# served anyway.  tcplogd binds the other listener itself, serves the
# waiting client, and keeps both passed sockets over a reload.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v systemd-socket-activate > /dev/null ||
    skip "no systemd-socket-activate"

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
	port2=$((port + 1))
	rm -f "$ERR"
	# shellcheck disable=SC2086 # the wrapper is a command line
	systemd-socket-activate -l "127.0.0.1:$port" -l "127.0.0.1:$port2" \
	    --fdname=main:main \
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

wait_match "$ERR" "^tcplogd: listening: main 127\\.0\\.0\\.1:$port \\(from systemd\\)\$"
wait_match "$ERR" "^tcplogd: listening: main 127\\.0\\.0\\.1:$port2 \\(from systemd\\)\$"
wait_match "$ERR" '^tcplogd: ready \(2 listeners\)$'
n=$(grep -c "^tcplogd: listener main: the socket systemd passed for 127\\.0\\.0\\.1:$port2 is not in its listen = 127\\.0\\.0\\.1:$port: serving both\$" "$ERR")
[ "$n" -eq 1 ] || fail "$n warnings, not 1, about the passed 127.0.0.1:$port2"
if grep -q "passed for 127\\.0\\.0\\.1:$port is not" "$ERR"; then
	fail "a warning about 127.0.0.1:$port, which is in listen ="
fi
wait_pid "$send_pid" 20 || fail "the first client failed: $(cat "$DIR/send.out")"
wait_match "$OUT" '^main 127\.0\.0\.1:[0-9]+: hello$'
printf 'second\n' | tsend -e half -f - 127.0.0.1 "$port2" ||
    fail "the passed socket that is not in listen = does not serve"
wait_match "$OUT" '^main 127\.0\.0\.1:[0-9]+: second$'
grep -q "^main 127.0.0.1:$port\$" "$PORTS" || fail "main not in $PORTS"
grep -q '^other 127\.0\.0\.1:[0-9]*$' "$PORTS" || fail "other not in $PORTS"

kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 2 listeners$'
printf 'after reload\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "the passed socket does not serve after a reload"
wait_match "$OUT" ': after reload$'
printf 'second after reload\n' | tsend -e half -f - 127.0.0.1 "$port2" ||
    fail "the passed socket not in listen = does not serve after a reload"
wait_match "$OUT" ': second after reload$'
n=$(grep -c 'is not in its listen =' "$ERR")
[ "$n" -eq 1 ] || fail "the warning said $n times, not once"
stop_daemon
exit 0

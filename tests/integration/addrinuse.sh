#!/bin/sh
# addrinuse.sh: a second tcplogd on the port of the first exits 1 with a
# line naming the address, binds nothing and leaves the first serving;
# after a stop that leaves connections in TIME_WAIT, a new tcplogd binds
# the same port at once (SO_REUSEADDR).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

write_config timestamps=no
start_daemon
port=$(port_of main)

# run_second NAME: run tcplogd on $DIR/NAME.conf in the foreground; it
# must exit 1 naming 127.0.0.1:$port and write no port file.
run_second()
{
	# shellcheck disable=SC2086 # the wrapper is a command line
	timeout $((20 * scale)) $TCPLOGD_WRAPPER "$TCPLOGD" \
	    -f "$DIR/$1.conf" -P "$DIR/$1.ports" \
	    > "$DIR/$1.out" 2> "$DIR/$1.err" < /dev/null
	rs_rc=$?
	check_sanitizer "$DIR/$1.err"
	[ "$rs_rc" -eq 1 ] ||
	    fail "$1: exit status $rs_rc, not 1: $(cat "$DIR/$1.err")"
	grep -q "127\\.0\\.0\\.1:$port\\b.*in use" "$DIR/$1.err" ||
	    fail "$1: no line naming 127.0.0.1:$port in use:" \
	    "$(cat "$DIR/$1.err")"
	[ ! -e "$DIR/$1.ports" ] || fail "$1: wrote a port file"
	grep -q '^tcplogd: ready' "$DIR/$1.err" && fail "$1: said ready"
	[ ! -s "$DIR/$1.out" ] || fail "$1: wrote on stdout"
}

printf '[listener second]\nlisten = 127.0.0.1:%s\n' "$port" \
    > "$DIR/second.conf"
run_second second

# A daemon with a free address first and the busy one second.
printf '[listener a]\nlisten = 127.0.0.1:0\n[listener b]\nlisten = 127.0.0.1:%s\n' \
    "$port" > "$DIR/third.conf"
run_second third

# The first one still serves.
printf 'still here\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$OUT" ': still here$'

# A client still connected at the stop: tcplogd closes first, so its
# side of the connection stays in TIME_WAIT on $port.
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -e hold 127.0.0.1 "$port"
hold_pid=$BG_PID
wait_match "$DIR/hold.out" '^c0 connected '
wait_match "$OUT" ' connected$'
stop_daemon
wait_pid "$hold_pid" || fail "the holding client failed"

mv "$OUT" "$DIR/first.out"
mv "$ERR" "$DIR/first.err"
cp "$DIR/second.conf" "$CONF"
start_daemon
[ "$(port_of second)" = "$port" ] || fail "wrong port: $(cat "$PORTS")"
stop_daemon
exit 0

#!/bin/sh
# dualstack.sh: a dual-stack socket passed by systemd ([::]:PORT, as
# ListenStream=[::]:P or a bare port gives) delivers IPv4 clients as
# ::ffff:a.b.c.d; tcplogd makes them the IPv4 addresses they are, in
# records, diagnostics and allow/deny.  systemd-socket-activate passes
# two such sockets: deny4 (deny = 127.0.0.0/8) must refuse 127.0.0.1,
# allow4 (allow = 127.0.0.0/8) must let it in, and refuse ::1.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v systemd-socket-activate > /dev/null ||
    skip "no systemd-socket-activate"
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
    2>/dev/null || skip "no IPv6 on this host"

# sa_said: systemd-socket-activate has said whether it listens.
# shellcheck disable=SC2317 # called through wait_until
sa_said()
{
	grep -q 'Listening on\|Failed\|failed' "$ERR" 2>/dev/null
}

# Two fixed_ports (lib.sh), as socketact.sh.
try=0
while :; do
	try=$((try + 1))
	[ "$try" -le 20 ] || hard_error "no free ports"
	p1=$(fixed_port "$try")
	p2=$((p1 + 1))
	config_global timestamps=no
	config_listener deny4 "listen=[::]:$p1" 'deny=127.0.0.0/8'
	config_listener allow4 "listen=[::]:$p2" 'allow=127.0.0.0/8'
	rm -f "$ERR"
	# shellcheck disable=SC2086 # the wrapper is a command line
	systemd-socket-activate -l "[::]:$p1" -l "[::]:$p2" \
	    --fdname=deny4:allow4 \
	    $TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF" -P "$PORTS" \
	    > "$OUT" 2> "$ERR" < /dev/null &
	DPID=$!
	wait_until 10 sa_said ||
	    hard_error "systemd-socket-activate said nothing"
	grep -q 'Listening on' "$ERR" && break
	wait "$DPID"
	DPID=
done

printf 'v4 in\n' | tsend -e half -v -f - 127.0.0.1 "$p2" > "$DIR/in.send" \
    2>&1 || fail "allow4: $(cat "$DIR/in.send")"
wait_match "$ERR" '^tcplogd: ready \(2 listeners\)$'
peer=$(peer_of "$DIR/in.send")
wait_match "$OUT" "^allow4 $peer disconnected "
grep -q "^allow4 $peer: v4 in\$" "$OUT" || fail "allow4: $(cat "$OUT")"
grep -q 'ffff' "$OUT" && fail "a mapped address in the records: $(cat "$OUT")"

printf 'v4 out\n' | tsend -e half -f - 127.0.0.1 "$p1" > /dev/null 2>&1
wait_match "$ERR" '^tcplogd: listener deny4: refused 127\.0\.0\.1:[0-9]+ \(not allowed by allow/deny\)$'
printf 'v6 out\n' | tsend -e half -f - ::1 "$p2" > /dev/null 2>&1
wait_match "$ERR" '^tcplogd: listener allow4: refused \[::1\]:[0-9]+ \(not allowed by allow/deny\)$'
grep -q 'out$' "$OUT" && fail "a refused client was served: $(cat "$OUT")"
grep -q 'ffff' "$ERR" && fail "a mapped address in the diagnostics"
stop_daemon
exit 0

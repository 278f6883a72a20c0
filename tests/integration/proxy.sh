#!/bin/sh
# proxy.sh: PROXY protocol headers made by hand, for what HAProxy never
# sends.  A v1 and a v2 header, each sent whole and byte by byte: the
# records name the client, JSON adds "proxy" (the balancer), the header
# is never data.  Health checks (a bare connect and close, v1 UNKNOWN,
# v2 LOCAL) write nothing and are counted.  Every kind of bad header, a
# header cut short and one too slow write nothing, are counted as
# proxy_errors and said at most once a second.  A connection from
# outside proxy_from is refused.  allow, deny and max_per_peer act on the
# client the header names, not on the balancer.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=no format=json
config_listener main proxy_protocol=any proxy_from=127.0.0.1/32 \
    proxy_timeout=2 'deny=192.0.2.0/24' max_per_peer=1
config_listener v1only proxy_protocol=v1 proxy_from=127.0.0.1/32
config_listener other proxy_protocol=v2 proxy_from=127.0.0.2/32
start_daemon
port=$(port_of main)

# send NAME [TSEND ARGS...]: the bytes of $DIR/NAME to main, half-close,
# and wait until tcplogd has closed: its records are written then.
send()
{
	s_name=$1
	shift
	tsend -e half -v "$@" -f "$DIR/$s_name" 127.0.0.1 "$port" \
	    > "$DIR/$s_name.send" 2>&1 ||
	    fail "$s_name: tcplogd-send failed: $(cat "$DIR/$s_name.send")"
}

# counter NAME: the last value of listener main's counter NAME, after a
# SIGUSR1 written out (the nth counters line, n counted here).
nusr1=0
counter()
{
	nusr1=$((nusr1 + 1))
	kill -USR1 "$DPID"
	wait_count "$ERR" '^tcplogd: listener main: ' "$nusr1"
	grep '^tcplogd: listener main: ' "$ERR" | tail -n 1 |
	    awk -v k="$1" '{ for (i = 4; i < NF; i++) if ($i == k) print $(i + 1) }'
}

# 1. A v1 header, then lines: the client is the peer.
printf 'PROXY TCP4 198.51.100.7 203.0.113.1 40001 514\r\none\ntwo\n' \
    > "$DIR/v1"
send v1
balancer=$(awk '$1 == "c0" && $2 == "connected" { print $3 }' "$DIR/v1.send")
[ -n "$balancer" ] || hard_error "no local address from tcplogd-send"
wait_count "$OUT" '"event":"disconnected"' 1
check_json "$OUT"
grep -q "^{\"listener\":\"main\",$(jpeer 198.51.100.7:40001),\"proxy\":\"$balancer\",\"event\":\"connected\"}\$" "$OUT" ||
    fail "v1: connected record: $(head -n 1 "$OUT")"
grep -q '"peer":"198.51.100.7:40001","peer_ip":"198.51.100.7","peer_port":40001,"proxy":"[^"]*","event":"data","data":"one"}$' "$OUT" ||
    fail "v1: data: $(cat "$OUT")"
grep -q '"data":"two"}$' "$OUT" || fail "v1: data: $(cat "$OUT")"
grep -q 'PROXY' "$OUT" && fail "the header became data: $(cat "$OUT")"
grep -q '"reason":"closed by peer","records":2,"bytes":8}$' "$OUT" ||
    fail "v1: the header counted as bytes: $(tail -n 1 "$OUT")"

# 2. The same byte by byte, and a v2 header (TCP over IPv6) slowly.
printf 'PROXY TCP6 2001:db8::5 2001:db8::1 40002 514\r\nslow\n' > "$DIR/v1s"
send v1s -k 1 -d 2
printf '\r\n\r\n\000\r\nQUIT\n\041\041\000\044' > "$DIR/v2"
printf '\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\011' \
    >> "$DIR/v2"
printf '\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001' \
    >> "$DIR/v2"
printf '\234\103\002\002v2 line\n' >> "$DIR/v2"
send v2 -k 3 -d 2
wait_count "$OUT" '"event":"disconnected"' 3
grep -q '"peer":"\[2001:db8::5\]:40002","peer_ip":"2001:db8::5","peer_port":40002,"proxy":"[^"]*","event":"data","data":"slow"}$' "$OUT" ||
    fail "v1 byte by byte: $(cat "$OUT")"
grep -q '"peer":"\[2001:db8::9\]:40003","peer_ip":"2001:db8::9","peer_port":40003,"proxy":"[^"]*","event":"data","data":"v2 line"}$' "$OUT" ||
    fail "v2: $(cat "$OUT")"

# 3. Health checks: no record, counted.
: > "$DIR/empty"
send empty
printf 'PROXY UNKNOWN\r\n' > "$DIR/unknown"
send unknown
printf '\r\n\r\n\000\r\nQUIT\n\040\000\000\000' > "$DIR/local"
send local
[ "$(counter health_checks)" -eq 3 ] ||
    fail "health checks counted: $(tail -n 2 "$ERR")"
[ "$(grep -c . "$OUT")" -eq 10 ] || fail "records of health checks: $(cat "$OUT")"

# 4. Bad headers: no record, counted, said.
i=0
for h in 'GET / HTTP/1.0\r\n\r\n' 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n' \
    'PROXY TCP4 1.2.3.400 5.6.7.8 1 2\r\n' 'PROXY TCP4 ::1 ::1 1 2\r\n' \
    'PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n' 'PROXY TCP5 a b 1 2\r\n' \
    'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n' \
    '\r\n\r\n\000\r\nQUIX\n\041\021\000\014' \
    '\r\n\r\n\000\r\nQUIT\n\061\021\000\014' \
    '\r\n\r\n\000\r\nQUIT\n\041\021\000\013' \
    '\r\n\r\n\000\r\nQUIT\n\041\021\377\377' \
    'PROXY UNKNOWN 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n' \
    'PROXY TCP4 1.2.3.4'; do
	i=$((i + 1))
	# shellcheck disable=SC2059 # the escapes are the point
	printf "$h" > "$DIR/bad$i"
	printf 'data\n' >> "$DIR/bad$i"
	[ "$i" -eq 13 ] && printf 'PROXY TCP4 1.2.3.4' > "$DIR/bad$i"
	# tcplogd may close (and so reset) before the client is done.
	tsend -e half -f "$DIR/bad$i" 127.0.0.1 "$port" > /dev/null 2>&1
done
[ "$(counter proxy_errors)" -eq "$i" ] ||
    fail "proxy_errors: $(grep 'listener main' "$ERR" | tail -n 1)"
[ "$(grep -c . "$OUT")" -eq 10 ] || fail "records of bad headers: $(tail -n 3 "$OUT")"
# shellcheck disable=SC2317 # called through wait_until
all_said()
{
	[ "$(notes_said main '[^()]*PROXY[^()]*')" -eq "$i" ]
}
wait_until 10 all_said ||
    fail "not every bad header said: $(grep 'main: ' "$ERR")"
grep -Eq "^tcplogd: main: 127\\.0\\.0\\.1:[0-9]+: no PROXY header\$" "$ERR" ||
    fail "no diagnostic naming the balancer: $(grep 'main: ' "$ERR")"

# 5. Too slow: the header not complete within proxy_timeout.
printf 'PROXY TCP4 1.2.3.4 ' > "$DIR/slow"
tsend -e hold -f "$DIR/slow" 127.0.0.1 "$port" > "$DIR/slow.send" 2>&1 ||
    fail "slow: $(cat "$DIR/slow.send")"
wait_match "$ERR" '^tcplogd: main: 127\.0\.0\.1:[0-9]+: no complete PROXY header within 2 s$'
[ "$(counter proxy_errors)" -eq $((i + 1)) ] || fail "a timeout not counted"

# 6. The client is what allow, deny and max_per_peer see.
printf 'PROXY TCP4 192.0.2.44 203.0.113.1 5000 514\r\ndenied\n' > "$DIR/deny"
send deny
wait_match "$ERR" '^tcplogd: listener main: refused 192\.0\.2\.44:5000 \(not allowed by allow/deny\)$'
printf 'PROXY TCP4 198.51.100.8 203.0.113.1 5001 514\r\nfirst\n' > "$DIR/p1"
tsend_bg "$DIR/p1.send" "$DIR/p1.err" -v -e hold -f "$DIR/p1" 127.0.0.1 "$port"
hold_pid=$BG_PID
wait_match "$OUT" '"peer":"198.51.100.8:5001",.*"data":"first"'
printf 'PROXY TCP4 198.51.100.8 203.0.113.1 5002 514\r\nsecond\n' > "$DIR/p2"
send p2
wait_match "$ERR" '^tcplogd: listener main: refused 198\.51\.100\.8:5002 \(max_per_peer reached\)$'
grep -q '"data":"second"' "$OUT" && fail "max_per_peer let the second in"
grep -q '"data":"denied"' "$OUT" && fail "deny let the client in"
# Other clients from the same balancer are not held back by it.
printf 'PROXY TCP4 198.51.100.9 203.0.113.1 5003 514\r\nthird\n' > "$DIR/p3"
send p3
grep -q '"peer":"198.51.100.9:5003",.*"data":"third"' "$OUT" ||
    fail "a second client of one balancer was refused"
[ "$(counter refused)" -eq 2 ] || fail "refused clients not counted"
kill "$hold_pid"

# 7. v1only takes no v2 header; other takes no one from 127.0.0.1.
p_v1=$(port_of v1only)
printf '\r\n\r\n\000\r\nQUIT\n\040\000\000\000' > "$DIR/v2local"
tsend -e half -f "$DIR/v2local" 127.0.0.1 "$p_v1" > /dev/null 2>&1
wait_match "$ERR" '^tcplogd: v1only: 127\.0\.0\.1:[0-9]+: no PROXY v1 header$'
p_o=$(port_of other)
tsend -e half -f "$DIR/v2local" 127.0.0.1 "$p_o" > /dev/null 2>&1
wait_match "$ERR" '^tcplogd: listener other: refused 127\.0\.0\.1:[0-9]+ \(not in proxy_from\)$'
tsend -e half -B 127.0.0.2 -f "$DIR/v2local" 127.0.0.1 "$p_o" > /dev/null 2>&1
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener other: accepted 1 refused 1 .* health_checks 1 proxy_errors 0$'

stop_daemon
check_json "$OUT"
exit 0

#!/bin/sh
# proxy-haproxy.sh: two tcplogd behind the real HAProxy (Debian's
# haproxy, mode tcp, balance roundrobin, health checks on), one backend
# server with send-proxy (tcplogd: proxy_protocol = v1), the other with
# send-proxy-v2 (proxy_protocol = any).  1000 clients of 100 lines each:
# every line arrives exactly once, in order per client, and every
# record's peer is the client's own address and port as the client's
# getsockname() saw it (check_generated), not HAProxy's.  The health
# checks (a PROXY header without a client) make no record and are
# counted.  Then the same with IPv6 clients to the IPv4 backends, when
# the host has ::1.

TEST_TIMEOUT=240
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd haproxy

nconn=$(load 1000 50)
nline=100
size=40

# The first tcplogd is the lib.sh daemon; the second runs beside it.
write_config timestamps=no proxy_protocol=v1 proxy_from=127.0.0.1/32
start_daemon
p1=$(port_of main)

CONF2=$DIR/t2.conf
OUT2=$DIR/t2.out
ERR2=$DIR/t2.err
PORTS2=$DIR/t2.ports
cat > "$CONF2" <<EOF
[listener main]
listen = 127.0.0.1:0
timestamps = no
proxy_protocol = any
proxy_from = 127.0.0.0/8
EOF
# shellcheck disable=SC2086 # the wrapper is a command line
$TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF2" -P "$PORTS2" > "$OUT2" 2> "$ERR2" \
    < /dev/null &
T2PID=$!
bg_track "$T2PID"
t2_ready()
{
	[ -s "$PORTS2" ] && grep -q '^tcplogd: ready (' "$ERR2"
}
wait_until 20 t2_ready || fail "the second tcplogd did not start"
p2=$(awk '{ sub(/.*:/, "", $2); print $2; exit }' "$PORTS2")

v6=
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 \
    2>/dev/null && v6=1

# haproxy_cfg PORT: the balancer: roundrobin over t1 (v1) and t2 (v2),
# checks every 100 ms.
haproxy_cfg()
{
	cat <<EOF
global
	maxconn 4096
	pidfile $DIR/haproxy.pid

defaults
	mode tcp
	maxconn 4096
	timeout connect 10s
	timeout client 120s
	timeout server 120s

frontend fe
	bind 127.0.0.1:$1
EOF
	[ -n "$v6" ] && printf '\tbind [::1]:%s\n' "$1"
	cat <<EOF
	default_backend be

backend be
	balance roundrobin
	server t1 127.0.0.1:$p1 send-proxy check inter 100ms
	server t2 127.0.0.1:$p2 send-proxy-v2 check inter 100ms
EOF
}
start_haproxy haproxy_cfg
hport=$HPORT

# Both backends have been checked (a header without a client each time),
# and the checks left no record.
checked()
{
	kill -USR1 "$DPID" "$T2PID"
	has_match "$ERR" 'health_checks [1-9]' &&
	    has_match "$ERR2" 'health_checks [1-9]'
}
wait_until 10 checked || fail "no health check counted"
[ ! -s "$OUT" ] || fail "records from health checks: $(head -n 3 "$OUT")"
[ ! -s "$OUT2" ] || fail "records from health checks: $(head -n 3 "$OUT2")"

# run HOST OUT: the clients through HAProxy; their records, both
# backends' together (a connection's records are all in one), after the
# lines the daemons had written before.
run()
{
	n1=$(wc -l < "$OUT")
	n2=$(wc -l < "$OUT2")
	tsend -t $((120 * scale)) -v -c "$nconn" -n "$nline" -s "$size" \
	    "$1" "$hport" > "$DIR/send.out" || fail "tcplogd-send failed"
	[ "$(grep -c ' done$' "$DIR/send.out")" -eq "$nconn" ] ||
	    fail "not every connection of tcplogd-send finished"
	all_closed()
	{
		tail -n +$((n1 + 1)) "$OUT" > "$DIR/t1.recs"
		tail -n +$((n2 + 1)) "$OUT2" > "$DIR/t2.recs"
		[ $(($(grep -c ' disconnected ' "$DIR/t1.recs") + \
		    $(grep -c ' disconnected ' "$DIR/t2.recs"))) -ge "$nconn" ]
	}
	wait_until 60 all_closed || fail "not every connection ended"
	cat "$DIR/t1.recs" "$DIR/t2.recs" > "$2"
	check_generated "$DIR/send.out" "$2" main "$nconn" "$nline" "$size"
	# Round robin: both backends took clients, with the header of each.
	grep -q ' connected$' "$DIR/t1.recs" || fail "no client reached t1 (v1)"
	grep -q ' connected$' "$DIR/t2.recs" || fail "no client reached t2 (v2)"
}

run 127.0.0.1 "$DIR/v4.recs"
grep -q "^main 127\\.0\\.0\\.1:$hport" "$DIR/v4.recs" &&
    fail "a record names HAProxy's frontend"

if [ -n "$v6" ]; then
	run ::1 "$DIR/v6.recs"
	grep -Eq '^main \[::1\]:[0-9]+ connected$' "$DIR/v6.recs" ||
	    fail "no IPv6 client in the records"
fi

# The counters: no PROXY error, every client accepted.
kill -USR1 "$DPID" "$T2PID"
wait_until 10 has_match "$ERR2" ' proxy_errors ' ||
    fail "no counters from t2"
for e in "$ERR" "$ERR2"; do
	grep -q 'proxy_errors [1-9]' "$e" &&
	    fail "PROXY errors: $(grep 'proxy_errors' "$e" | tail -n 1)"
	grep -q ' refused [1-9]' "$e" && fail "refused: $(tail -n 3 "$e")"
done

kill -TERM "$HPID"
kill -TERM "$T2PID"
wait_pid "$T2PID" 20 || fail "the second tcplogd exited with status $?"
check_sanitizer "$ERR2"
stop_daemon
exit 0

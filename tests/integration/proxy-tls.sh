#!/bin/sh
# proxy-tls.sh: the PROXY header comes before the TLS handshake (HAProxy
# in TCP mode with send-proxy-v2 in front of a TLS listener, the client's
# TLS passing through it).  openssl s_client through the real HAProxy,
# with a client certificate: the records name the client (not HAProxy),
# JSON says which balancer passed it ("proxy") and which certificate
# sent it ("tls_client"), and HAProxy's health checks (LOCAL headers,
# no TLS at all) are counted as health checks, not as TLS failures.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_cmd haproxy
tls_make_certs

config_global timestamps=no format=json
tls_listener main tls_verify_client=require proxy_protocol=v2 \
    proxy_from=127.0.0.1/32
start_daemon
p1=$(port_of main)

# haproxy_cfg PORT: one backend server, the TLS listener.
haproxy_cfg()
{
	cat <<EOF
global
	maxconn 100
	pidfile $DIR/haproxy.pid

defaults
	mode tcp
	timeout connect 10s
	timeout client 60s
	timeout server 60s

frontend fe
	bind 127.0.0.1:$1
	default_backend be

backend be
	server t1 127.0.0.1:$p1 send-proxy-v2 check inter 100ms
EOF
}
start_haproxy haproxy_cfg

# At least one check came and went: no record, no TLS failure.
# shellcheck disable=SC2317 # called through wait_until
checked()
{
	[ "$(counter_of main health_checks)" -ge 1 ]
}
wait_until 10 checked || fail "no health check counted"

echo 'through haproxy' | timeout $((20 * scale)) openssl s_client \
    -connect "127.0.0.1:$HPORT" -servername localhost \
    -verify_hostname localhost -CAfile "$PKI/ca.pem" -verify_return_error \
    -quiet -no_ign_eof -cert "$PKI/app1.pem" -key "$PKI/app1.key" \
    > "$DIR/sc.out" 2> "$DIR/sc.err" ||
    fail "s_client through HAProxy: $(cat "$DIR/sc.err")"
wait_match "$OUT" '"event":"disconnected"'
check_json "$OUT"
[ "$(grep -c . "$OUT")" -eq 3 ] || fail "not 3 records: $(cat "$OUT")"
grep -Eq '^\{"listener":"main","peer":"127\.0\.0\.1:[0-9]+","peer_ip":"127\.0\.0\.1","peer_port":[0-9]+,"proxy":"127\.0\.0\.1:[0-9]+","event":"connected","tls_client":"CN=app1\.example\.com","tls":\{"version":"TLSv1\.3",' \
    "$OUT" || fail "connected: $(head -n 1 "$OUT")"
grep -q '"tls_client":"CN=app1.example.com","data":"through haproxy"}$' \
    "$OUT" || fail "data: $(cat "$OUT")"
# The peer is the client's side of its connection to HAProxy, the proxy
# HAProxy's side of its connection to tcplogd: not the same.
peer=$(sed -n '1s/.*"peer":"\([^"]*\)".*/\1/p' "$OUT")
proxy=$(sed -n '1s/.*"proxy":"\([^"]*\)".*/\1/p' "$OUT")
[ "$peer" != "$proxy" ] || fail "the peer is HAProxy's: $peer"
[ "$peer" != "127.0.0.1:$HPORT" ] || fail "the peer is the frontend"
[ "$(counter_of main tls_failures)" -eq 0 ] ||
    fail "health checks counted as TLS failures: $(counters_now main)"
[ "$(counter_of main proxy_errors)" -eq 0 ] ||
    fail "PROXY errors: $(counters_now main)"

kill -TERM "$HPID"
stop_daemon
exit 0

#!/bin/sh
# tls-rsyslog.sh: rsyslog as a private TLS forwarder (its own config, pid
# file and work directory in $DIR, in the foreground, no system socket:
# its only input is imfile reading a file of N numbered lines) sends
# every line with omfwd and its OpenSSL stream driver (StreamDriver
# "ossl", mode 1, auth mode x509/name: it checks that tcplogd's
# certificate names localhost) and a client certificate, octet-counted,
# to a listener with tls_verify_client = require and tls_allowed_names =
# *.example.com, JSON, parse = syslog; and with LF framing (rsyslog's
# traditional template) to a listener with mode = syslog, which must
# find the framing in the decrypted stream.  Every line arrives exactly once
# and in order, each record carries tls_client, the connected event
# names the client's certificate (subject, SAN, verified), rsyslog's
# close at its SIGTERM is a close_notify ("closed by peer"), and nothing
# is counted as a TLS failure or a framing or parse error.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_jq
need_cmd rsyslogd
[ -f /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so ] ||
    find /usr/lib -name lmnsd_ossl.so 2>/dev/null | grep -q . ||
    skip "rsyslog's OpenSSL driver (rsyslog-openssl) is not installed"
tls_make_certs

n=$(load 10000 100)
config_global timestamps=no parse=syslog format=json output=file
tls_listener t mode=octet-counted "file=$DIR/t.json" \
    tls_verify_client=require 'tls_allowed_names=*.example.com'
tls_listener s mode=syslog "file=$DIR/s.json" tls_verify_client=require
start_daemon

awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "seq %06d caf\303\251 over TLS\n", i
}' > "$DIR/in.txt"
mkdir "$DIR/rs" || hard_error "mkdir failed"
cat > "$DIR/rs/rsyslog.conf" <<EOF
global(workDirectory="$DIR/rs" localHostName="fwdhost"
    DefaultNetstreamDriver="ossl"
    DefaultNetstreamDriverCAFile="$PKI/ca.pem"
    DefaultNetstreamDriverCertFile="$PKI/app1.pem"
    DefaultNetstreamDriverKeyFile="$PKI/app1.key")
module(load="imfile")
input(type="imfile" File="$DIR/in.txt" Tag="seqapp:" Facility="local3"
    Severity="notice" freshStartTail="off")
if \$programname == "seqapp" then {
	action(type="omfwd" name="tls" target="127.0.0.1" port="$(port_of t)"
	    protocol="tcp" TCP_Framing="octet-counted"
	    template="RSYSLOG_SyslogProtocol23Format"
	    StreamDriver="ossl" StreamDriverMode="1"
	    StreamDriverAuthMode="x509/name"
	    StreamDriverPermittedPeers="localhost")
	action(type="omfwd" name="tls-lf" target="127.0.0.1" port="$(port_of s)"
	    protocol="tcp" TCP_Framing="traditional"
	    StreamDriver="ossl" StreamDriverMode="1"
	    StreamDriverAuthMode="x509/name"
	    StreamDriverPermittedPeers="localhost")
	stop
}
action(type="omfile" file="$DIR/rs/other.log")
EOF
rsyslogd -N1 -f "$DIR/rs/rsyslog.conf" > "$DIR/rs/check.out" 2>&1 ||
    fail "rsyslogd -N1: $(cat "$DIR/rs/check.out")"
rsyslogd -n -f "$DIR/rs/rsyslog.conf" -i "$DIR/rs/rsyslogd.pid" \
    > "$DIR/rs/rsyslogd.out" 2>&1 < /dev/null &
RS_PID=$!
bg_track "$RS_PID"

wait_count "$DIR/t.json" '"event":"data"' "$n" 60
wait_count "$DIR/s.json" '"event":"data"' "$n" 60
kill -TERM "$RS_PID"
wait_pid "$RS_PID" 20 || fail "rsyslogd failed: $(cat "$DIR/rs/rsyslogd.out")"
wait_match "$DIR/t.json" '"event":"disconnected"'
wait_match "$DIR/s.json" '"event":"disconnected"'
stop_daemon
if [ -s "$DIR/rs/other.log" ]; then
	log "rsyslogd said:"
	head -n 20 "$DIR/rs/other.log"
fi

check_json "$DIR/t.json"
# Every line once, in order, parsed, from the verified client.
jq -r 'select(.event == "data") |
	if .tls_client != "CN=app1.example.com" then "no tls_client: \(tojson)"
	elif .syslog.app_name != "seqapp" or .syslog.hostname != "fwdhost"
	then "wrong fields: \(tojson)"
	else .syslog.msg end' < "$DIR/t.json" > "$DIR/t.msgs" ||
    fail "jq failed"
if ! cmp -s "$DIR/in.txt" "$DIR/t.msgs"; then
	diff "$DIR/in.txt" "$DIR/t.msgs" | head -n 20 >&2
	fail "not the lines sent, once each and in order"
fi
# One connection: connected with the certificate, then disconnected.
jq -c 'select(.event != "data") | del(.peer, .peer_ip, .peer_port)' < "$DIR/t.json" \
    > "$DIR/t.events"
jq -r '.tls.version' < "$DIR/t.events" | head -n 1 | grep -Eqx 'TLSv1\.[23]' ||
    fail "no TLS version in the connected event: $(head -n 1 "$DIR/t.events")"
jq -S -c 'del(.tls.version, .tls.cipher, .reason)' < "$DIR/t.events" \
    > "$DIR/t.events.got"
sub='"CN=app1.example.com"'
cat > "$DIR/t.events.want" <<EOF
{"listener":"t","event":"connected","tls":{"client_subject":$sub,"client_san":["app1.example.com"],"client_verified":true},"tls_client":$sub}
{"listener":"t","event":"disconnected","records":$n,"tls_client":$sub}
EOF
jq -S -c . < "$DIR/t.events.want" > "$DIR/t.events.want.s"
# bytes depend on the timestamps rsyslog wrote: not compared.
jq -S -c 'del(.bytes)' < "$DIR/t.events.got" > "$DIR/t.events.got.s"
expect_file "$DIR/t.events.want.s" "$DIR/t.events.got.s"
# rsyslog ends its TLS connection with a close_notify.
reason=$(jq -r 'select(.event == "disconnected") | .reason' < "$DIR/t.json")
[ "$reason" = "closed by peer" ] ||
    fail "rsyslog's connection ended with reason \"$reason\""
log "rsyslog spoke $(jq -r 'select(.event == "connected") |
    "\(.tls.version) \(.tls.cipher)"' < "$DIR/t.json")"
grep -Eq "^tcplogd: listener t: .* framing_errors 0 parse_errors 0 tls_failures 0( |\$)" \
    "$ERR" || fail "errors counted: $(grep "listener t:" "$ERR")"
# mode = syslog finds LF framing (traditional template) after the
# handshake: the same lines, parsed.
check_json "$DIR/s.json"
jq -r 'select(.event == "data") |
	if .tls_client != "CN=app1.example.com" then "no tls_client: \(tojson)"
	elif .syslog.app_name != "seqapp" then "wrong fields: \(tojson)"
	else .syslog.msg end' < "$DIR/s.json" > "$DIR/s.msgs" ||
    fail "jq failed"
if ! cmp -s "$DIR/in.txt" "$DIR/s.msgs"; then
	diff "$DIR/in.txt" "$DIR/s.msgs" | head -n 20 >&2
	fail "s: not the lines sent, once each and in order"
fi
grep -Eq "^tcplogd: listener s: .* framing_errors 0 parse_errors 0 tls_failures 0( |\$)" \
    "$ERR" || fail "errors counted: $(grep "listener s:" "$ERR")"
exit 0

#!/bin/sh
# tls-privdrop.sh: started as root with user = nobody and group =
# nogroup, tcplogd reads its TLS key before it drops privileges and
# again, as nobody, at each reload: a key root:nogroup 0640 (what the
# manual advises, with the daemon's group) reloads, and a rotated one
# is served to new connections; a key only root can read (0600) fails
# the reload, naming the key and the reason, and the running
# certificate stays in use.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "not root"
getent passwd nobody > /dev/null || skip "no user nobody"
getent group nogroup > /dev/null || skip "no group nogroup"

# LeakSanitizer cannot stop the world of a process that changed its
# user (it is no longer dumpable); the other tests check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

tls_make_certs
chmod 0755 "$DIR"
mkdir -m 0755 "$DIR/tls" || hard_error "mkdir failed"
# install_key NAME: the certificate and key NAME as the daemon's, the key
# root:nogroup 0640.
install_key()
{
	if ! { cp "$PKI/$1.pem" "$DIR/tls/server.pem" &&
	    cp "$PKI/$1.key" "$DIR/tls/server.key.new" &&
	    chown root:nogroup "$DIR/tls/server.key.new" &&
	    chmod 0640 "$DIR/tls/server.key.new" &&
	    chmod 0644 "$DIR/tls/server.pem" &&
	    mv "$DIR/tls/server.key.new" "$DIR/tls/server.key"; }; then
		hard_error "cannot install $1"
	fi
}
install_key server
config_global timestamps=no user=nobody group=nogroup
config_listener main tls=yes "tls_certificate=$DIR/tls/server.pem" \
    "tls_key=$DIR/tls/server.key"
start_daemon
wait_match "$ERR" '^tcplogd: running as user [0-9]+, group [0-9]+$'

# subject: the subject of the certificate served now.
subject()
{
	timeout $((20 * scale)) openssl s_client \
	    -connect "127.0.0.1:$(port_of main)" -servername localhost \
	    -CAfile "$PKI/ca.pem" -verify_return_error < /dev/null \
	    2> /dev/null | openssl x509 -noout -subject
}
[ "$(subject)" = 'subject=CN = localhost' ] || fail "served: $(subject)"

install_key server2
kill -HUP "$DPID"
wait_count "$ERR" '^tcplogd: reloaded: 1 listeners?$' 1
[ "$(subject)" = 'subject=CN = server-two' ] ||
    fail "the rotated key 0640 root:nogroup is not served: $(subject)"

install_key server
chmod 0600 "$DIR/tls/server.key"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reload failed: keeping the running configuration$'
grep -Eq "^tcplogd: .*tcplogd\\.conf:[0-9]+: tls_key: .*$DIR/tls/server\\.key.*Permission denied" \
    "$ERR" || fail "the failed reload does not say why: $(tail -n 3 "$ERR")"
[ "$(subject)" = 'subject=CN = server-two' ] ||
    fail "not the running certificate after a failed reload: $(subject)"
printf 'still served\n' | sclient main '' ||
    fail "s_client failed: $(cat "$DIR/sc.err")"
wait_match "$OUT" '^main [^ ]+: still served$'
stop_daemon
exit 0

#!/bin/sh
# tlsbuild.sh: what a build says about TLS.  TCPLOGD_TLS (from
# Makefile.am: yes when configure found OpenSSL) says what to expect.
# With OpenSSL, -V names the library.  Without, -V says there is no TLS,
# and -t refuses tls = yes with a clear error at the key's line, while a
# config without TLS is still accepted: a build that cannot do TLS never
# runs a listener in clear that its user asked to encrypt.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

cd "$DIR" || hard_error "cannot cd to $DIR"

run_tcplogd()
{
	# shellcheck disable=SC2086 # the wrapper is a command line
	$TCPLOGD_WRAPPER "$TCPLOGD" "$@" < /dev/null
}

run_tcplogd -V > v.out 2> v.err || fail "tcplogd -V: exit $?"
check_sanitizer v.err
case ${TCPLOGD_TLS:-} in
yes)
	grep -Eq '^libevent .*, TLS with OpenSSL 3\.' v.out ||
	    fail "-V does not name OpenSSL: $(cat v.out)"
	exit 0
	;;
no)
	grep -q 'no TLS (built without OpenSSL)' v.out ||
	    fail "-V does not say there is no TLS: $(cat v.out)"
	;;
*)
	hard_error "TCPLOGD_TLS is '${TCPLOGD_TLS:-}', not yes or no"
	;;
esac

cat > plain.conf <<'CONF'
[listener main]
listen = 127.0.0.1:0
CONF
run_tcplogd -t -f plain.conf > plain.out 2> plain.err ||
    fail "-t on a config without TLS: exit $?: $(cat plain.err)"
check_sanitizer plain.err

cat > tls.conf <<'CONF'
[listener main]
listen = 127.0.0.1:0

[listener secure]
listen = 127.0.0.1:0
tls = yes
tls_certificate = /nonexistent/cert.pem
tls_key = /nonexistent/key.pem
CONF
run_tcplogd -t -f tls.conf > tls.out 2> tls.err
rc=$?
check_sanitizer tls.err
[ "$rc" -eq 78 ] || fail "-t on tls = yes: exit $rc, not 78"
grep -Eq '^(tcplogd: )?tls\.conf:6: tls: this tcplogd was built without OpenSSL \(configure --with-openssl\)$' \
    tls.err || fail "-t on tls = yes: $(cat tls.err)"

# The daemon itself refuses to start on it, before binding anything.
run_tcplogd -f tls.conf > run.out 2> run.err
rc=$?
check_sanitizer run.err
[ "$rc" -eq 78 ] || fail "tcplogd on tls = yes: exit $rc, not 78"
grep -q 'built without OpenSSL' run.err || fail "start: $(cat run.err)"
exit 0

#!/bin/sh
# tls.sh: TLS listeners with real clients (openssl s_client, socat
# OPENSSL:) and certificates made at test time (tls-lib.sh).
#
# - Lines arrive whole from s_client and socat; the connected event says
#   the version, the cipher and the client (text and JSON, where every
#   record of a verified client carries tls_client); a close with
#   close_notify is "closed by peer".
# - tls_verify_client none, optional (no certificate: in; a valid one:
#   verified; an untrusted or expired one: in, "not verified"; one
#   revoked in tls_crl: out), require (no certificate, expired, another
#   CA, revoked in tls_crl: out; over TLS 1.3 and 1.2); tls_allowed_names
#   with "*.example.com" (one label, any case: app1, App5.Example.COM
#   and a CN-only certificate in, a.b.example.com out) and an exact
#   name; tls_ca a directory of two CAs; tls_ciphersuites and
#   tls_ciphers.  Chains: a server certificate file with its
#   intermediate CA (clients that trust only the root verify it), a
#   client that sends its intermediate with its leaf.  A refused
#   handshake writes no record, counts tls_failures and says why on
#   stderr, once.
# - A close without close_notify after a whole line loses nothing; an
#   unfinished last line is [partial]; both say "closed without TLS
#   close_notify".  A 1 MiB line arrives whole.
# - tls_min_version = 1.3 refuses a TLS 1.2 client; TLS 1.0 and 1.1 are
#   refused everywhere; TLS 1.2 is in by default.
# - Paths with ${CREDENTIALS_DIRECTORY}; SIGHUP with a rotated
#   certificate: new connections get it, a live one goes on; a broken
#   key fails the reload and the old certificate stays, on every
#   listener (all or nothing).
# - -t names the file and line of a missing key, a key that is not the
#   certificate's, a garbage certificate, CA or CRL.
# - A verified client whose certificate has an empty subject and a SAN
#   is named all the same, as DNS:NAME (text and tls_client).

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_jq
need_cmd socat
need_python
tls_make_certs
tls_cert ca upper APP5.EXAMPLE.COM DNS:App5.Example.COM client

# The server's certificate comes through systemd's credentials directory.
CREDENTIALS_DIRECTORY=$DIR/creds
export CREDENTIALS_DIRECTORY
mkdir "$CREDENTIALS_DIRECTORY" || hard_error "mkdir failed"
cp "$PKI/server.pem" "$PKI/server.key" "$CREDENTIALS_DIRECTORY/" ||
    hard_error "cp failed"

config_global timestamps=no
# shellcheck disable=SC2016 # the daemon expands it
config_listener n tls=yes max_line=2097152 \
    'tls_certificate=${CREDENTIALS_DIRECTORY}/server.pem' \
    'tls_key=${CREDENTIALS_DIRECTORY}/server.key'
tls_listener o tls_verify_client=optional "tls_crl=$PKI/crl.pem"
tls_listener rq tls_verify_client=require "tls_crl=$PKI/crl.pem"
tls_listener rexp tls_verify_client=require
tls_listener rca tls_verify_client=require
tls_listener rrev tls_verify_client=require "tls_crl=$PKI/crl.pem"
tls_listener w tls_verify_client=require 'tls_allowed_names=*.example.com'
tls_listener w2 tls_verify_client=require \
    'tls_allowed_names=nothere.example.com, evil.example.org'
tls_listener v13 tls_min_version=1.3
# The JSON listeners share a file: an output has one format.
tls_listener j tls_verify_client=require format=json output=file "file=$DIR/json.out"
tls_listener jn format=json output=file "file=$DIR/json.out"
tls_listener jo format=json tls_verify_client=optional output=file "file=$DIR/json.out"
tls_listener jns format=json tls_verify_client=require output=file "file=$DIR/json.out"
tls_listener ch tls_verify_client=require "tls_certificate=$PKI/srvchain.pem" \
    "tls_key=$PKI/srvinter.key"
mkdir "$DIR/cadir" || hard_error "mkdir failed"
cp "$PKI/ca.pem" "$PKI/other-ca.pem" "$DIR/cadir/" || hard_error "cp failed"
tls_listener cad tls_verify_client=require "tls_ca=$DIR/cadir"
tls_listener cs tls_ciphersuites=TLS_CHACHA20_POLY1305_SHA256 \
    tls_ciphers=ECDHE-ECDSA-CHACHA20-POLY1305
start_daemon

# refused LISTENER CERT N [ARGS...]: a client that must not get in;
# waits until it is the Nth failure of LISTENER.
refused()
{
	rf_l=$1
	rf_n=$3
	rf_c=$2
	shift 3
	printf 'must not arrive %s\n' "$rf_c" | sclient "$rf_l" "$rf_c" "$@"
	wait_until 10 failures_reach "$rf_l" "$rf_n" ||
	    fail "$rf_l: ${rf_c:-no certificate}: not refused:" \
	    "$(counters_now "$rf_l")"
}

# accepted LISTENER CERT N TEXT [ARGS...]: a client that sends TEXT and
# must get in: LISTENER's Nth connection.
accepted()
{
	ac_l=$1
	ac_c=$2
	ac_n=$3
	ac_t=$4
	shift 4
	printf '%s\n' "$ac_t" | sclient "$ac_l" "$ac_c" "$@" ||
	    fail "$ac_l: ${ac_c:-no certificate}: s_client failed:" \
	    "$(cat "$DIR/sc.err")"
	ac_out=$OUT
	case $ac_l in j*) ac_out=$DIR/json.out ;; esac
	wait_count "$ac_out" "^($ac_l [^ ]+ disconnected |\\{\"listener\":\"$ac_l\",.*\"event\":\"disconnected\")" "$ac_n"
}

# 1. Clients that get in, and the connected event.
accepted n '' 1 'hello from s_client'
printf 'hello from socat\nsecond socat line\n' |
    timeout $((20 * scale)) socat -t $((10 * scale)) - \
    "OPENSSL:127.0.0.1:$(port_of n),cafile=$PKI/ca.pem,commonname=localhost" ||
    fail "socat failed"
wait_count "$OUT" '^n [^ ]+ disconnected ' 2
accepted n '' 3 'over TLS 1.2' -tls1_2
accepted o '' 1 'optional, no certificate'
accepted o app1 2 'optional, app1'
accepted o other 3 'optional, other CA'
accepted o expired 4 'optional, expired'
refused o revoked 1
accepted rq app1 1 'require, app1'
refused rq '' 1
accepted rq app1 2 'require, TLS 1.2' -tls1_2
refused rq expired 2 -tls1_2
refused rexp expired 1
refused rca other 1
refused rrev revoked 1
accepted w app1 1 'wildcard app1'
accepted w cnonly 2 'wildcard cnonly'
accepted w upper 3 'wildcard, upper case'
refused w deep 1
refused w evil 2
accepted w2 evil 1 'exact evil'
# An empty subject, a SAN: checked at the end.
accepted w nosubject 4 'no subject'
accepted jns nosubject 1 'no subject'
refused w2 app1 1
refused v13 '' 1 -tls1_2
accepted v13 '' 1 'TLS 1.3 only'
k=0
for v in 1_1 1; do
	k=$((k + 1))
	refused n '' "$k" "-tls$v" -cipher 'DEFAULT@SECLEVEL=0'
	grep -q 'no protocols available' "$DIR/sc.err" &&
	    hard_error "s_client would not speak TLS $v here"
done
accepted cad app1 1 'CA directory, app1'
accepted cad other 2 'CA directory, other CA'
accepted ch app3 1 'chain app3' -cert_chain "$PKI/inter.pem"
accepted ch app1 2 'chain app1'
accepted cs '' 1 'chacha 1.3'
accepted cs '' 2 'chacha 1.2' -tls1_2

# The records of LISTENER with the peers as PEER.
records()
{
	grep "^$1 " "$OUT" | sed -E "s/^$1 127\\.0\\.0\\.1:[0-9]+/$1 PEER/"
}
aes=TLSv1.3\ TLS_AES_256_GCM_SHA384
ecdhe=TLSv1.2\ ECDHE-ECDSA-AES256-GCM-SHA384
app1='client CN=app1.example.com verified'
cat > "$DIR/n.want" <<EOF
n PEER connected ($aes)
n PEER: hello from s_client
n PEER disconnected (closed by peer) 1 records 20 bytes
n PEER connected ($aes)
n PEER: hello from socat
n PEER: second socat line
n PEER disconnected (closed by peer) 2 records 35 bytes
n PEER connected ($ecdhe)
n PEER: over TLS 1.2
n PEER disconnected (closed by peer) 1 records 13 bytes
EOF
records n > "$DIR/n.got"
expect_file "$DIR/n.want" "$DIR/n.got"
cat > "$DIR/o.want" <<EOF
o PEER connected ($aes)
o PEER: optional, no certificate
o PEER disconnected (closed by peer) 1 records 25 bytes
o PEER connected ($aes, $app1)
o PEER: optional, app1
o PEER disconnected (closed by peer) 1 records 15 bytes
o PEER connected ($aes, client CN=app1.example.com not verified)
o PEER: optional, other CA
o PEER disconnected (closed by peer) 1 records 19 bytes
o PEER connected ($aes, client CN=app1.example.com not verified)
o PEER: optional, expired
o PEER disconnected (closed by peer) 1 records 18 bytes
EOF
records o > "$DIR/o.got"
expect_file "$DIR/o.want" "$DIR/o.got"
cat > "$DIR/rq.want" <<EOF
rq PEER connected ($aes, $app1)
rq PEER: require, app1
rq PEER disconnected (closed by peer) 1 records 14 bytes
rq PEER connected ($ecdhe, $app1)
rq PEER: require, TLS 1.2
rq PEER disconnected (closed by peer) 1 records 17 bytes
EOF
records rq > "$DIR/rq.got"
expect_file "$DIR/rq.want" "$DIR/rq.got"
cat > "$DIR/w.want" <<EOF
w PEER connected ($aes, $app1)
w PEER: wildcard app1
w PEER disconnected (closed by peer) 1 records 14 bytes
w PEER connected ($aes, client CN=cnonly.example.com verified)
w PEER: wildcard cnonly
w PEER disconnected (closed by peer) 1 records 16 bytes
w PEER connected ($aes, client CN=APP5.EXAMPLE.COM verified)
w PEER: wildcard, upper case
w PEER disconnected (closed by peer) 1 records 21 bytes
EOF
records w | head -n 9 > "$DIR/w.got"
expect_file "$DIR/w.want" "$DIR/w.got"
cat > "$DIR/w2.want" <<EOF
w2 PEER connected ($aes, client CN=evil.example.org verified)
w2 PEER: exact evil
w2 PEER disconnected (closed by peer) 1 records 11 bytes
EOF
records w2 > "$DIR/w2.got"
expect_file "$DIR/w2.want" "$DIR/w2.got"
cat > "$DIR/v13.want" <<EOF
v13 PEER connected ($aes)
v13 PEER: TLS 1.3 only
v13 PEER disconnected (closed by peer) 1 records 13 bytes
EOF
records v13 > "$DIR/v13.got"
expect_file "$DIR/v13.want" "$DIR/v13.got"
cat > "$DIR/cad.want" <<EOF
cad PEER connected ($aes, $app1)
cad PEER: CA directory, app1
cad PEER disconnected (closed by peer) 1 records 19 bytes
cad PEER connected ($aes, $app1)
cad PEER: CA directory, other CA
cad PEER disconnected (closed by peer) 1 records 23 bytes
ch PEER connected ($aes, client CN=app3.example.com verified)
ch PEER: chain app3
ch PEER disconnected (closed by peer) 1 records 11 bytes
ch PEER connected ($aes, $app1)
ch PEER: chain app1
ch PEER disconnected (closed by peer) 1 records 11 bytes
cs PEER connected (TLSv1.3 TLS_CHACHA20_POLY1305_SHA256)
cs PEER: chacha 1.3
cs PEER disconnected (closed by peer) 1 records 11 bytes
cs PEER connected (TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305)
cs PEER: chacha 1.2
cs PEER disconnected (closed by peer) 1 records 11 bytes
EOF
{
	records cad
	records ch
	records cs
} > "$DIR/cad.got"
expect_file "$DIR/cad.want" "$DIR/cad.got"
for l in rexp rca rrev; do
	grep -q "^$l " "$OUT" && fail "$l: a record of a refused client"
done
grep -q 'must not arrive' "$OUT" && fail "data of a refused client"

# Every refusal was counted once and said on stderr with OpenSSL's
# reason (one listener each, so no line holds another back).
for lr in 'o 1' 'rq 2' 'rexp 1' 'rca 1' 'rrev 1' 'w 2' 'w2 1' 'v13 1' \
    'n 2'; do
	# shellcheck disable=SC2086 # two words
	set -- $lr
	counters_now "$1" | grep -Eq " tls_failures $2( |\$)" ||
	    fail "$1: not $2 TLS failures: $(counters_now "$1")"
	wait_until 5 notes_are "$1" "$2" ||
	    fail "$1: the diagnostics told of $(tls_notes "$1") failures," \
	    "not $2: $(grep "^tcplogd: $1: " "$ERR")"
done
cr='TLS client certificate refused: '
hf='TLS handshake failed: '
for lr in "rexp ${cr}certificate has expired" \
    "rca ${cr}unable to get local issuer certificate" \
    "rrev ${cr}certificate revoked" "o ${cr}certificate revoked" \
    "rq ${cr}peer did not return a certificate" \
    "w ${cr}name not allowed" "w2 ${cr}name not allowed" \
    "v13 ${hf}unsupported protocol" "n ${hf}unsupported protocol"; do
	grep -Eq "^tcplogd: ${lr%% *}: 127\\.0\\.0\\.1:[0-9]+: .*${lr#* }" \
	    "$ERR" || fail "${lr%% *}: the diagnostic does not say" \
	    "/${lr#* }/: $(grep "^tcplogd: ${lr%% *}: " "$ERR")"
done

# 2. JSON: the tls object of the connected event, tls_client in every
# record of a verified client and in none of another.
printf 'json one\njson two\n' | sclient j app1 ||
    fail "j: s_client failed: $(cat "$DIR/sc.err")"
printf 'json none\n' | sclient jn '' ||
    fail "jn: s_client failed: $(cat "$DIR/sc.err")"
printf 'json other\n' | sclient jo other ||
    fail "jo: s_client failed: $(cat "$DIR/sc.err")"
wait_match "$DIR/json.out" '^\{"listener":"j",.*"event":"disconnected"'
wait_match "$DIR/json.out" '^\{"listener":"jn",.*"event":"disconnected"'
wait_match "$DIR/json.out" '^\{"listener":"jo",.*"event":"disconnected"'
grep '^{' "$DIR/json.out" | grep -v '^{"listener":"jns"' > "$DIR/out.json"
check_json "$DIR/out.json"
jq -c 'del(.peer, .peer_ip, .peer_port)' < "$DIR/out.json" > "$DIR/json.got" ||
    fail "jq failed"
sub='"CN=app1.example.com"'
t13='"version":"TLSv1.3","cipher":"TLS_AES_256_GCM_SHA384"'
cat > "$DIR/json.want" <<EOF
{"listener":"j","event":"connected","tls":{$t13,"client_subject":$sub,"client_san":["app1.example.com"],"client_verified":true},"tls_client":$sub}
{"listener":"j","event":"data","data":"json one","tls_client":$sub}
{"listener":"j","event":"data","data":"json two","tls_client":$sub}
{"listener":"j","event":"disconnected","reason":"closed by peer","records":2,"bytes":18,"tls_client":$sub}
{"listener":"jn","event":"connected","tls":{$t13,"client_verified":false}}
{"listener":"jn","event":"data","data":"json none"}
{"listener":"jn","event":"disconnected","reason":"closed by peer","records":1,"bytes":10}
{"listener":"jo","event":"connected","tls":{$t13,"client_subject":$sub,"client_san":["app1.example.com"],"client_verified":false}}
{"listener":"jo","event":"data","data":"json other"}
{"listener":"jo","event":"disconnected","reason":"closed by peer","records":1,"bytes":11}
EOF
# The order of the keys is tcplogd's: compare sorted objects.
jq -S -c . < "$DIR/json.want" > "$DIR/json.want.s"
jq -S -c . < "$DIR/json.got" > "$DIR/json.got.s"
expect_file "$DIR/json.want.s" "$DIR/json.got.s"

# 3. Ends without close_notify, and a 1 MiB line.
tlsc noclose "$(port_of n)" "$PKI/ca.pem" - \
    "$(printf 'whole line\n' | hexof)" > "$DIR/nc1.out" ||
    fail "tls-client.py noclose failed"
p1=$(sed -n 's/^peer //p' "$DIR/nc1.out")
tlsc noclose "$(port_of n)" "$PKI/ca.pem" "$PKI/app1" \
    "$(printf 'first\nunfinished' | hexof)" > "$DIR/nc2.out" ||
    fail "tls-client.py noclose failed"
p2=$(sed -n 's/^peer //p' "$DIR/nc2.out")
wait_match "$OUT" "^n $p2 disconnected "
records_of "$OUT" "$p1" > "$DIR/nc1.got"
cat > "$DIR/nc1.want" <<EOF
n $p1 connected ($aes)
n $p1: whole line
n $p1 disconnected (closed without TLS close_notify) 1 records 11 bytes
EOF
expect_file "$DIR/nc1.want" "$DIR/nc1.got"
records_of "$OUT" "$p2" > "$DIR/nc2.got"
cat > "$DIR/nc2.want" <<EOF
n $p2 connected ($aes)
n $p2: first
n $p2 [partial]: unfinished
n $p2 disconnected (closed without TLS close_notify) 2 records 16 bytes
EOF
expect_file "$DIR/nc2.want" "$DIR/nc2.got"

big=1048576
{
	head -c "$big" /dev/zero | tr '\0' x
	printf '\nafter the big one\n'
} | sclient n '' || fail "n: s_client (1 MiB) failed: $(cat "$DIR/sc.err")"
wait_count "$OUT" '^n [^ ]+ disconnected ' 6
tail -n 4 "$OUT" | awk -v big="$big" '
NR == 1 && !/^n [^ ]+ connected \(/ { exit 1 }
NR == 2 && (length($0) != length($1 " " $2 " ") + big ||
    substr($0, length($0) - 9) != "xxxxxxxxxx") { exit 1 }
NR == 3 && !/^n [^ ]+: after the big one$/ { exit 1 }
NR == 4 && !/ disconnected \(closed by peer\) 2 records 1048595 bytes$/ {
	exit 1 }' || fail "the 1 MiB line did not arrive whole"

# 4. Reload: a rotated certificate for new connections; a live
# connection goes on.
live_in=$DIR/live.in
mkfifo "$live_in" || hard_error "mkfifo failed"
timeout $((60 * scale)) openssl s_client -connect "127.0.0.1:$(port_of n)" \
    -servername localhost -CAfile "$PKI/ca.pem" -verify_return_error \
    -quiet -no_ign_eof < "$live_in" > "$DIR/live.out" 2> "$DIR/live.err" &
live_pid=$!
bg_track "$live_pid"
exec 3> "$live_in"
echo 'live before' >&3
wait_match "$OUT" '^n [^ ]+: live before$'

# server_cert LISTENER: the subject and serial the server shows.
server_cert()
{
	timeout $((20 * scale)) openssl s_client \
	    -connect "127.0.0.1:$(port_of "$1")" -servername localhost \
	    -CAfile "$PKI/ca.pem" -verify_return_error < /dev/null \
	    2> /dev/null | openssl x509 -noout -subject -serial
}
[ "$(server_cert n | tr '\n' ' ')" = 'subject=CN = localhost serial=1000 ' ] ||
    fail "n: not the first certificate: $(server_cert n)"
cp "$PKI/server2.pem" "$CREDENTIALS_DIRECTORY/server.pem"
cp "$PKI/server2.key" "$CREDENTIALS_DIRECTORY/server.key"
kill -HUP "$DPID"
wait_count "$ERR" '^tcplogd: reloaded: [0-9]+ listeners$' 1
[ "$(server_cert n | tr '\n' ' ')" = 'subject=CN = server-two serial=1001 ' ] ||
    fail "n: the rotated certificate is not served: $(server_cert n)"
echo 'live after' >&3
peer=$(grep '^n [^ ]*: live before$' "$OUT" | awk '{ sub(/:$/, "", $2); print $2 }')
wait_match "$OUT" "^n $peer: live after\$"

# A broken key: the reload fails, the rotated certificate stays; all or
# nothing: the other listeners, whose certificate changed on disk
# meanwhile (the good server2 pair), keep the one they had too.
printf -- '-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n' \
    > "$CREDENTIALS_DIRECTORY/server.key"
[ "$(server_cert o | tr '\n' ' ')" = 'subject=CN = localhost serial=1000 ' ] ||
    fail "o: not the first certificate: $(server_cert o)"
cp "$PKI/server.pem" "$PKI/server1.pem"
cp "$PKI/server.key" "$PKI/server1.key"
cp "$PKI/server2.pem" "$PKI/server.pem"
cp "$PKI/server2.key" "$PKI/server.key"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reload failed: keeping the running configuration$'
grep -Eq "^tcplogd: .*tcplogd\\.conf:[0-9]+: tls_key: .*$CREDENTIALS_DIRECTORY/server\\.key" \
    "$ERR" || fail "the failed reload does not name tls_key and its file"
daemon_alive || fail "a broken key killed tcplogd"
[ "$(server_cert n | tr '\n' ' ')" = 'subject=CN = server-two serial=1001 ' ] ||
    fail "n: not the kept certificate after a failed reload: $(server_cert n)"
[ "$(server_cert o | tr '\n' ' ')" = 'subject=CN = localhost serial=1000 ' ] ||
    fail "o: a failed reload changed its certificate: $(server_cert o)"
cp "$PKI/server1.pem" "$PKI/server.pem"
cp "$PKI/server1.key" "$PKI/server.key"
echo 'live still' >&3
wait_match "$OUT" "^n $peer: live still\$"
exec 3>&-
wait_pid "$live_pid" 20 || fail "the live s_client failed: $(cat "$DIR/live.err")"
wait_match "$OUT" "^n $peer disconnected \\(closed by peer\\) 3 records 34 bytes\$"
stop_daemon
check_sanitizer "$ERR"

# 5. -t: errors name the file's line and the key.
cd "$DIR" || hard_error "cd failed"
printf 'not a PEM file\n' > "$DIR/garbage.pem"
# bad_t NAME KEY VALUE [TEXT]: a TLS listener n whose KEY is VALUE must
# fail -t with an error at KEY's line naming KEY and VALUE (or TEXT).
bad_t()
{
	bt_name=$1
	bt_key=$2
	config_global
	{
		echo '[listener n]'
		echo 'listen = 127.0.0.1:0'
		echo 'tls = yes'
		echo 'tls_verify_client = require'
		for bt_kv in "tls_certificate=$PKI/server.pem" \
		    "tls_key=$PKI/server.key" "tls_ca=$PKI/ca.pem" \
		    "tls_crl=$PKI/crl.pem"; do
			[ "${bt_kv%%=*}" = "$bt_key" ] && bt_kv=$bt_key=$3
			config_kv "$bt_kv"
		done
	} >> "$CONF"
	bt_line=$(grep -n "^$bt_key = " "$CONF" | cut -d: -f1)
	# shellcheck disable=SC2086 # the wrapper is a command line
	$TCPLOGD_WRAPPER "$TCPLOGD" -t -f "$CONF" > "$DIR/$bt_name.out" \
	    2> "$DIR/$bt_name.err" < /dev/null
	bt_rc=$?
	check_sanitizer "$DIR/$bt_name.err"
	[ "$bt_rc" -eq 78 ] ||
	    fail "-t $bt_name: exit $bt_rc, not 78: $(cat "$DIR/$bt_name.err")"
	grep -Eq "^(tcplogd: )?$CONF:$bt_line: $bt_key: " "$DIR/$bt_name.err" ||
	    fail "-t $bt_name: no error at $CONF:$bt_line naming $bt_key:" \
	    "$(cat "$DIR/$bt_name.err")"
	grep -qF -e "$3" -e "${4:-$3}" "$DIR/$bt_name.err" ||
	    fail "-t $bt_name: the error does not name ${4:-$3}:" \
	    "$(cat "$DIR/$bt_name.err")"
}
bad_t missing tls_key "$DIR/nothere.key"
bad_t mismatch tls_key "$PKI/app1.key"
bad_t garbagecert tls_certificate "$DIR/garbage.pem"
bad_t garbagekey tls_key "$DIR/garbage.pem"
bad_t garbageca tls_ca "$DIR/garbage.pem"
bad_t garbagecrl tls_crl "$DIR/garbage.pem"
# shellcheck disable=SC2016 # the daemon expands it
(unset CREDENTIALS_DIRECTORY; bad_t nocreds tls_key \
    '${CREDENTIALS_DIRECTORY}/server.key' CREDENTIALS_DIRECTORY) || exit 1
config_global
tls_listener n tls_verify_client=require "tls_crl=$PKI/crl.pem"
# shellcheck disable=SC2086 # the wrapper is a command line
$TCPLOGD_WRAPPER "$TCPLOGD" -t -f "$CONF" > "$DIR/good.out" \
    2> "$DIR/good.err" < /dev/null ||
    fail "-t on a good TLS config: $(cat "$DIR/good.err")"
[ "$(cat "$DIR/good.out")" = "configuration OK" ] ||
    fail "-t printed: $(cat "$DIR/good.out")"

# 6. A verified client whose certificate has an empty subject and a SAN
# (RFC 5280 allows it): the connected event must still say who it is,
# and every JSON record must carry a tls_client that names it.
records w | tail -n 3 | head -n 1 > "$DIR/nosub.text"
grep -Eq '^w PEER connected \(TLSv1\.3 [^ ]+, client [^ )].*nosubject\.example\.com.* verified\)$' \
    "$DIR/nosub.text" ||
    fail "a client with an empty subject is not named: $(cat "$DIR/nosub.text")"
grep '^{"listener":"jns"' "$DIR/json.out" > "$DIR/nosub.json"
[ "$(jq -r '.tls_client' < "$DIR/nosub.json" | grep -c 'nosubject\.example\.com')" -eq 3 ] ||
    fail "JSON records of a client with an empty subject do not name it:" \
    "$(cat "$DIR/nosub.json")"
exit 0

# Copyright (c) 2026 The tcplogd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# shellcheck shell=sh disable=SC2154 # scale, DIR and the rest: lib.sh
# tls-lib.sh: sourced after lib.sh by the TLS tests: their clients and
# waits, and the test PKI, made at test time with the openssl command in
# $PKI = $DIR/pki, so nothing secret is in the tree: every key is ECDSA
# P-256 and new (the whole PKI takes about 0.4 s).
#
# tls_make_certs makes:
#   ca.pem                the CA the daemon trusts (tls_ca)
#   server.pem/.key       CN=localhost, SAN DNS:localhost, IP:127.0.0.1
#   server2.pem/.key      CN=server-two, the same SANs: the rotated one
#   app1.pem/.key         CN=app1.example.com, SAN DNS:app1.example.com
#   app2.pem/.key         CN=app2.example.com, SAN DNS:app2.example.com
#   deep.pem/.key         CN=a.b.example.com (two labels under example.com)
#   cnonly.pem/.key       CN=cnonly.example.com and no SAN
#   evil.pem/.key         CN=evil.example.org, SAN DNS:evil.example.org
#   expired.pem/.key      CN=app1.example.com, valid 2020-01-01..2021-01-01
#   revoked.pem/.key      CN=revoked.example.com, listed in crl.pem
#   crl.pem               the CA's CRL (revoked.pem in it)
#   other.pem/.key        CN=app1.example.com from another CA (other-ca.pem)
#   nosubject.pem/.key    an empty subject, SAN DNS:nosubject.example.com
#   inter.pem             an intermediate CA under ca.pem
#   srvchain.pem          CN=localhost by inter.pem, then inter.pem
#                         (key srvinter.key)
#   app3.pem/.key         CN=app3.example.com by inter.pem
# Serial numbers: the CA numbers its certificates from hex 1000 in the
# order above, so x509 -serial says 1000 of server.pem, 1001 of
# server2.pem.

need_cmd openssl
PKI=$DIR/pki

# A tcplogd built without OpenSSL refuses tls = yes: nothing to test.
printf '[listener x]\nlisten = 127.0.0.1:0\ntls = yes\n' > "$DIR/need-tls.conf"
"$TCPLOGD" -t -f "$DIR/need-tls.conf" < /dev/null 2>&1 |
    grep -q 'built without OpenSSL' && skip "tcplogd was built without OpenSSL"

# tls_ca NAME SUBJECT [PARENT]: a CA in $PKI/NAME/, self-signed or signed
# by CA PARENT, with its openssl ca configuration (database, serial, CRL
# number).
tls_ca()
{
	tc_d=$PKI/$1
	mkdir -p "$tc_d/new" || hard_error "mkdir $tc_d"
	: > "$tc_d/index.txt"
	echo 'unique_subject = no' > "$tc_d/index.txt.attr"
	echo 1000 > "$tc_d/serial"
	echo 1000 > "$tc_d/crlnumber"
	cat > "$tc_d/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca
[ test_ca ]
dir = $tc_d
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
crlnumber = \$dir/crlnumber
certificate = \$dir/ca.pem
private_key = \$dir/ca.key
default_md = sha256
default_days = 30
default_crl_days = 30
policy = test_policy
unique_subject = no
email_in_dn = no
copy_extensions = none
[ test_policy ]
commonName = optional
[ req ]
distinguished_name = req_dn
[ req_dn ]
[ v3_ca ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
EOF
	if [ -z "${3:-}" ]; then
		openssl req -x509 -new -config "$tc_d/ca.cnf" -extensions v3_ca \
		    -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout "$tc_d/ca.key" -out "$tc_d/ca.pem" -days 30 \
		    -subj "$2" > "$tc_d/log" 2>&1 ||
		    hard_error "openssl: cannot make CA $1: $(cat "$tc_d/log")"
		return
	fi
	openssl req -new -config "$tc_d/ca.cnf" -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tc_d/ca.key" \
	    -out "$tc_d/ca.csr" -subj "$2" > "$tc_d/log" 2>&1 ||
	    hard_error "openssl: cannot make CA $1: $(cat "$tc_d/log")"
	openssl ca -batch -config "$PKI/$3/ca.cnf" -notext -extensions v3_ca \
	    -extfile "$tc_d/ca.cnf" -in "$tc_d/ca.csr" -out "$tc_d/ca.pem" \
	    >> "$tc_d/log" 2>&1 ||
	    hard_error "openssl: cannot sign CA $1: $(cat "$tc_d/log")"
}

# tls_cert CA NAME CN SAN server|client [STARTDATE ENDDATE]: a key and a
# certificate signed by CA into $PKI/NAME.key and $PKI/NAME.pem; SAN is
# an openssl subjectAltName value or "" for none; CN "" is an empty
# subject (then the SAN is critical, as RFC 5280 asks).
tls_cert()
{
	tc_d=$PKI/$1
	{
		echo 'basicConstraints = CA:FALSE'
		echo 'keyUsage = critical,digitalSignature'
		if [ "$5" = server ]; then
			echo 'extendedKeyUsage = serverAuth'
		else
			echo 'extendedKeyUsage = clientAuth'
		fi
		if [ -z "$3" ]; then
			echo "subjectAltName = critical,$4"
		elif [ -n "$4" ]; then
			echo "subjectAltName = $4"
		fi
	} > "$PKI/$2.ext"
	tc_subj=/CN=$3
	[ -n "$3" ] || tc_subj=/
	tc_dates=
	[ -z "${6:-}" ] || tc_dates="-startdate $6 -enddate $7"
	openssl req -new -utf8 -config "$tc_d/ca.cnf" -newkey ec \
	    -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$PKI/$2.key" \
	    -out "$PKI/$2.csr" -subj "$tc_subj" > "$PKI/$2.log" 2>&1 ||
	    hard_error "openssl: cannot make $2: $(cat "$PKI/$2.log")"
	# shellcheck disable=SC2086 # tc_dates is words
	openssl ca -batch -config "$tc_d/ca.cnf" -notext \
	    -extfile "$PKI/$2.ext" -in "$PKI/$2.csr" -out "$PKI/$2.pem" \
	    $tc_dates >> "$PKI/$2.log" 2>&1 ||
	    hard_error "openssl: cannot sign $2: $(cat "$PKI/$2.log")"
}

tls_make_certs()
{
	mkdir -p "$PKI" || hard_error "mkdir $PKI"
	tls_ca ca '/CN=tcplogd test CA'
	tls_ca other '/CN=tcplogd other CA'
	cp "$PKI/ca/ca.pem" "$PKI/ca.pem"
	cp "$PKI/other/ca.pem" "$PKI/other-ca.pem"
	lh='DNS:localhost,IP:127.0.0.1'
	tls_cert ca server localhost "$lh" server
	tls_cert ca server2 server-two "$lh" server
	tls_cert ca app1 app1.example.com DNS:app1.example.com client
	tls_cert ca app2 app2.example.com DNS:app2.example.com client
	tls_cert ca deep a.b.example.com DNS:a.b.example.com client
	tls_cert ca cnonly cnonly.example.com '' client
	tls_cert ca evil evil.example.org DNS:evil.example.org client
	tls_cert ca expired app1.example.com DNS:app1.example.com client \
	    20200101000000Z 20210101000000Z
	tls_cert ca revoked revoked.example.com DNS:revoked.example.com client
	tls_cert other other app1.example.com DNS:app1.example.com client
	tls_cert ca nosubject '' DNS:nosubject.example.com client
	tls_ca inter '/CN=tcplogd intermediate CA' ca
	cp "$PKI/inter/ca.pem" "$PKI/inter.pem"
	tls_cert inter srvinter localhost "$lh" server
	cat "$PKI/srvinter.pem" "$PKI/inter.pem" > "$PKI/srvchain.pem"
	tls_cert inter app3 app3.example.com DNS:app3.example.com client
	openssl ca -batch -config "$PKI/ca/ca.cnf" -revoke "$PKI/revoked.pem" \
	    > "$PKI/crl.log" 2>&1 ||
	    hard_error "openssl: cannot revoke: $(cat "$PKI/crl.log")"
	openssl ca -batch -config "$PKI/ca/ca.cnf" -gencrl -out "$PKI/crl.pem" \
	    >> "$PKI/crl.log" 2>&1 ||
	    hard_error "openssl: cannot make the CRL: $(cat "$PKI/crl.log")"
	chmod 0600 "$PKI"/*.key
}

# tls_client_args NAME: the s_client arguments for client certificate
# NAME (none for "").
tls_client_args()
{
	[ -z "$1" ] || echo "-cert $PKI/$1.pem -key $PKI/$1.key"
}

# tls_listener NAME [KEY=VALUE...]: a TLS listener with the test server
# certificate and key and the test CA, unless KEY=VALUE gives others.
tls_listener()
{
	tl_name=$1
	shift
	tl_cert=tls_certificate=$PKI/server.pem
	tl_key=tls_key=$PKI/server.key
	tl_ca=tls_ca=$PKI/ca.pem
	for tl_kv in "$@"; do
		case $tl_kv in
		tls_certificate=*)
			tl_cert=
			;;
		tls_key=*)
			tl_key=
			;;
		tls_ca=*)
			tl_ca=
			;;
		esac
	done
	config_listener "$tl_name" tls=yes ${tl_cert:+"$tl_cert"} \
	    ${tl_key:+"$tl_key"} ${tl_ca:+"$tl_ca"} "$@"
}

# sclient LISTENER CERT [ARGS...]: openssl s_client sends its stdin to
# LISTENER with client certificate CERT ("" for none), then a
# close_notify; its output in $DIR/sc.out and $DIR/sc.err.
sclient()
{
	sc_port=$(port_of "$1")
	sc_cert=$2
	shift 2
	# shellcheck disable=SC2046 # the certificate arguments are words
	timeout $((20 * scale)) openssl s_client -connect "127.0.0.1:$sc_port" \
	    -servername localhost -verify_hostname localhost \
	    -CAfile "$PKI/ca.pem" -verify_return_error -quiet -no_ign_eof \
	    $(tls_client_args "$sc_cert") "$@" > "$DIR/sc.out" 2> "$DIR/sc.err"
}

# counters_now LISTENER: the counters line of LISTENER, asked for now.
counters_now()
{
	cn_n=$(grep -c "^tcplogd: listener $1: accepted " "$ERR")
	kill -USR1 "$DPID"
	wait_count "$ERR" "^tcplogd: listener $1: accepted " $((cn_n + 1))
	grep "^tcplogd: listener $1: accepted " "$ERR" | tail -n 1
}

failures_reach()	# LISTENER N
{
	[ "$(counters_now "$1" | sed 's/.* tls_failures \([0-9]*\).*/\1/')" -ge "$2" ]
}

active_of()	# LISTENER: its active connections now
{
	counters_now "$1" | sed -E 's/.* active ([0-9]+) .*/\1/'
}

active_is()	# LISTENER N
{
	[ "$(active_of "$1")" -eq "$2" ]
}

counter_of()	# LISTENER NAME: the counter NAME of LISTENER now
{
	counters_now "$1" | sed -E "s/.* $2 ([0-9]+)( .*)?\$/\\1/"
}

# tls_notes LISTENER [ERE]: how many events LISTENER's diagnostics told
# of ("L: PEER: why", then "L: PEER: why (N more)"), of those whose text
# matches ERE (default: all).
tls_notes()
{
	sed -n "s/^tcplogd: $1: [0-9.]*:[0-9]*: //p" "$ERR" |
	    grep -E -e "${2:-.}" |
	    sed -E 's/^.* \(([0-9]+) more\)$/+\1/' |
	    awk '{ n++ } /^\+[0-9]+$/ { n += substr($0, 2) }
	    END { print n + 0 }'
}

notes_are()		# LISTENER N [ERE]
{
	[ "$(tls_notes "$1" "${3:-}")" -eq "$2" ]
}

# hexof: stdin as one line of hex digits (for tls-client.py).
hexof()
{
	od -An -v -tx1 | tr -d ' \n'
}

# tlsc ARGS...: tls-client.py, each of its waits bounded.
tlsc()
{
	TCPLOGD_CLIENT_TIMEOUT=$((20 * scale)) "$PYTHON" \
	    "${srcdir:-$(dirname "$0")}/tls-client.py" "$@"
}

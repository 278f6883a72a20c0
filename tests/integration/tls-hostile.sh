#!/bin/sh
# tls-hostile.sh: hostile clients of a TLS listener.
#
# 1. Handshake floods: N connections from 127.0.0.1 that send the start
#    of a ClientHello and stop, to a listener with max_per_peer = P and
#    max_connections = M (P < M), then N / 2 more from 127.0.0.3.  The
#    first flood holds P places and no more: a client from 127.0.0.2
#    still gets in; with both floods the listener holds M places and no
#    more (SIGUSR1 "active" never above M): a client is refused.  Each
#    held connection ends after tls_handshake_timeout, with no record;
#    then a client from the flooding address gets in.  Every flooding
#    connection is counted (accepted + refused), every accepted one as
#    a TLS failure, and the diagnostics told of them all.
# 2. Plain text, an HTTP request, random bytes and nothing at all (a
#    connect and close, as a TCP health check does) on the TLS port: no
#    record, a TLS failure each, said on stderr.  A ClientHello sent one
#    byte every 100 ms is cut at tls_handshake_timeout, although it
#    never stops: the timeout is for the whole handshake.
# 3. A client that stops in the middle of a TLS record: it holds no one
#    else up; when it closes, the record is lost and the connection ends
#    without close_notify; when it sends the rest, the line arrives.  A
#    client that sends each byte in a record of its own: whole lines.
# 4. Renegotiation (s_client's "R" on TLS 1.2) is refused: the line
#    before it arrives, the connection ends with a TLS error; TLS 1.3
#    key updates ("k", and "K" that asks for one back) are fine.
# 5. A client certificate whose subject and SAN hold quotes, backslashes,
#    a comma, UTF-8, an ANSI escape and bytes that are not UTF-8: the
#    connected event stays one line with no raw control byte, the text
#    escapes OpenSSL's RFC 2253 subject as data is escaped, the JSON
#    (valid UTF-8) gives back the subject and the SANs exactly (tls_client
#    too), but for U+FFFD in place of each byte that is not UTF-8.
# 6. SIGTERM while K connections are in their handshake: tcplogd exits
#    at once with status 0 and writes no record of them.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_jq
need_cmd socat
need_python
tls_make_certs

n=$(load 1000 100)
p=$((n / 10))
m=$((p + p / 2))
# Long enough for the test to see the floods hold their places, however
# slow the machine.
hs=$((4 * scale))
config_global timestamps=no
tls_listener h "max_per_peer=$p" "max_connections=$m" \
    "tls_handshake_timeout=$hs"
tls_listener p "tls_handshake_timeout=$((60 * scale))"
tls_listener q tls_verify_client=optional
tls_listener sl tls_handshake_timeout=2
tls_listener qj tls_verify_client=optional format=json output=file \
    "file=$DIR/qj.json"
start_daemon

# The start of a TLS 1.2 ClientHello: a handshake record of 512 bytes
# of which only the first 38 ever come.
{
	printf '\026\003\001\002\000\001\000\001\374\003\003'
	head -c 27 /dev/zero
} > "$DIR/hello"

# 1. Floods.
tsend_bg "$DIR/fa.out" "$DIR/fa.err" -v -c "$n" -e hold -f "$DIR/hello" \
    127.0.0.1 "$(port_of h)"
fa_pid=$BG_PID
wait_until 20 active_is h "$p" ||
    fail "the first flood does not hold $p places: $(counters_now h)"
printf 'in past the flood\n' |
    timeout $((20 * scale)) socat -t $((10 * scale)) - \
    "OPENSSL:127.0.0.1:$(port_of h),bind=127.0.0.2,cafile=$PKI/ca.pem,commonname=localhost" ||
    fail "socat from 127.0.0.2 failed"
wait_match "$OUT" '^h 127\.0\.0\.2:[0-9]+ disconnected \(closed by peer\) 1 records 18 bytes$'
tsend_bg "$DIR/fb.out" "$DIR/fb.err" -v -c $((n / 2)) -e hold -B 127.0.0.3 \
    -f "$DIR/hello" 127.0.0.1 "$(port_of h)"
fb_pid=$BG_PID
wait_until 20 active_is h "$m" ||
    fail "the floods do not hold $m places: $(counters_now h)"
printf 'must not arrive\n' |
    timeout $((20 * scale)) socat -t $((10 * scale)) - \
    "OPENSSL:127.0.0.1:$(port_of h),bind=127.0.0.2,cafile=$PKI/ca.pem,commonname=localhost" \
    > /dev/null 2>&1 && fail "a client got in past max_connections"
# Until the floods end, never more than M.
most=0
while proc_alive "$fa_pid" || proc_alive "$fb_pid"; do
	a=$(active_of h)
	[ "$a" -le "$m" ] || fail "$a connections open, max_connections $m"
	[ "$a" -le "$most" ] || most=$a
done
wait_pid "$fa_pid" 20
wait_pid "$fb_pid" 20
log "floods: at most $most connections open (max_connections $m)"
wait_until 10 active_is h 0 || fail "flood connections left: $(counters_now h)"
printf 'in after the flood\n' | sclient h '' ||
    fail "s_client after the flood failed: $(cat "$DIR/sc.err")"
wait_match "$OUT" '^h 127\.0\.0\.1:[0-9]+ disconnected \(closed by peer\) 1 records 19 bytes$'

# Every flooding connection counted: 1.5 N of them, one client refused,
# two in.
acc=$(counter_of h accepted)
ref=$(counter_of h refused)
fails=$(counter_of h tls_failures)
[ $((acc + ref)) -eq $((n + n / 2 + 3)) ] ||
    fail "accepted $acc + refused $ref is not $((n + n / 2 + 3))"
[ "$fails" -eq $((acc - 2)) ] ||
    fail "$fails TLS failures for $((acc - 2)) flood connections accepted"
wait_until 5 notes_are h "$fails" 'TLS handshake timed out after [0-9]+ s' ||
    fail "the diagnostics told of $(tls_notes h 'timed out') handshake" \
    "timeouts, not $fails"
refusals_are()	# N
{
	[ $(($(refusals_said h 'max_per_peer reached') +
	    $(refusals_said h 'max_connections reached[^()]*'))) -eq "$1" ]
}
wait_until 5 refusals_are "$ref" ||
    fail "the diagnostics told of $(grep -c ': refused ' "$ERR") refusal" \
    "lines, not $ref refusals"
[ "$(refusals_said h 'max_per_peer reached')" -gt 0 ] ||
    fail "no refusal for max_per_peer"
[ "$(refusals_said h 'max_connections reached[^()]*')" -gt 0 ] ||
    fail "no refusal for max_connections"
sed -En 's/^tcplogd: listener h: refused .* \(max_connections reached: ([0-9]+) open on this listener.*/\1/p' \
    "$ERR" | while read -r o; do
	[ "$o" -le "$m" ] || fail "a refusal with $o open, max_connections $m"
done || exit 1
# The records of h: the two clients' and nothing else.
[ "$(grep -c '^h ' "$OUT")" -eq 6 ] ||
    fail "records of h that are not the two clients': $(grep '^h ' "$OUT" | head)"

# 2. Not TLS at all.
printf 'plain text on a TLS port\nsecond line\n' > "$DIR/plain"
printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' > "$DIR/http"
head -c 65536 /dev/urandom > "$DIR/random"
: > "$DIR/empty"
k=0
for f in plain http random empty; do
	k=$((k + 1))
	tsend -e half -f "$DIR/$f" 127.0.0.1 "$(port_of p)" \
	    > "$DIR/$f.out" 2>&1
	wait_until 10 failures_reach p "$k" ||
	    fail "$f: not a TLS failure: $(counters_now p)"
done
grep -q '^p ' "$OUT" && fail "a record of a client that does not speak TLS"
wait_until 5 notes_are p 4 'TLS handshake failed: ' ||
    fail "the diagnostics told of $(tls_notes p) failures, not 4"
# The whole record the ClientHello start announces, 517 bytes: 52 s.
{
	cat "$DIR/hello"
	head -c 479 /dev/zero
} > "$DIR/slow"
tsend_bg "$DIR/slow.out" "$DIR/slow.err" -v -e hold -k 1 -d 100 \
    -f "$DIR/slow" 127.0.0.1 "$(port_of sl)"
slow_pid=$BG_PID
wait_match "$ERR" '^tcplogd: sl: 127\.0\.0\.1:[0-9]+: TLS handshake timed out after 2 s$' 20
wait_pid "$slow_pid" 20
grep -q '^c0 sent 517 bytes' "$DIR/slow.out" &&
    fail "the slow ClientHello was not cut: $(cat "$DIR/slow.out")"
grep -q '^sl ' "$OUT" && fail "a record of the slow ClientHello"

# 3. A client that stops in the middle of a record, then closes; one that
# stops, then sends the rest.  Others are served meanwhile.
rm -f "$DIR/go"
tlsc stall "$(port_of p)" "$PKI/ca.pem" - "$(printf 'lost line\n' | hexof)" \
    10 close "$DIR/go" > "$DIR/st1.out" 2> "$DIR/st1.err" &
st1_pid=$!
bg_track "$st1_pid"
tlsc stall "$(port_of p)" "$PKI/ca.pem" "$PKI/app1" \
    "$(printf 'finished line\n' | hexof)" 20 finish "$DIR/go" \
    > "$DIR/st2.out" 2> "$DIR/st2.err" &
st2_pid=$!
bg_track "$st2_pid"
wait_match "$DIR/st1.out" '^stalled$' 20
wait_match "$DIR/st2.out" '^stalled$' 20
printf 'served while others stall\n' | sclient p '' ||
    fail "s_client during the stalls failed: $(cat "$DIR/sc.err")"
wait_match "$OUT" '^p [^ ]+: served while others stall$'
: > "$DIR/go"
wait_pid "$st1_pid" 20 || fail "stall close failed: $(cat "$DIR/st1.err")"
wait_pid "$st2_pid" 20 || fail "stall finish failed: $(cat "$DIR/st2.err")"
pa=$(sed -n 's/^peer //p' "$DIR/st1.out")
pb=$(sed -n 's/^peer //p' "$DIR/st2.out")
wait_match "$OUT" "^p $pa disconnected "
wait_match "$OUT" "^p $pb disconnected "
aes=TLSv1.3\ TLS_AES_256_GCM_SHA384
cat > "$DIR/st.want" <<EOF
p $pa connected ($aes)
p $pa disconnected (closed without TLS close_notify) 0 records 0 bytes
p $pb connected ($aes)
p $pb: finished line
p $pb disconnected (closed by peer) 1 records 14 bytes
EOF
{
	records_of "$OUT" "$pa"
	records_of "$OUT" "$pb"
} > "$DIR/st.got"
expect_file "$DIR/st.want" "$DIR/st.got"
awk 'BEGIN { for (i = 1; i <= 50; i++) printf "byte record line %02d\n", i }' \
    > "$DIR/split.in"
tlsc split "$(port_of p)" "$PKI/ca.pem" - "$(hexof < "$DIR/split.in")" \
    > "$DIR/split.out" || fail "tls-client.py split failed"
ps=$(sed -n 's/^peer //p' "$DIR/split.out")
wait_match "$OUT" "^p $ps disconnected \\(closed by peer\\) 50 records $(wc -c < "$DIR/split.in") bytes\$"
sed -n "s/^p $ps: //p" "$OUT" > "$DIR/split.got"
expect_file "$DIR/split.in" "$DIR/split.got"

# 4. Renegotiation and key update, through s_client's command letters
# (one line of its stdin each, so each is a read of its own).
# interactive VERSION CMD WORD: s_client at VERSION sends a line, CMD,
# then (when CMD is said done by WORD on its stderr) another line.
interactive()
{
	rm -f "$DIR/ia.in"
	mkfifo "$DIR/ia.in" || hard_error "mkfifo failed"
	timeout $((30 * scale)) openssl s_client \
	    -connect "127.0.0.1:$(port_of p)" -servername localhost \
	    -CAfile "$PKI/ca.pem" -verify_return_error -quiet -no_ign_eof \
	    "$1" < "$DIR/ia.in" > "$DIR/ia.out" 2> "$DIR/ia.err" &
	ia_pid=$!
	bg_track "$ia_pid"
	exec 3> "$DIR/ia.in"
	echo "before $2" >&3
	wait_match "$OUT" "^p [^ ]+: before $2\$"
	echo "$2" >&3
	wait_match "$DIR/ia.err" "$3"
}
interactive -tls1_2 R RENEGOTIATING
wait_match "$OUT" '^p [^ ]+ disconnected \(TLS error\) 1 records 9 bytes$'
exec 3>&-
wait_pid "$ia_pid" 20
grep -q 'no renegotiation' "$DIR/ia.err" ||
    fail "s_client was not refused renegotiation: $(cat "$DIR/ia.err")"
interactive -tls1_3 k KEYUPDATE
echo 'after k' >&3
wait_match "$OUT" '^p [^ ]+: after k$'
exec 3>&-
wait_pid "$ia_pid" 20 || fail "s_client with a key update failed"
wait_match "$OUT" '^p [^ ]+ disconnected \(closed by peer\) 2 records 17 bytes$'
# A key update that asks for tcplogd's in return.
interactive -tls1_3 K KEYUPDATE
echo 'after K' >&3
wait_match "$OUT" '^p [^ ]+: after K$'
exec 3>&-
wait_pid "$ia_pid" 20 || fail "s_client with a requested key update failed"
wait_count "$OUT" '^p [^ ]+ disconnected \(closed by peer\) 2 records 17 bytes$' 2

# 5. Names with quotes, escapes and UTF-8.
esc=$(printf '\033')
tls_cert ca weird "we\"ird\\\\ $(printf '\303\251') ${esc}[31m,red" \
    "DNS:x${esc}[2J.example.com,DNS:a$(printf '\377\300\257')b.example.com" client
openssl x509 -in "$PKI/weird.pem" -noout -subject \
    -nameopt RFC2253,-esc_msb | sed 's/^subject=//' > "$DIR/subject"
printf 'weird\n' | sclient q weird ||
    fail "q: s_client failed: $(cat "$DIR/sc.err")"
printf 'weird\n' | sclient qj weird ||
    fail "qj: s_client failed: $(cat "$DIR/sc.err")"
wait_match "$OUT" '^q [^ ]+ disconnected '
wait_match "$DIR/qj.json" '^\{"listener":"qj",.*"event":"disconnected"'
grep '^q ' "$OUT" > "$DIR/q.out"
grep '^{"listener":"qj"' "$DIR/qj.json" > "$DIR/qj.out"
for f in q.out qj.out; do
	[ "$(wc -l < "$DIR/$f")" -eq 3 ] || fail "$f: not 3 records: $(cat "$DIR/$f")"
	[ "$(tr -d '\n\040-\176\200-\377' < "$DIR/$f" | wc -c)" -eq 0 ] ||
	    fail "$f: raw control bytes"
done
check_json "$DIR/qj.out"
want=" connected ($aes, client $(sed 's/\\/\\\\/g' "$DIR/subject") verified)"
head -n 1 "$DIR/q.out" | sed -E 's/^q [^ ]+//' > "$DIR/q.got"
printf '%s\n' "$want" > "$DIR/q.want"
expect_file "$DIR/q.want" "$DIR/q.got"
jq -r 'select(.event == "connected") | .tls.client_subject, .tls_client,
    .tls.client_san[]' < "$DIR/qj.out" > "$DIR/qj.got"
# A byte that is not UTF-8 is U+FFFD.
{
	cat "$DIR/subject" "$DIR/subject"
	printf 'x\033[2J.example.com\n'
	printf 'a\357\277\275\357\277\275\357\277\275b.example.com\n'
} > "$DIR/qj.want"
expect_file "$DIR/qj.want" "$DIR/qj.got"

# 6. SIGTERM in the middle of handshakes.
nrec=$(wc -l < "$OUT")
kc=$(load 200 20)
tsend_bg "$DIR/fc.out" "$DIR/fc.err" -v -c "$kc" -e hold -f "$DIR/hello" \
    127.0.0.1 "$(port_of p)"
wait_until 20 active_is p "$kc" ||
    fail "not $kc handshakes going on: $(counters_now p)"
stop_daemon 10
[ "$(wc -l < "$OUT")" -eq "$nrec" ] ||
    fail "records written at SIGTERM: $(tail -n +$((nrec + 1)) "$OUT" | head)"
check_sanitizer "$ERR"
exit 0

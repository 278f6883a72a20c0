#!/bin/sh
# tls-flow.sh: what works on plain TCP works over TLS.
#
# 1. Backpressure: stdout stalls (its reader stopped) while socat sends
#    N lines over TLS; once the reader goes on, every line arrives once,
#    whole and in order, and the connection ends "closed by peer".
#    Clients that connect during the stall (their handshakes go on) lose
#    nothing either, and tcplogd does not spin while it waits.
# 2. Overlong lines over TLS: truncate keeps the first max_line bytes
#    and goes on; close ends the connection ("line too long"; how many
#    bytes it read by then is not compared); split cuts a 200 kB line
#    (13 TLS records) into max_line pieces that give it back whole.
# 3. idle_timeout ends an idle TLS connection ("idle timeout").
# 4. A reload that removes a TLS listener: its connection ends with
#    "disconnected (reload)", one in its handshake ends with no record.
#    The same reload gives listener m another certificate and allowed
#    names: a handshake half done before it ends under the old ones (in,
#    verified), a new one gets the new ones (refused); and turns TLS off
#    on listener x: its TLS connection goes on over TLS, a new one is
#    plain.
# 5. Ten reloads while a TLS client stays connected: it sends a line
#    after each and loses none (and under valgrind nothing leaks).
# 6. SIGTERM while TLS clients hold their connections after two lines
#    and a partial one: the lines, the partial one flagged, then
#    "disconnected (shutdown)" for each, and exit 0.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_cmd socat
need_python
tls_make_certs

# conf [g]: the config, with listener g and m's first settings, or
# without g and with m's second ones.
conf()
{
	config_global timestamps=no shutdown_timeout=60
	tls_listener b
	tls_listener t max_line=16 overlong=truncate
	tls_listener c max_line=16 overlong=close
	tls_listener sp max_line=1000 overlong=split
	tls_listener i idle_timeout=1
	tls_listener s
	if [ -n "${1:-}" ]; then
		tls_listener x
		tls_listener g
		tls_listener m tls_verify_client=require \
		    'tls_allowed_names=*.example.com'
	else
		tls_listener m tls_verify_client=require \
		    tls_allowed_names=nothere.example.org \
		    "tls_certificate=$PKI/server2.pem" \
		    "tls_key=$PKI/server2.key"
		config_listener x
	fi
}
conf g
fifo_reader
start_daemon

# 1. Backpressure.  The output buffers 4 MiB before it stalls: 8 MB of
# records, at every load.
n=64000
awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "seq %06d %s\n", i, \
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
}' > "$DIR/in.txt"
kill -STOP "$CAT_PID"
timeout $((60 * scale)) socat -t $((30 * scale)) "OPEN:$DIR/in.txt" \
    "OPENSSL:127.0.0.1:$(port_of b),cafile=$PKI/ca.pem,commonname=localhost" \
    > "$DIR/socat.out" 2>&1 &
socat_pid=$!
bg_track "$socat_pid"
wait_match "$ERR" '^tcplogd: stdout: output stalled ' 30
# Clients that come during the stall: a handshake (with a line in the
# flight of its Finished), and one that ends without close_notify.
printf 'during the stall\n' | sclient b '' &
sc_pid=$!
bg_track "$sc_pid"
tlsc noclose "$(port_of b)" "$PKI/ca.pem" - \
    "$(printf 'noclose in the stall\n' | hexof)" > "$DIR/nc.out" 2>&1 &
nc_pid=$!
bg_track "$nc_pid"
# Their handshakes are done and their lines sent (not yet read, as
# tcplogd reads nothing while it waits for stdout).
wait_until 20 active_is b 3 || fail "not 3 connections: $(counters_now b)"
# While it waits, tcplogd waits: over a second it uses less than half a
# second of CPU (a read event left armed on a paused connection would
# make it spin, as one did once).
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$DPID/stat"
}
hz=$(getconf CLK_TCK)
c0=$(cpu_ticks)
sleep 1		# a measuring window, not a wait for an event
spun=$(($(cpu_ticks) - c0))	# judged at the end, so the rest runs
kill -CONT "$CAT_PID"
wait_pid "$socat_pid" 60 || fail "socat failed: $(cat "$DIR/socat.out")"
wait_pid "$sc_pid" 30 || fail "s_client failed: $(cat "$DIR/sc.err")"
wait_pid "$nc_pid" 30 || fail "tls-client.py failed: $(cat "$DIR/nc.out")"
wait_count "$DIR/sink" '^b [^ ]+ disconnected ' 3 30
grep -Eq '^b [^ ]+: during the stall$' "$DIR/sink" ||
    fail "the line of the client that came during the stall is lost"
grep -Eq '^b [^ ]+: noclose in the stall$' "$DIR/sink" ||
    fail "the line of the noclose client that came during the stall is lost"
grep -Eq '^b [^ ]+ disconnected \(closed without TLS close_notify\) 1 records 21 bytes$' \
    "$DIR/sink" || fail "wrong disconnect: $(grep '^b .* disconnected' "$DIR/sink")"
grep -v -e 'during the stall' -e 'noclose in the stall' "$DIR/sink" > "$DIR/sink.b"
sed -n 's/^b [^ ]*: //p' "$DIR/sink.b" > "$DIR/b.got"
cmp -s "$DIR/in.txt" "$DIR/b.got" ||
    fail "not every line once and in order ($(wc -l < "$DIR/b.got") of $n)"
grep -Eq "^b [^ ]+ disconnected \\(closed by peer\\) $n records $(wc -c < "$DIR/in.txt") bytes\$" \
    "$DIR/sink" || fail "wrong disconnect: $(grep '^b .* disconnected' "$DIR/sink")"

# 2. Overlong lines.
printf 'short\n0123456789abcdefghij\nafter\n' | sclient t '' ||
    fail "s_client to t failed: $(cat "$DIR/sc.err")"
printf 'short\n0123456789abcdefghij\nnever\n' | sclient c ''
wait_match "$DIR/sink" '^t [^ ]+ disconnected '
wait_match "$DIR/sink" '^c [^ ]+ disconnected '
aes=TLSv1.3\ TLS_AES_256_GCM_SHA384
for l in t c; do
	grep "^$l " "$DIR/sink" | sed -E "s/^$l 127\\.0\\.0\\.1:[0-9]+/$l PEER/"
done | sed -E 's/(line too long\) 2 records) [0-9]+ bytes$/\1 BYTES/' \
    > "$DIR/ol.got"
cat > "$DIR/ol.want" <<EOF
t PEER connected ($aes)
t PEER: short
t PEER [truncated]: 0123456789abcdef
t PEER: after
t PEER disconnected (closed by peer) 3 records 33 bytes
c PEER connected ($aes)
c PEER: short
c PEER [truncated]: 0123456789abcdef
c PEER disconnected (line too long) 2 records BYTES
EOF
expect_file "$DIR/ol.want" "$DIR/ol.got"

awk 'BEGIN { for (i = 0; i < 20000; i++) printf "%09d ", i; printf "\nend\n" }' \
    > "$DIR/long.in"
sclient sp '' < "$DIR/long.in" ||
    fail "s_client to sp failed: $(cat "$DIR/sc.err")"
wait_match "$DIR/sink" '^sp [^ ]+ disconnected '
# 200000 bytes in 200 pieces of 1000 (the last one whole, with its LF),
# then "end".
grep -c '^sp [^ ]* \[split\]: ' "$DIR/sink" | grep -qx 199 ||
    fail "sp: not 199 split records"
awk '$1 == "sp" && $3 == "[split]:" { printf "%s", substr($0, index($0, ": ") + 2) }
    $1 == "sp" && $2 ~ /:$/ { print substr($0, index($0, ": ") + 2) }' \
    "$DIR/sink" > "$DIR/long.got"
expect_file "$DIR/long.in" "$DIR/long.got"
grep -Eq '^sp [^ ]+ disconnected \(closed by peer\) 201 records 200005 bytes$' \
    "$DIR/sink" || fail "sp: wrong disconnect"

# 3. idle_timeout.
tlsc hold "$(port_of i)" "$PKI/ca.pem" - "$(printf 'then idle\n' | hexof)" \
    > "$DIR/idle.out" || fail "tls-client.py hold failed"
pi=$(sed -n 's/^peer //p' "$DIR/idle.out")
records_of "$DIR/sink" "$pi" > "$DIR/idle.got"
cat > "$DIR/idle.want" <<EOF
i $pi connected ($aes)
i $pi: then idle
i $pi disconnected (idle timeout) 1 records 10 bytes
EOF
wait_match "$DIR/sink" "^i $pi disconnected "
records_of "$DIR/sink" "$pi" > "$DIR/idle.got"
expect_file "$DIR/idle.want" "$DIR/idle.got"

# 4. A reload removes listener g.
tlsc hold "$(port_of g)" "$PKI/ca.pem" - "$(printf 'on g\n' | hexof)" \
    > "$DIR/g.out" 2> "$DIR/g.err" &
g_pid=$!
bg_track "$g_pid"
wait_match "$DIR/g.out" '^sent$' 20
{
	printf '\026\003\001\002\000\001\000\001\374\003\003'
	head -c 27 /dev/zero
} > "$DIR/hello"
tsend_bg "$DIR/gh.out" "$DIR/gh.err" -v -e hold -f "$DIR/hello" \
    127.0.0.1 "$(port_of g)"
gh_pid=$BG_PID
wait_match "$DIR/gh.out" '^c0 sent ' 20
wait_until 10 active_is g 2 ||
    fail "g: not 2 connections: $(counters_now g)"
mkfifo "$DIR/x.in" || hard_error "mkfifo failed"
openssl s_client -connect "127.0.0.1:$(port_of x)" -servername localhost \
    -CAfile "$PKI/ca.pem" -verify_return_error -quiet -no_ign_eof \
    < "$DIR/x.in" > "$DIR/x.out" 2> "$DIR/x.err" &
x_pid=$!
bg_track "$x_pid"
exec 4> "$DIR/x.in"
echo 'x over TLS' >&4
wait_match "$DIR/sink" '^x [^ ]+: x over TLS$'
rm -f "$DIR/go"
tlsc midway "$(port_of m)" "$PKI/ca.pem" "$PKI/app1" \
    "$(printf 'half before the reload\n' | hexof)" "$DIR/go" \
    > "$DIR/mw.out" 2> "$DIR/mw.err" &
mw_pid=$!
bg_track "$mw_pid"
wait_match "$DIR/mw.out" '^midway$' 20
conf
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: listener g removed$'
wait_match "$ERR" '^tcplogd: reloaded: [0-9]+ listeners$'
: > "$DIR/go"
wait_pid "$mw_pid" 20 || fail "the midway client failed: $(cat "$DIR/mw.err")"
pm=$(sed -n 's/^peer //p' "$DIR/mw.out")
wait_match "$DIR/sink" "^m $pm disconnected "
cat > "$DIR/m.want" <<EOF
m $pm connected ($aes, client CN=app1.example.com verified)
m $pm: half before the reload
m $pm disconnected (closed by peer) 1 records 23 bytes
EOF
records_of "$DIR/sink" "$pm" > "$DIR/m.got"
expect_file "$DIR/m.want" "$DIR/m.got"
printf 'must not arrive\n' | sclient m app1
wait_until 10 failures_reach m 1 ||
    fail "m: app1 not refused after the reload: $(counters_now m)"
grep -q 'must not arrive' "$DIR/sink" && fail "m: a refused client's line"
echo 'x still over TLS' >&4
wait_match "$DIR/sink" '^x [^ ]+: x still over TLS$'
exec 4>&-
wait_pid "$x_pid" 20 || fail "s_client to x failed: $(cat "$DIR/x.err")"
printf 'x in plain\n' | tsend -e half -f - 127.0.0.1 "$(port_of x)" ||
    fail "plain client to x failed"
wait_count "$DIR/sink" '^x [^ ]+ disconnected ' 2
sed -E 's/^x 127\.0\.0\.1:[0-9]+/x PEER/' "$DIR/sink" | grep '^x ' > "$DIR/x.got"
cat > "$DIR/x.want" <<EOF
x PEER connected ($aes)
x PEER: x over TLS
x PEER: x still over TLS
x PEER disconnected (closed by peer) 2 records 28 bytes
x PEER connected
x PEER: x in plain
x PEER disconnected (closed by peer) 1 records 11 bytes
EOF
expect_file "$DIR/x.want" "$DIR/x.got"
wait_pid "$g_pid" 20 || fail "the client of g failed: $(cat "$DIR/g.err")"
wait_pid "$gh_pid" 20
grep -q '^c0 closed by server' "$DIR/gh.out" ||
    fail "the handshake on g was not ended: $(cat "$DIR/gh.out")"
pg=$(sed -n 's/^peer //p' "$DIR/g.out")
wait_match "$DIR/sink" "^g $pg disconnected "
cat > "$DIR/g.want" <<EOF
g $pg connected ($aes)
g $pg: on g
g $pg disconnected (reload) 1 records 5 bytes
EOF
grep '^g ' "$DIR/sink" > "$DIR/g.got"
expect_file "$DIR/g.want" "$DIR/g.got"

# 5. Reloads, one after another, and a live connection.
mkfifo "$DIR/live.in" || hard_error "mkfifo failed"
openssl s_client -connect "127.0.0.1:$(port_of b)" -servername localhost \
    -CAfile "$PKI/ca.pem" -verify_return_error -quiet -no_ign_eof \
    < "$DIR/live.in" > "$DIR/live.out" 2> "$DIR/live.err" &
live_pid=$!
bg_track "$live_pid"
exec 3> "$DIR/live.in"
nr=$(grep -c '^tcplogd: reloaded: ' "$ERR")
r=1
while [ "$r" -le 10 ]; do
	kill -HUP "$DPID"
	wait_count "$ERR" '^tcplogd: reloaded: ' $((nr + r))
	echo "after reload $r" >&3
	wait_match "$DIR/sink" "^b [^ ]+: after reload $r\$"
	r=$((r + 1))
done
exec 3>&-
wait_pid "$live_pid" 20 || fail "the live s_client failed: $(cat "$DIR/live.err")"
wait_match "$DIR/sink" '^b [^ ]+ disconnected \(closed by peer\) 10 records 151 bytes$'

# 6. SIGTERM with clients that hold their connections.
k=3
j=0
while [ "$j" -lt "$k" ]; do
	tlsc hold "$(port_of s)" "$PKI/ca.pem" - \
	    "$(printf 'line1\nline2\npartial-data' | hexof)" \
	    > "$DIR/hold$j.out" 2> "$DIR/hold$j.err" &
	bg_track $!
	j=$((j + 1))
done
j=0
while [ "$j" -lt "$k" ]; do
	wait_match "$DIR/hold$j.out" '^sent$' 20
	j=$((j + 1))
done
stop_daemon 20
wait_pid "$CAT_PID" 10
j=0
while [ "$j" -lt "$k" ]; do
	ps=$(sed -n 's/^peer //p' "$DIR/hold$j.out")
	records_of "$DIR/sink" "$ps" > "$DIR/s.got"
	cat > "$DIR/s.want" <<EOF
s $ps connected ($aes)
s $ps: line1
s $ps: line2
s $ps [partial]: partial-data
s $ps disconnected (shutdown) 3 records 24 bytes
EOF
	expect_file "$DIR/s.want" "$DIR/s.got"
	j=$((j + 1))
done
[ "$spun" -lt $((hz / 2)) ] ||
    fail "tcplogd spun while its output was stalled (section 1):" \
    "$spun of $hz ticks in a second"
exit 0

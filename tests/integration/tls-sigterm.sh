#!/bin/sh
# tls-sigterm.sh: sigterm-paused.sh over TLS.  SIGTERM while the stdout
# reader is stopped, so the listener is paused and socat's TLS records
# (6 MB of lines, then its close_notify) wait in kernel buffers.  After
# the stop delay tcplogd reads and decrypts what the socket holds and
# closes; once the reader resumes, every line is in the output once, in
# order, the connection ends "closed by peer" (the close_notify was
# read) with every record counted, nothing is left unread, and tcplogd
# exits 0.

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_cmd socat
tls_make_certs

# Past the 4 MiB the output buffers, below the 16 MiB drain bound.
n=60000
awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "seq %06d %s\n", i, \
		    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
}' > "$DIR/in.txt"
config_global shutdown_timeout=60
tls_listener main timestamps=no
fifo_reader
start_daemon

kill -STOP "$CAT_PID"
# Not under timeout(1): the test needs socat's own pid (the test's time
# bound covers it).
socat -t $((100 * scale)) "OPEN:$DIR/in.txt" \
    "OPENSSL:127.0.0.1:$(port_of main),cafile=$PKI/ca.pem,commonname=localhost" \
    > "$DIR/socat.out" 2>&1 &
socat_pid=$!
bg_track "$socat_pid"
wait_match "$ERR" '^tcplogd: stdout: output stalled ' 30
# socat has read its whole file (and so written every record).
wait_until 30 reader_has_read "$socat_pid" "$DIR/in.txt" \
    "$(wc -c < "$DIR/in.txt")" || fail "socat did not send everything"

kill -TERM "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted 1 refused 0 active 0 ' \
    30
kill -CONT "$CAT_PID"
wait_pid "$DPID" 60
rc=$?
DPID=
check_sanitizer "$ERR"
[ "$rc" -eq 0 ] || fail "tcplogd exited with status $rc"
wait_pid "$CAT_PID" 10
if grep -q 'left unread' "$ERR"; then
	fail "data left unread: $(grep 'left unread' "$ERR")"
fi
sed -n 's/^main [^ ]*: //p' "$DIR/sink" > "$DIR/got"
cmp -s "$DIR/in.txt" "$DIR/got" ||
    fail "not every line once and in order ($(wc -l < "$DIR/got") of $n)"
grep -Eq "^main [^ ]+ disconnected \\(closed by peer\\) $n records $(wc -c < "$DIR/in.txt") bytes\$" \
    "$DIR/sink" ||
    fail "wrong disconnect: $(grep '^main .* disconnected' "$DIR/sink")"
exit 0

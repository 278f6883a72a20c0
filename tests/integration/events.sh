#!/bin/sh
# events.sh: connected/disconnected records and the reasons: "closed by
# peer" for a close and for a half-close (the client shuts down its
# write side and waits for tcplogd to close), "reset" for an RST; the
# counts; "events = no" writes data records only.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=no
config_listener ev
config_listener quiet events=no
start_daemon

n=0
# session INPUT EXPECTED_DISCONNECT TSEND_OPTS...: send INPUT (printf
# format) to listener ev, compare its records.  EXPECTED_DISCONNECT is
# "REASON) N records M bytes".
session()
{
	n=$((n + 1))
	# shellcheck disable=SC2059 # the input is a printf format
	printf "$1" > "$DIR/in$n"
	se_disc=$2
	shift 2
	tsend -v "$@" -f "$DIR/in$n" 127.0.0.1 "$(port_of ev)" \
	    > "$DIR/send$n.out" || fail "tcplogd-send $* failed"
	se_p=$(peer_of "$DIR/send$n.out")
	wait_match "$OUT" "^ev $se_p disconnected "
	records_of "$OUT" "$se_p" > "$DIR/out$n"
	{
		echo "ev $se_p connected"
		cat "$DIR/data$n"
		echo "ev $se_p disconnected ($se_disc"
	} | sed "s/PEER/$se_p/" > "$DIR/expected$n"
	expect_file "$DIR/expected$n" "$DIR/out$n"
}

# Expected data records; PEER is replaced by the peer.
printf 'ev PEER: a\n' > "$DIR/data1"
session 'a\n' 'closed by peer) 1 records 2 bytes'

printf 'ev PEER: a\nev PEER [partial]: b\n' > "$DIR/data2"
session 'a\nb' 'reset) 2 records 3 bytes' -e reset

printf 'ev PEER: a\nev PEER [partial]: b\n' > "$DIR/data3"
session 'a\nb' 'closed by peer) 2 records 3 bytes' -e half
grep -q '^c0 closed by server$' "$DIR/send3.out" ||
    fail "tcplogd did not close a half-closed connection"

: > "$DIR/data4"
session '' 'closed by peer) 0 records 0 bytes'

: > "$DIR/data5"
session '' 'reset) 0 records 0 bytes' -e reset

printf 'ev PEER: x\n' > "$DIR/data6"
session 'x\r\n' 'reset) 1 records 3 bytes' -e reset

# events = no: data records only.  -e half waits until tcplogd has
# closed the connection, so every record about it has been written.
printf 'q1\nq2' > "$DIR/inq"
tsend -v -e half -f "$DIR/inq" 127.0.0.1 "$(port_of quiet)" \
    > "$DIR/sendq.out" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/sendq.out")
wait_match "$OUT" "^quiet $p \\[partial\\]: q2\$"
stop_daemon
printf 'quiet %s: q1\nquiet %s [partial]: q2\n' "$p" "$p" > "$DIR/expectedq"
grep '^quiet ' "$OUT" > "$DIR/outq"
expect_file "$DIR/expectedq" "$DIR/outq"
exit 0

#!/bin/sh
# maxconn.sh: connection caps.  Over a listener's max_connections, and
# over the total max_connections of [tcplogd], a new connection is
# accepted and closed at once, gets no records, is counted as refused and
# noted in the diagnostics; once a connection ends, new ones are served.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# hold NAME PORT: a client that connects and waits for tcplogd to close.
hold()
{
	tsend_bg "$DIR/$1.out" "$DIR/$1.err" -v -e hold 127.0.0.1 "$2"
	eval "pid_$1=\$BG_PID"
	wait_match "$DIR/$1.out" '^c0 connected '
}

# said_refusals: how many refusals of main the diagnostics counted.
said_refusals()
{
	refusals_said main 'max_connections reached: [0-9]+ open on this listener, [0-9]+ in all'
}

# shellcheck disable=SC2317 # called by wait_until
said_refusals_are()
{
	[ "$(said_refusals)" -eq "$1" ]
}

# refused NAME PORT: a client that tcplogd must close at once.
refused()
{
	tsend -v -e hold 127.0.0.1 "$2" > "$DIR/$1.out" 2> "$DIR/$1.err" ||
	    fail "$1: tcplogd-send failed: $(cat "$DIR/$1.err")"
	grep -q '^c0 closed by server' "$DIR/$1.out" ||
	    fail "$1: not closed by tcplogd"
}

# 1. The listener's own cap.
write_config timestamps=no max_connections=2
start_daemon
port=$(port_of main)
hold h1 "$port"
hold h2 "$port"
wait_count "$OUT" ' connected$' 2
refused r1 "$port"
wait_match "$ERR" '^tcplogd: listener main: refused 127\.0\.0\.1:[0-9]+ \(max_connections reached: 2 open on this listener, 2 in all\)$'
# A burst of refused connections.
tsend -v -c 5 -e hold 127.0.0.1 "$port" > "$DIR/burst.out" ||
    fail "burst: tcplogd-send failed"
[ "$(grep -c ' closed by server' "$DIR/burst.out")" -eq 5 ] ||
    fail "burst: not all closed by tcplogd"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted [0-9]+ refused 6 active 2 '
grep -Eq '^tcplogd: listener main: accepted (2|8) refused 6 active 2 records 0 bytes 0 overlong 0 partial 0 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR" ||
    fail "wrong counters: $(grep 'listener main' "$ERR")"
[ "$(grep -c ' connected$' "$OUT")" -eq 2 ] ||
    fail "records for refused connections"
# Refusals are said at most once a second per listener and reason: the
# first at once, the rest of that second as one line naming the first
# peer held back and how many more.  All six are accounted for, in
# fewer lines (the burst may straddle two seconds).
wait_until 10 said_refusals_are 6 ||
    fail "refusals said: $(said_refusals), not 6: $(grep refused "$ERR")"
[ "$(grep -c ' (max_connections reached' "$ERR")" -le 4 ] ||
    fail "a line for every refusal: $(grep refused "$ERR")"
# One ends: a new client is served.
# shellcheck disable=SC2154 # set by hold
kill "$pid_h1"
wait_count "$OUT" ' disconnected \(closed by peer\) 0 records 0 bytes$' 1
printf 'served\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$OUT" ': served$'
stop_daemon

# 2. The total cap.
mv "$ERR" "$DIR/err1"
mv "$OUT" "$DIR/out1"
config_global timestamps=no max_connections=3
config_listener a
config_listener b
start_daemon
hold h3 "$(port_of a)"
hold h4 "$(port_of a)"
hold h5 "$(port_of b)"
wait_count "$OUT" ' connected$' 3
refused r2 "$(port_of b)"
wait_match "$ERR" '^tcplogd: listener b: refused 127\.0\.0\.1:[0-9]+ \(max_connections reached: 1 open on this listener, 3 in all\)$'
refused r3 "$(port_of a)"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener b: accepted [0-9]+ refused 1 active 1 '
wait_match "$ERR" '^tcplogd: listener a: accepted [0-9]+ refused 1 active 2 '
[ "$(grep -c ' connected$' "$OUT")" -eq 3 ] ||
    fail "records for refused connections"
stop_daemon
exit 0

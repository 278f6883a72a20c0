#!/bin/sh
# sigusr1.sh: SIGUSR1 writes one counters line per listener to the
# diagnostics, matching what was sent; they are written again at
# shutdown.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=no
config_listener a
config_listener b max_line=10
start_daemon
pa=$(port_of a)
pb=$(port_of b)

# a: 3 connections x 10 lines of 20 + 1 bytes; one with a partial line.
tsend -c 3 -n 10 -s 20 127.0.0.1 "$pa" || fail "tcplogd-send failed"
printf 'p1\npartial' | tsend -f - 127.0.0.1 "$pa" || fail "tcplogd-send failed"
# b: one overlong line, and a connection that stays open.
printf 'short\n0123456789abcdefghij\n' | tsend -f - 127.0.0.1 "$pb" ||
    fail "tcplogd-send failed"
printf 'held\n' > "$DIR/held"
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -e hold -f "$DIR/held" \
    127.0.0.1 "$pb"
wait_count "$OUT" '^a .* disconnected ' 4
wait_count "$OUT" '^b .* disconnected ' 1
wait_match "$OUT" '^b .*: held$'

kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener a: '
wait_match "$ERR" '^tcplogd: listener b: '
grep -q '^tcplogd: listener a: accepted 4 refused 0 active 0 records 32 bytes 640 overlong 0 partial 1 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR" ||
    fail "wrong counters for a: $(grep 'listener a:' "$ERR")"
grep -q '^tcplogd: listener b: accepted 2 refused 0 active 1 records 3 bytes 32 overlong 1 partial 0 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR" ||
    fail "wrong counters for b: $(grep 'listener b:' "$ERR")"

# Counters go on counting.
printf 'more\n' | tsend -f - 127.0.0.1 "$pa" || fail "tcplogd-send failed"
wait_count "$OUT" '^a .* disconnected ' 5
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener a: accepted 5 refused 0 active 0 records 33 bytes 645 overlong 0 partial 1 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$'

# At shutdown too.
stop_daemon
[ "$(grep -c '^tcplogd: listener a: accepted 5 refused 0 active 0 records 33 bytes 645 overlong 0 partial 1 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' "$ERR")" -eq 2 ] ||
    fail "no counters for a at shutdown: $(grep 'listener a:' "$ERR")"
grep '^tcplogd: listener b: ' "$ERR" | tail -n 1 |
    grep -Eq '^tcplogd: listener b: accepted 2 refused 0 active [01] records 3 bytes 32 overlong 1 partial 0 output_bytes [0-9][0-9]* pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' ||
    fail "no counters for b at shutdown: $(grep 'listener b:' "$ERR")"
exit 0

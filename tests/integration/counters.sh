#!/bin/sh
# counters.sh: the SIGUSR1 counters line, with output_bytes and pauses,
# matches what was sent: a file-only listener's output_bytes is the size
# of its file (text and json), a listener writing to stdout and a file
# counts both, refused connections and overlong and partial lines are
# counted, and a listener held back by a stalled stdout counts one pause
# per stall while a file-only listener counts none.  Each output has a
# line too: its bytes written (the file's size) and its stalls.  The
# listener lines are written again at shutdown.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=no
config_listener f output=file "file=$DIR/f.log" max_line=10 max_connections=1
config_listener fj output=file "file=$DIR/fj.log" format=json
config_listener b 'output=stdout, file' "file=$DIR/b.log"
config_listener p
fifo_reader
start_daemon

# counters NAME: the last counters line of listener NAME.
counters()
{
	grep "^tcplogd: listener $1: accepted " "$ERR" | tail -n 1
}

# f: one overlong line, a partial line; then 10 lines of 8 + 1 bytes.
printf 'short\n0123456789abcdefghij\npart' | tsend -f - 127.0.0.1 \
    "$(port_of f)" || fail "tcplogd-send failed"
# f takes one connection at a time: wait for each to be gone.
wait_count "$DIR/f.log" ' disconnected ' 1
tsend -n 10 -s 8 127.0.0.1 "$(port_of f)" || fail "tcplogd-send failed"
# Both are gone before the held one takes the only place.
wait_count "$DIR/f.log" ' disconnected ' 2
# A connection held open, then one over max_connections.
printf 'held\n' > "$DIR/held"
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -e hold -f "$DIR/held" \
    127.0.0.1 "$(port_of f)"
wait_match "$DIR/f.log" ': held$'
tsend -v -e hold 127.0.0.1 "$(port_of f)" > "$DIR/refused.out" \
    2> "$DIR/refused.err" || fail "tcplogd-send failed"
grep -q '^c0 closed by server' "$DIR/refused.out" || fail "not refused"
# fj: json, with a record that is not UTF-8.
printf 'one\n\377two\n' | tsend -e half -f - 127.0.0.1 "$(port_of fj)" ||
    fail "tcplogd-send failed"
# b: stdout and a file.
printf 'both\n' | tsend -e half -f - 127.0.0.1 "$(port_of b)" ||
    fail "tcplogd-send failed"
wait_count "$DIR/f.log" ' disconnected ' 2
wait_match "$DIR/fj.log" '"event":"disconnected"'
wait_match "$DIR/b.log" ' disconnected '
wait_count "$DIR/sink" '^b .* disconnected ' 1

kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener p: '
f_size=$(wc -c < "$DIR/f.log")
want="tcplogd: listener f: accepted 3 refused 1 active 1 records 14 bytes 126 overlong 1 partial 1 output_bytes $f_size pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0"
[ "$(counters f)" = "$want" ] ||
    fail "counters of f: $(counters f), want: $want"
fj_size=$(wc -c < "$DIR/fj.log")
want="tcplogd: listener fj: accepted 1 refused 0 active 0 records 2 bytes 9 overlong 0 partial 0 output_bytes $fj_size pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0"
[ "$(counters fj)" = "$want" ] ||
    fail "counters of fj: $(counters fj), want: $want"
b_size=$(wc -c < "$DIR/b.log")
cmp -s "$DIR/b.log" "$DIR/sink" || fail "b: stdout and the file differ"
want="tcplogd: listener b: accepted 1 refused 0 active 0 records 1 bytes 5 overlong 0 partial 0 output_bytes $((2 * b_size)) pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0"
[ "$(counters b)" = "$want" ] ||
    fail "counters of b: $(counters b), want: $want"
want="tcplogd: listener p: accepted 0 refused 0 active 0 records 0 bytes 0 overlong 0 partial 0 output_bytes 0 pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0"
[ "$(counters p)" = "$want" ] ||
    fail "counters of p: $(counters p), want: $want"
# output NAME: the last counters line of output NAME.
output_counters()
{
	grep -F "tcplogd: output $1: " "$ERR" | tail -n 1
}
for o in f fj b; do
	want_out="tcplogd: output $DIR/$o.log: written $(wc -c < "$DIR/$o.log") dropped 0 errors 0 stalls 0 output_errors 0"
	[ "$(output_counters "$DIR/$o.log")" = "$want_out" ] ||
	    fail "counters of $o.log: $(output_counters "$DIR/$o.log"), want: $want_out"
done

# p: stdout stalls (the reader is stopped) under 6.4 MB of lines; b
# writes to stdout too, so both pause; f does not.
kill -STOP "$CAT_PID"
tsend_bg "$DIR/p.out" "$DIR/p.err" -v -c 4 -n 16000 -s 99 127.0.0.1 \
    "$(port_of p)"
p_pid=$BG_PID
stall_re='^tcplogd: stdout: output stalled \([0-9]+ bytes unwritten\), pausing 2 listeners$'
wait_match "$ERR" "$stall_re" 30
kill -CONT "$CAT_PID"
wait_pid "$p_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/p.err")"
wait_count "$DIR/sink" '^p .* disconnected ' 4 30
wait_count "$ERR" '^tcplogd: stdout: output resumed$' \
    "$(grep -Ec "$stall_re" "$ERR")"
nstall=$(grep -Ec "$stall_re" "$ERR")
p_bytes=$(awk '$1 == "p" { n += length($0) + 1 } END { print n + 0 }' \
    "$DIR/sink")
kill -USR1 "$DPID"
wait_count "$ERR" '^tcplogd: listener p: ' 2
want="tcplogd: listener p: accepted 4 refused 0 active 0 records 64000 bytes 6400000 overlong 0 partial 0 output_bytes $p_bytes pauses $nstall framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0"
[ "$(counters p)" = "$want" ] ||
    fail "counters of p: $(counters p), want: $want"
counters b | grep -q " pauses $nstall framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0\$" ||
    fail "b: not $nstall pauses: $(counters b)"
counters f | grep -q ' pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' || fail "f paused: $(counters f)"
want_out="tcplogd: output stdout: written $(wc -c < "$DIR/sink") dropped 0 errors 0 stalls $nstall output_errors 0"
[ "$(output_counters stdout)" = "$want_out" ] ||
    fail "counters of stdout: $(output_counters stdout), want: $want_out"
counters fj | grep -q ' pauses 0 framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' || fail "fj paused: $(counters fj)"

# At shutdown too.
stop_daemon
wait_pid "$CAT_PID" 10
[ "$(grep -c '^tcplogd: listener p: ' "$ERR")" -eq 3 ] ||
    fail "no counters of p at shutdown"
[ "$(counters p)" = "$want" ] ||
    fail "counters of p at shutdown: $(counters p), want: $want"
awk '$1 == "p"' "$DIR/sink" > "$DIR/p.recs"
check_generated "$DIR/p.out" "$DIR/p.recs" p 4 16000 99
exit 0

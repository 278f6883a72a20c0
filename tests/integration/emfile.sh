#!/bin/sh
# emfile.sh: file descriptors run out.  The running daemon's
# RLIMIT_NOFILE (soft and hard) is lowered with prlimit(1) to a few more
# than it has open (tcplogd raises its soft limit to the hard one at
# start, so a limit set before it starts would not hold), then more
# clients connect than it has descriptors for.  accept() fails with
# EMFILE: tcplogd says once "accept: Too many open files: accepting
# paused, trying again every second", does not spin (its CPU time stays
# low while the clients wait), still serves the connections it has, and
# accepts again by itself once descriptors are free ("accepting again"):
# the waiting clients are served.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v prlimit > /dev/null 2>&1 || skip "prlimit(1) is not installed"

nhold=20
nwait=10
diag='^tcplogd: accept: Too many open files: accepting paused, trying again every second$'
again='^tcplogd: accepting again$'

# cpu_ticks PID: user + system CPU time of PID in clock ticks.
cpu_ticks()
{
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# limit_for PID N: the descriptor limit that leaves PID exactly N free
# descriptor numbers (the kernel hands out the lowest free one below it).
limit_for()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | sed 's|.*/||' |
	    awk -v n="$2" '{ used[$1] = 1 }
	    END { for (l = 0; n > 0; l++) if (!(l in used)) n--; print l }'
}

write_config timestamps=no
start_daemon
port=$(port_of main)
fd0=$(open_fds "$DPID")
limit=$(limit_for "$DPID" 8)
prlimit --pid "$DPID" --nofile="$limit:$limit" ||
    skip "cannot lower the daemon's RLIMIT_NOFILE with prlimit"
log "$fd0 descriptors open; RLIMIT_NOFILE lowered to $limit (8 free)"

# 1. Holders: each sends "first", then "later" 2.5 s afterwards, and
# waits for tcplogd to close.  Only 8 of them get a descriptor.
printf 'first\nlater\n' > "$DIR/hold.in"
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -c "$nhold" -e hold -k 6 \
    -d 2500 -f "$DIR/hold.in" 127.0.0.1 "$port"
hold_pid=$BG_PID
wait_match "$ERR" "$diag"
# The accepted holders sent "first" at once: wait until each one's is out.
# shellcheck disable=SC2317 # called by wait_until
firsts_out()
{
	fo_c=$(grep -c ' connected$' "$OUT")
	[ "$fo_c" -ge 1 ] && [ "$(grep -c ': first$' "$OUT")" -eq "$fo_c" ]
}
wait_until 10 firsts_out ||
    fail "the accepted holders' first lines were not written"
naccepted=$(grep -c ' connected$' "$OUT")
[ "$naccepted" -lt "$nhold" ] ||
    fail "all $nhold holders accepted with $limit descriptors"
log "$naccepted holders accepted before EMFILE"

# 2. More clients, each with one line; they wait in the listen backlog.
printf 'waiting\n' > "$DIR/wait.in"
tsend_bg "$DIR/wait.out" "$DIR/wait.err" -v -c "$nwait" -e half \
    -f "$DIR/wait.in" 127.0.0.1 "$port"
waiters_pid=$BG_PID
wait_count "$DIR/wait.out" '^c[0-9]+ sent 8 bytes$' "$nwait"

# 3. No spin: while descriptors stay exhausted, the CPU time the daemon
# uses in 2 seconds (a measurement interval, not a synchronisation) stays
# under a quarter of it; a daemon looping on accept() would use all.
tck=$(getconf CLK_TCK 2>/dev/null) || tck=100
t0=$(cpu_ticks "$DPID")
sleep 2
t1=$(cpu_ticks "$DPID")
log "CPU time while paused: $((t1 - t0)) ticks of $tck per second in 2 s"
[ $((t1 - t0)) -le $((tck / 2)) ] ||
    fail "tcplogd used $((t1 - t0)) ticks of CPU in 2 s with descriptors exhausted"

# The connections it has are served meanwhile: every accepted holder's
# second line, sent 2.5 s after the first, arrives.
wait_count "$OUT" ': later$' "$naccepted"
grep -q ': waiting$' "$OUT" && fail "a waiting client was served without a descriptor"
daemon_alive || fail "tcplogd died out of descriptors"

# One diagnostic for the whole episode, not one per retry.
n=$(grep -Ec "$diag" "$ERR")
[ "$n" -eq 1 ] ||
    fail "$n \"accepting paused\" diagnostics while descriptors stayed exhausted (want one)"
if grep 'accept' "$ERR" | grep -Ev "$diag"; then
	fail "other accept diagnostics while descriptors stayed exhausted"
fi

# 4. Free the descriptors: accepting resumes by itself, every waiting
# client is served and gets its close.
kill "$hold_pid"
wait_until 10 proc_gone "$hold_pid" || fail "the holders did not stop"
wait "$hold_pid" 2> /dev/null
wait_pid "$waiters_pid" 10 ||
    fail "the waiting clients were not all served: $(cat "$DIR/wait.err")"
[ "$(grep -c '^c[0-9]* closed by server' "$DIR/wait.out")" -eq "$nwait" ] ||
    fail "not every waiting client was closed by tcplogd"
wait_count "$OUT" ': waiting$' "$nwait"
wait_count "$OUT" ' disconnected ' $((nhold + nwait))
[ "$(grep -c ' connected$' "$OUT")" -eq $((nhold + nwait)) ] ||
    fail "not every client was accepted once"
# The backlog may exhaust the descriptors again while it drains, but
# each pause ends with "accepting again", and nothing else is said.
wait_match "$ERR" "$again"
[ "$(grep -Ec "$again" "$ERR")" -eq "$(grep -Ec "$diag" "$ERR")" ] ||
    fail "not one \"accepting again\" for each pause: $(grep accept "$ERR")"
if grep 'accept' "$ERR" | grep -Ev "$diag|$again"; then
	fail "other accept diagnostics"
fi
fd1=$(open_fds "$DPID")
[ "$fd1" -eq "$fd0" ] || fail "$fd1 descriptors open at the end, $fd0 at the start"
stop_daemon
exit 0

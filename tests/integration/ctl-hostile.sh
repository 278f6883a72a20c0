#!/bin/sh
# ctl-hostile.sh: control clients that misbehave are dropped alone.
# Garbage (control bytes), an unknown request, a 1 MiB request line, a
# client that stalls in a request and one that says nothing (closed
# after the 5 s request bound), a client that sends thousands of
# requests and never reads the replies (dropped past 1 MiB unread), a
# tap that never reads while a full-speed load goes on (the load is not
# held back: pauses 0, the file complete), 32 clients at once (the 33rd
# is told "too many clients").  Through all of it the TCP clients are
# served and tcplogctl status works.  As root: a user the socket's mode
# lets in may use stats but not reload or reopen (refused and logged);
# one it does not let in cannot connect.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_python

# client MODE [N]: ctl-client.py on $CTL, bounded.
client()
{
	TCPLOGD_CLIENT_TIMEOUT=$((30 * scale)) "$PYTHON" \
	    "${srcdir:-$(dirname "$0")}/ctl-client.py" "$1" "$CTL" ${2:+"$2"}
}

# client_bg OUT MODE [N]: the same in the background, output to OUT; its
# pid (python's own, so that kill reaches it) is $CLIENT_PID.
client_bg()
{
	cb_out=$1
	shift
	(TCPLOGD_CLIENT_TIMEOUT=$((30 * scale)) exec "$PYTHON" \
	    "${srcdir:-$(dirname "$0")}/ctl-client.py" "$1" "$CTL" \
	    ${2:+"$2"}) > "$cb_out" 2>&1 &
	CLIENT_PID=$!
	bg_track "$CLIENT_PID"
}

# served TEXT: a TCP client's line still gets to the file, and
# tcplogctl status still answers.
served()
{
	printf '%s\n' "$1" | tsend -e half -f - 127.0.0.1 "$port" ||
	    fail "tcplogd-send failed"
	wait_match "$DIR/out.log" ": $1\$"
	ctl status > /dev/null || fail "tcplogctl status failed after $1"
	daemon_alive || fail "tcplogd died"
}

config_global timestamps=no "control=$CTL"
config_listener main output=file "file=$DIR/out.log"
start_daemon
port=$(port_of main)

# The two slow ones first, in the background: each is closed after the
# 5 s a request may take.
client_bg "$DIR/stall.out" stall
stall_pid=$CLIENT_PID
client_bg "$DIR/silent.out" silent
silent_pid=$CLIENT_PID

# 1. Garbage, an unknown request, 1 MiB.
client garbage > "$DIR/garbage.out" 2>&1 ||
    fail "garbage: $(cat "$DIR/garbage.out")"
grep -q '^error control byte in request$' "$DIR/garbage.out" ||
    fail "garbage: $(cat "$DIR/garbage.out")"
served one
client unknown > "$DIR/unknown.out" 2>&1 ||
    fail "unknown: $(cat "$DIR/unknown.out")"
grep -qx 'error unknown request frobnicate' "$DIR/unknown.out" ||
    fail "unknown: $(cat "$DIR/unknown.out")"
client long > "$DIR/long.out" 2>&1 || fail "1 MiB: $(cat "$DIR/long.out")"
grep -q '^error request too long$' "$DIR/long.out" ||
    fail "1 MiB: $(cat "$DIR/long.out")"
served two

# 2. Thousands of requests, no reads: dropped.
client noread 20000 > "$DIR/noread.out" 2>&1 ||
    fail "noread: $(cat "$DIR/noread.out")"
served three

# 3. A tap that never reads, under a full-speed load several times its
# 4 MiB (a size that is the point: no load scaling).
client_bg "$DIR/tap.out" tap
tap_pid=$CLIENT_PID
wait_until 10 has_taps 1 || fail "the tap did not start: $(cat "$DIR/tap.out")"
tsend -v -c 10 -n 1500 -s 400 127.0.0.1 "$port" > "$DIR/load.send" ||
    fail "tcplogd-send failed"
wait_count "$DIR/out.log" ' disconnected ' 13 30
[ "$(ctl_counter listener main pauses)" = 0 ] ||
    fail "pauses $(ctl_counter listener main pauses): the tap held back clients"
# The file is complete: the records of the load's peers.
awk 'FILENAME == ARGV[1] { if ($2 == "connected") p[$3] = 1; next }
{ peer = $2; sub(/:$/, "", peer) } peer in p' "$DIR/load.send" \
    "$DIR/out.log" > "$DIR/load.log"
check_generated "$DIR/load.send" "$DIR/load.log" main 10 1500 400
served four
kill "$tap_pid"
wait_until 10 has_taps 0 || fail "the tap that never read is still there"

# 4. The slow ones were closed, with a word.
wait_pid "$stall_pid" 30 || fail "stall: $(cat "$DIR/stall.out")"
grep -q '^error request timeout$' "$DIR/stall.out" ||
    fail "stall: $(cat "$DIR/stall.out")"
wait_pid "$silent_pid" 30 || fail "silent: $(cat "$DIR/silent.out")"
grep -q '^error request timeout$' "$DIR/silent.out" ||
    fail "silent: $(cat "$DIR/silent.out")"

# 5. 32 clients; the 33rd is told.
client_bg "$DIR/hold.out" hold 32
hold_pid=$CLIENT_PID
wait_match "$DIR/hold.out" '^holding$'
ctl status > "$DIR/many.out" 2> "$DIR/many.err"
rc=$?
[ "$rc" -eq 75 ] || fail "the 33rd client: exit $rc, not 75"
grep -qx "tcplogctl: $CTL: too many clients" "$DIR/many.err" ||
    fail "the 33rd client: $(cat "$DIR/many.err")"
kill "$hold_pid"
wait_until 10 ctl status > /dev/null || fail "status after the 32"
served five

# 6. Other users (as root only).
if [ "$(id -u)" -ne 0 ] || ! getent passwd nobody > /dev/null ||
    ! getent group nogroup > /dev/null; then
	log "not root, or no nobody:nogroup: the other users' part skipped"
	stop_daemon
	exit 0
fi
chmod 0755 "$DIR" || hard_error "chmod failed"
# as_nobody ARGS...: tcplogctl as nobody:nogroup, no other groups.
as_nobody()
{
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$TCPLOGCTL" -s "$CTL" -t $((10 * scale)) "$@"
}
as_nobody stats > "$DIR/nobody.out" 2> "$DIR/nobody.err"
rc=$?
[ "$rc" -eq 69 ] || fail "nobody on a 0660 socket: exit $rc, not 69"
grep -q "cannot connect to $CTL: Permission denied" "$DIR/nobody.err" ||
    fail "nobody on a 0660 socket: $(cat "$DIR/nobody.err")"
chmod 0666 "$CTL" || hard_error "chmod failed"
as_nobody stats > "$DIR/nobody.out" 2> "$DIR/nobody.err" ||
    fail "stats as nobody failed: $(cat "$DIR/nobody.err")"
grep -qx 'listener main' "$DIR/nobody.out" || fail "stats as nobody: no main"
nobody=$(id -u nobody)
for req in reload reopen; do
	as_nobody "$req" > "$DIR/nobody.out" 2> "$DIR/nobody.err"
	rc=$?
	[ "$rc" -eq 1 ] || fail "$req as nobody: exit $rc, not 1"
	grep -q "^tcplogctl: $req: permission denied" "$DIR/nobody.err" ||
	    fail "$req as nobody: $(cat "$DIR/nobody.err")"
	wait_match "$ERR" \
	    "^tcplogd: control: $req refused for uid $nobody \\(pid [0-9]+\\)\$"
done
grep -q 'reloading\|reopened' "$ERR" && fail "nobody reloaded or reopened"
served six
stop_daemon
exit 0

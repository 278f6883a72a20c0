#!/bin/sh
# ctl-reopen.sh: rotation without reload.  Clients send numbered lines
# while the output file is renamed, then tcplogctl reopen (its answer:
# "reopened 1 output file"), then renamed again and SIGUSR2: the three
# files hold every record exactly once, whole, in order per connection.
# A config edited on disk in the meantime (a new listener) is not
# applied by either.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=4
size=60
# Each connection sends a chunk every 10 ms; -n only bounds the lines to
# what that pace gives in the time limit.
chunk=$(load 4096 $((size + 1)))
nmax=$((chunk * 100 * TEST_TIMEOUT * scale / (size + 1)))

config_global timestamps=no "control=$CTL"
config_listener main output=file "file=$DIR/out.log"
start_daemon
port=$(port_of main)

tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((TEST_TIMEOUT * scale)) -v \
    -k "$chunk" -d 10 -c "$nconn" -n "$nmax" -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID

# The edit that a rotation must not apply.
config_listener extra "file=$DIR/extra.log" output=file

# 1. tcplogctl reopen.
wait_lines "$DIR/out.log" 200 20
mv "$DIR/out.log" "$DIR/out.log.1" || hard_error "mv failed"
ctl reopen > "$DIR/reopen.out" 2> "$DIR/reopen.err" ||
    fail "tcplogctl reopen failed: $(cat "$DIR/reopen.err")"
[ "$(cat "$DIR/reopen.out")" = "reopened 1 output file" ] ||
    fail "tcplogctl reopen said: $(cat "$DIR/reopen.out" "$DIR/reopen.err")"
[ -f "$DIR/out.log" ] || fail "no new out.log after tcplogctl reopen"
wait_lines "$DIR/out.log" 200 20

# 2. SIGUSR2.
mv "$DIR/out.log" "$DIR/out.log.2" || hard_error "mv failed"
kill -USR2 "$DPID" || fail "cannot signal tcplogd"
wait_match "$ERR" '^tcplogd: SIGUSR2 received: reopened 1 output file$'
[ -f "$DIR/out.log" ] || fail "no new out.log after SIGUSR2"
wait_lines "$DIR/out.log" 200 20
proc_alive "$send_pid" ||
    fail "the clients stopped before the rotations: $(cat "$DIR/send.err")"

# Neither applied the edit.
ctl status -j > "$DIR/status.json" || fail "tcplogctl status failed"
grep -q '"name":"extra"' "$DIR/status.json" &&
    fail "a reopen applied the config on disk: $(cat "$DIR/status.json")"
grep -Eq 'reload' "$ERR" && fail "a reopen reloaded: $(grep reload "$ERR")"
[ ! -e "$DIR/extra.log" ] || fail "extra.log was made"

kill -USR1 "$send_pid"
wait_pid "$send_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"
wait_until 30 rotated_done "$DIR/out.log" 2 "$nconn" ||
    fail "not every disconnect record was written"
stop_daemon

check_rotated_whole "$DIR/out.log" 2
cat_rotated "$DIR/out.log" 2 > "$DIR/all.log"
check_generated "$DIR/send.out" "$DIR/all.log" main "$nconn" - "$size"
exit 0

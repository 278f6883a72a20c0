#!/bin/sh
# rotate.sh: logrotate's postrotate pattern under load.  Several clients
# send lines continuously while the file is renamed and tcplogd gets
# SIGHUP, five times: the renamed files and the last one together hold
# every record exactly once, whole, in order per connection; every
# SIGHUP is logged with the number of files reopened and the new file
# gets file_mode.  Then a reopen that fails keeps the old file in use,
# and the next SIGHUP recovers.  The clients send until the rotations
# are done (SIGUSR1), however slowly the machine runs.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=6
size=60
nrot=5
# Each connection sends a chunk every 10 ms: 4 KiB at full size; -n only
# bounds the lines, to what that pace gives in the time limit.
chunk=$(load 4096 $((size + 1)))
nmax=$((chunk * 100 * TEST_TIMEOUT * scale / (size + 1)))
msg='^tcplogd: SIGHUP received: reopened 1 output file( \(config reload comes in a later version\)$|, )'

config_global timestamps=no
config_listener main output=file "file=$DIR/out.log" file_mode=0644
start_daemon
port=$(port_of main)

tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((TEST_TIMEOUT * scale)) -v \
    -k "$chunk" -d 10 -c "$nconn" -n "$nmax" -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID

i=1
while [ "$i" -le "$nrot" ]; do
	wait_lines "$DIR/out.log" 200 20
	mv "$DIR/out.log" "$DIR/out.log.$i" || hard_error "mv failed"
	kill -HUP "$DPID" || fail "cannot signal tcplogd"
	wait_count "$ERR" "$msg" "$i"
	[ -f "$DIR/out.log" ] || fail "no new out.log after SIGHUP $i"
	[ "$(stat -c %a "$DIR/out.log")" = 644 ] ||
	    fail "reopened file: mode $(stat -c %a "$DIR/out.log"), not 644"
	proc_alive "$send_pid" ||
	    fail "the clients stopped before rotation $i:" \
	    "$(cat "$DIR/send.err")"
	i=$((i + 1))
done
kill -USR1 "$send_pid"
wait_pid "$send_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"

wait_until 30 rotated_done "$DIR/out.log" "$nrot" "$nconn" ||
    fail "not every disconnect record was written"
stop_daemon

check_rotated_whole "$DIR/out.log" "$nrot"
cat_rotated "$DIR/out.log" "$nrot" > "$DIR/all.log"
[ "$(tr -dc '\000' < "$DIR/all.log" | wc -c)" -eq 0 ] ||
    fail "NUL bytes in the files"
check_generated "$DIR/send.out" "$DIR/all.log" main "$nconn" - "$size"
[ "$(grep -Ec "$msg" "$ERR")" -eq "$nrot" ] ||
    fail "not $nrot SIGHUP lines: $(grep SIGHUP "$ERR")"

# 2. A reopen that fails (the path is now a directory): one line naming
# it, the old file stays in use; the next SIGHUP opens the path again.
mv "$ERR" "$DIR/err1"
config_global timestamps=no
config_listener main output=file "file=$DIR/x.log"
start_daemon
port=$(port_of main)
mv "$DIR/x.log" "$DIR/x.log.1"
mkdir "$DIR/x.log"
kill -HUP "$DPID"
wait_match "$ERR" "^tcplogd: SIGHUP received: "
grep -Fqx "tcplogd: $DIR/x.log: reopen failed, keeping the old file: Is a directory" \
    "$ERR" || fail "no \"reopen failed\" line: $(cat "$ERR")"
daemon_alive || fail "a failed reopen stopped tcplogd"
printf 'to the old file\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$DIR/x.log.1" ': to the old file$'
rmdir "$DIR/x.log"
kill -HUP "$DPID"
wait_count "$ERR" "$msg" 1
printf 'to the new file\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$DIR/x.log" ': to the new file$'
stop_daemon
grep -q 'to the new file' "$DIR/x.log.1" && fail "new records in the old file"
exit 0

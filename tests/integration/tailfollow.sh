#!/bin/sh
# tailfollow.sh: a reader following the output file by name (GNU tail
# -F) sees every record, in order, across rotations done as logrotate
# does them while clients keep sending: the file is renamed, then, some
# time later, tcplogd gets SIGHUP (0, 50 and 200 ms later; once with an
# empty file created at the name in between, as logrotate's create does).
# The renamed files and the last one together hold every record exactly
# once, and each renamed file ends with a whole line.  tail may show a
# write twice if it raced with a rename while tail lagged (tcplogd(8));
# the count is logged, not failed.
#
# The gaps are the scenario (the time logrotate takes between the rename
# and its postrotate script), not waits for an event.

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=4
nline=12000
size=60
nrot=4
msg='^tcplogd: SIGHUP received: reopened 1 output file'

config_global timestamps=no
config_listener main output=file "file=$DIR/out.log" file_mode=0644
start_daemon
port=$(port_of main)

tail -n +1 -F "$DIR/out.log" > "$DIR/tail.out" 2> "$DIR/tail.err" &
TAIL_PID=$!
bg_track "$TAIL_PID"

# Throttled clients (4 KiB every 10 ms each), so that the load lasts
# through the rotations.
tsend_bg "$DIR/send.out" "$DIR/send.err" -v -k 4096 -d 10 -c "$nconn" \
    -n "$nline" -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID

i=1
for gap in 0 0.05 0.2 create; do
	wait_lines "$DIR/out.log" 200 20
	mv "$DIR/out.log" "$DIR/out.log.$i" || hard_error "mv failed"
	if [ "$gap" = create ]; then
		: > "$DIR/out.log"
		chmod 644 "$DIR/out.log"
		sleep 0.1
	else
		sleep "$gap"
	fi
	kill -HUP "$DPID" || fail "cannot signal tcplogd"
	wait_count "$ERR" "$msg" "$i"
	i=$((i + 1))
done
proc_alive "$send_pid" ||
    log "warning: the clients were done before the last rotation"
wait_pid "$send_pid" 90 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"

wait_until 30 rotated_done "$DIR/out.log" "$nrot" "$nconn" ||
    fail "not every disconnect record was written"
cat_rotated "$DIR/out.log" "$nrot" > "$DIR/all.log"
total=$(wc -l < "$DIR/all.log")

# shellcheck disable=SC2317 # called by wait_until
tail_has_all()
{
	[ "$(awk '!seen[$0]++' "$DIR/tail.out" | wc -l)" -ge "$total" ]
}
wait_until 30 tail_has_all ||
    fail "tail -F showed $(awk '!seen[$0]++' "$DIR/tail.out" | wc -l) different lines, the files hold $total"
stop_daemon
kill "$TAIL_PID" 2>/dev/null
wait "$TAIL_PID" 2>/dev/null

check_rotated_whole "$DIR/out.log" "$nrot"
check_generated "$DIR/send.out" "$DIR/all.log" main "$nconn" "$nline" "$size"
log "tail -F showed $(($(wc -l < "$DIR/tail.out") - total)) lines twice"
awk '!seen[$0]++' "$DIR/tail.out" > "$DIR/tail.once"
check_generated "$DIR/send.out" "$DIR/tail.once" main "$nconn" "$nline" "$size"
exit 0

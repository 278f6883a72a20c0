#!/bin/sh
# tailfollow.sh: a reader following the output file by name (GNU tail
# -F) sees every record exactly once, in order, across rotations done as
# logrotate does them while clients keep sending: the file is renamed,
# then, some time later, tcplogd gets SIGHUP (0, 50 and 200 ms later;
# once with an empty file created at the name in between, as logrotate's
# create does).  The renamed files and the last one together hold every
# record once too, and each renamed file ends with a whole line.
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

all_files()
{
	af_i=1
	while [ "$af_i" -le "$nrot" ]; do
		cat "$DIR/out.log.$af_i"
		af_i=$((af_i + 1))
	done
	cat "$DIR/out.log"
}

# shellcheck disable=SC2317 # called by wait_until
all_done()
{
	[ "$(all_files | grep -c ' disconnected ')" -ge "$nconn" ]
}
wait_until 30 all_done || fail "not every disconnect record was written"
all_files > "$DIR/all.log"
total=$(wc -l < "$DIR/all.log")
wait_lines "$DIR/tail.out" "$total" 30
stop_daemon
kill "$TAIL_PID" 2>/dev/null
wait "$TAIL_PID" 2>/dev/null

i=1
while [ "$i" -le "$nrot" ]; do
	f=$DIR/out.log.$i
	[ -s "$f" ] || fail "$f is empty"
	[ "$(tail -c 1 "$f" | od -An -tx1 | tr -d ' ')" = 0a ] ||
	    fail "$f does not end with a whole line"
	i=$((i + 1))
done
check_generated "$DIR/send.out" "$DIR/all.log" main "$nconn" "$nline" "$size"
[ "$(wc -l < "$DIR/tail.out")" -eq "$total" ] ||
    fail "tail -F showed $(wc -l < "$DIR/tail.out") lines, the files hold $total"
check_generated "$DIR/send.out" "$DIR/tail.out" main "$nconn" "$nline" "$size"
exit 0

#!/bin/sh
# ctl-tap.sh: tcplogctl tap, the real program against the real daemon.
#
# 1. Paced (10 connections of 20000 lines at a pace a tap keeps up
#    with): a text tap and a -j tap of that listener see every record
#    exactly once, in order: the text tap's output is the output file
#    byte for byte (both with timestamps), the -j tap's is JSON (jq)
#    with the same data in the same order.
# 2. Full speed with both taps' tcplogctl stopped (SIGSTOP) for the whole
#    load, several times the 4 MiB a tap holds: the records each saw plus
#    the "tcplogd: tap missed N records" counts equal the file's records,
#    each seen once and in order per connection, and after SIGCONT the
#    tap goes on with what comes next.  The missed lines go to stdout in
#    text mode and to stderr with -j.  The listener's pauses counter
#    stays 0 (no tap held a client back) and the file is complete.
# 3. 16 taps at once all see the records; a 17th is refused.
# 4. A tap across four rotations by the real logrotate (the shipped
#    etc/logrotate.d/tcplogd pointed at a test file and socket, with a
#    private state file: postrotate runs tcplogctl reopen) under load: it
#    sees exactly what the files hold, in the same order.
# 5. A tap when the daemon stops: it gets every record, then tcplogctl
#    exits 1 saying the daemon closed the tap.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

# tap_start NAME ARGS...: tcplogctl tap ARGS in the background, stdout
# and stderr to $DIR/NAME.out and .err; its pid is $TAP_PID (tcplogctl's
# own, not a subshell's, so that signals reach it).
tap_start()
{
	ts_name=$1
	shift
	"$TCPLOGCTL" -s "$CTL" tap "$@" > "$DIR/$ts_name.out" \
	    2> "$DIR/$ts_name.err" &
	TAP_PID=$!
	bg_track "$TAP_PID"
}

# tap_stop PID...: end these taps (SIGTERM, tcplogctl's default action)
# and wait until the daemon has none left.
tap_stop()
{
	for tp_p in "$@"; do
		kill -TERM "$tp_p" 2> /dev/null
		wait "$tp_p" 2> /dev/null
	done
	wait_until 10 has_taps 0 || fail "the daemon still has taps"
}

# disconnects FILE...: how many disconnect records the files hold.
disconnects()
{
	cat "$@" 2> /dev/null | grep -c ' disconnected '
}

has_disconnects()	# N FILE...
{
	hd_n=$1
	shift
	[ "$(disconnects "$@")" -ge "$hd_n" ]
}

# notime FILE: the lines of FILE without their timestamp, as with
# timestamps = no.
notime()
{
	cut -d ' ' -f 2- "$1"
}

# missed FILE: the records the tap's "tcplogd: tap missed N records"
# lines in FILE add up to.
missed()
{
	sed -n 's/^tcplogd: tap missed \([0-9][0-9]*\) records$/\1/p' "$1" |
	    awk '{ n += $1 } END { print n + 0 }'
}

# subsequence REF SEEN FIELD: every line of SEEN is a line of REF, seen
# once, and for each peer (field FIELD, without a trailing ':') in the
# order of REF.  Prints how many lines SEEN has.
subsequence()
{
	awk -v f="$3" '
	FILENAME == ARGV[1] {
		pos[$0] = FNR
		next
	}
	{
		peer = $f
		sub(/:$/, "", peer)
		if (!($0 in pos)) {
			print "not in the file: " $0 > "/dev/stderr"
			exit 1
		}
		if (seen[$0]++) {
			print "seen twice: " $0 > "/dev/stderr"
			exit 1
		}
		if (pos[$0] <= last[peer]) {
			print "out of order: " $0 > "/dev/stderr"
			exit 1
		}
		last[peer] = pos[$0]
		n++
	}
	END { print n + 0 }' "$1" "$2"
}

# json_data FILE: "PEER DATA" of the data records of JSON lines.
json_data()
{
	jq -r 'select(.event == "data") | .peer + " " + .data' "$1"
}

# text_data FILE: the same of text lines with timestamps.
text_data()
{
	sed -n 's/^[^ ]* [^ ]* \([^ ]*\): /\1 /p' "$1"
}

config_global timestamps=yes "control=$CTL"
config_listener paced output=file "file=$DIR/paced.log"
config_listener full output=file "file=$DIR/full.log"
config_listener many output=file "file=$DIR/many.log"
config_listener rot output=file "file=$DIR/rot.log"
start_daemon

# 1. Paced: each connection sends 50 lines of 41 bytes every 10 ms.
nconn=10
nline=$(load 20000)
tap_start paced paced
tp1=$TAP_PID
tap_start pacedj -j paced
tp2=$TAP_PID
wait_until 10 has_taps 2 || fail "the taps did not start"
tsend -v -c "$nconn" -n "$nline" -s 40 -k 2050 -d 10 127.0.0.1 \
    "$(port_of paced)" > "$DIR/paced.send" || fail "tcplogd-send failed"
wait_until 30 has_disconnects "$nconn" "$DIR/paced.log" ||
    fail "paced.log is not complete"
total=$(wc -l < "$DIR/paced.log")
wait_lines "$DIR/paced.out" "$total" 30
wait_lines "$DIR/pacedj.out" "$total" 30
tap_stop "$tp1" "$tp2"
notime "$DIR/paced.log" > "$DIR/paced.notime"
check_generated "$DIR/paced.send" "$DIR/paced.notime" paced "$nconn" \
    "$nline" 40
expect_file "$DIR/paced.log" "$DIR/paced.out"
check_json "$DIR/pacedj.out"
[ "$(wc -l < "$DIR/pacedj.out")" -eq "$total" ] ||
    fail "the -j tap has $(wc -l < "$DIR/pacedj.out") lines, not $total"
json_data "$DIR/pacedj.out" > "$DIR/pacedj.data"
text_data "$DIR/paced.log" > "$DIR/paced.data"
expect_file "$DIR/paced.data" "$DIR/pacedj.data"
[ ! -s "$DIR/paced.err" ] || fail "tap: $(cat "$DIR/paced.err")"
log "paced: $total records, the taps saw all of them"

# 2. Full speed, the taps stopped: 15000 records of about 460 bytes as
# a tap formats them, several times the 4 MiB it holds (a size that is
# the point: no load scaling).
nconn=10
nline=1500
size=400
tap_start full full
tp1=$TAP_PID
tap_start fullj -j full
tp2=$TAP_PID
wait_until 10 has_taps 2 || fail "the taps did not start"
kill -STOP "$tp1" "$tp2" || hard_error "cannot stop the taps"
tsend -v -c "$nconn" -n "$nline" -s "$size" 127.0.0.1 "$(port_of full)" \
    > "$DIR/full.send" || fail "tcplogd-send failed"
wait_until 60 has_disconnects "$nconn" "$DIR/full.log" ||
    fail "full.log is not complete"
kill -CONT "$tp1" "$tp2"
# Then a little more, which the taps see after the missed line.
tsend -v -b 100 -n 10 -s "$size" 127.0.0.1 "$(port_of full)" \
    > "$DIR/full2.send" || fail "tcplogd-send failed"
wait_until 30 has_disconnects $((nconn + 1)) "$DIR/full.log" ||
    fail "full.log is not complete"
total=$(wc -l < "$DIR/full.log")

# tap_done OUT MISSEDFILE: seen plus missed is the file's records.
tap_done()
{
	td_seen=$(grep -vc '^tcplogd: tap missed ' "$1")
	[ $((td_seen + $(missed "$2"))) -ge "$total" ]
}
wait_until 30 tap_done "$DIR/full.out" "$DIR/full.out" ||
    fail "text tap: $(grep -vc '^tcplogd: ' "$DIR/full.out") seen," \
    "$(missed "$DIR/full.out") missed, $total records"
wait_until 30 tap_done "$DIR/fullj.out" "$DIR/fullj.err" ||
    fail "-j tap: $(wc -l < "$DIR/fullj.out") seen," \
    "$(missed "$DIR/fullj.err") missed, $total records"
tap_stop "$tp1" "$tp2"

[ "$(ctl_counter listener full pauses)" = 0 ] ||
    fail "pauses $(ctl_counter listener full pauses): a tap held back a client"
cat "$DIR/full.send" "$DIR/full2.send" > "$DIR/full.sendall"
notime "$DIR/full.log" > "$DIR/full.notime"
check_generated "$DIR/full.sendall" "$DIR/full.notime" full $((nconn + 1)) \
    - "$size"
# Text: the missed lines are in the stream, the records a subsequence.
m1=$(missed "$DIR/full.out")
[ "$m1" -gt 0 ] || fail "the stopped text tap missed nothing"
grep -v '^tcplogd: tap missed ' "$DIR/full.out" > "$DIR/full.seen"
seen=$(subsequence "$DIR/full.log" "$DIR/full.seen" 3) ||
    fail "text tap: wrong records"
[ $((seen + m1)) -eq "$total" ] ||
    fail "text tap: $seen seen + $m1 missed, not $total"
tail -n 1 "$DIR/full.out" | grep -q ' disconnected ' ||
    fail "the text tap did not go on after the missed line"
# -j: stdout is JSON alone, the missed lines are on stderr.
m2=$(missed "$DIR/fullj.err")
[ "$m2" -gt 0 ] || fail "the stopped -j tap missed nothing"
check_json "$DIR/fullj.out"
seen=$(wc -l < "$DIR/fullj.out")
[ $((seen + m2)) -eq "$total" ] ||
    fail "-j tap: $seen seen + $m2 missed, not $total"
json_data "$DIR/fullj.out" > "$DIR/fullj.data"
text_data "$DIR/full.log" > "$DIR/full.data"
subsequence "$DIR/full.data" "$DIR/fullj.data" 1 > /dev/null ||
    fail "-j tap: wrong records"
log "full speed: $total records; text tap missed $m1, -j tap missed $m2"

# 3. 16 taps at once; the 17th is refused.
pids=
i=1
while [ "$i" -le 16 ]; do
	tap_start "many$i" many
	pids="$pids $TAP_PID"
	i=$((i + 1))
done
wait_until 10 has_taps 16 || fail "16 taps did not start: $(ctl_taps)"
ctl tap many > "$DIR/many17.out" 2> "$DIR/many17.err"
rc=$?
[ "$rc" -eq 1 ] || fail "the 17th tap: exit $rc, not 1"
grep -qx 'tcplogctl: too many taps' "$DIR/many17.err" ||
    fail "the 17th tap: $(cat "$DIR/many17.err")"
[ ! -s "$DIR/many17.out" ] || fail "the 17th tap wrote records"
tsend -n 10 127.0.0.1 "$(port_of many)" || fail "tcplogd-send failed"
wait_lines "$DIR/many.log" 12
i=1
while [ "$i" -le 16 ]; do
	wait_lines "$DIR/many$i.out" 12
	expect_file "$DIR/many.log" "$DIR/many$i.out"
	i=$((i + 1))
done
# shellcheck disable=SC2086 # a list of pids
tap_stop $pids

# 4. A tap across rotations by logrotate, under load, with the shipped
# etc/logrotate.d/tcplogd pointed at rot.log and $CTL.
need_cmd logrotate
: "${top_srcdir:=${srcdir:-$(dirname "$0")}/../..}"
sed -e "s|^/var/log/tcplogd/\*\.log {|$DIR/rot.log {|" \
    -e "s|/run/tcplogd/control|$CTL|" \
    -e "s|command -v tcplogctl|command -v $TCPLOGCTL|" \
    -e "s|tcplogctl reopen|$TCPLOGCTL -s $CTL reopen|" \
    "$top_srcdir/etc/logrotate.d/tcplogd" > "$DIR/logrotate.conf" ||
    hard_error "sed failed"
grep -q "$TCPLOGCTL -s $CTL reopen" "$DIR/logrotate.conf" ||
    hard_error "no tcplogctl reopen in the logrotate config"
nconn=4
size=60
chunk=$(load 4096 $((size + 1)))
nmax=$((chunk * 100 * TEST_TIMEOUT * scale / (size + 1)))
tap_start rot rot
tp1=$TAP_PID
wait_until 10 has_taps 1 || fail "the tap did not start"
tsend_bg "$DIR/rot.send" "$DIR/rot.senderr" -t $((TEST_TIMEOUT * scale)) \
    -v -k "$chunk" -d 10 -c "$nconn" -n "$nmax" -s "$size" 127.0.0.1 \
    "$(port_of rot)"
send_pid=$BG_PID
nrot=4
i=1
while [ "$i" -le "$nrot" ]; do
	wait_lines "$DIR/rot.log" 200 20
	logrotate -f -s "$DIR/logrotate.state" "$DIR/logrotate.conf" \
	    > "$DIR/logrotate.out" 2>&1 ||
	    fail "logrotate failed: $(cat "$DIR/logrotate.out")"
	[ -s "$DIR/rot.log.1" ] || fail "logrotate did not rotate"
	i=$((i + 1))
done
wait_lines "$DIR/rot.log" 200 20
kill -USR1 "$send_pid"
wait_pid "$send_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/rot.senderr")"
# The oldest first; all but the newest rotated one are compressed.
files=
i=$nrot
while [ "$i" -ge 2 ]; do
	files="$files $DIR/rot.log.$i.gz"
	i=$((i - 1))
done
files="$files $DIR/rot.log.1 $DIR/rot.log"
rot_done()
{
	# shellcheck disable=SC2086 # a list of files
	[ "$(zcat -f $files | grep -c ' disconnected ')" -ge "$nconn" ]
}
wait_until 30 rot_done || fail "the rotated files are not complete"
# shellcheck disable=SC2086
zcat -f $files > "$DIR/rot.all"
wait_lines "$DIR/rot.out" "$(wc -l < "$DIR/rot.all")" 30
tap_stop "$tp1"
expect_file "$DIR/rot.all" "$DIR/rot.out"
notime "$DIR/rot.all" > "$DIR/rot.notime"
check_generated "$DIR/rot.send" "$DIR/rot.notime" rot "$nconn" - "$size"
[ "$(grep -c 'control: reopened' "$ERR")" -eq "$nrot" ] ||
    fail "not $nrot reopens: $(grep reopen "$ERR")"
log "logrotate: $nrot rotations, $(wc -l < "$DIR/rot.out") records on the tap"

# 5. When the daemon stops, a tap gets what it had and tcplogctl exits 1
# saying so.
tap_start last many
tp1=$TAP_PID
wait_until 10 has_taps 1 || fail "the tap did not start"
tsend -n 3 127.0.0.1 "$(port_of many)" || fail "tcplogd-send failed"
wait_count "$DIR/many.log" ' disconnected ' 2
stop_daemon
wait_pid "$tp1"
rc=$?
[ "$rc" -eq 1 ] || fail "tap at the daemon's stop: exit $rc, not 1"
grep -qx "tcplogctl: $CTL: the daemon closed the tap" "$DIR/last.err" ||
    fail "tap at the daemon's stop: $(cat "$DIR/last.err")"
tail -n 5 "$DIR/many.log" > "$DIR/last.want"
expect_file "$DIR/last.want" "$DIR/last.out"
exit 0

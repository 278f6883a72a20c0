#!/bin/sh
# tailfollow.sh: rotation as logrotate does it (the file is renamed,
# then, some time later, tcplogd gets SIGHUP: 0, 50 and 200 ms later,
# and once with an empty file created at the name in between, as
# logrotate's create does) while clients keep sending, with a reader
# following the file by name (GNU tail -F).
#
# What tcplogd guarantees is checked on the files: the renamed files and
# the last one together hold every record exactly once, whole, in order;
# each renamed file ends with a whole line; nothing is added to a file
# once it is renamed (a write that raced with the rename is cut off it
# again and goes to the new file), which is what lets a reader of the
# name see every record (tcplogd(8), Log rotation); a new file is at the
# name after the SIGHUP.
#
# What GNU tail shows depends on how it is scheduled: it closes a renamed
# file without reading it to the end, and may show a write twice
# (PLATFORM.md, tcplogd(8)); tcplogd cannot prevent either.  So before
# each rename the test waits until tail has the file open and has read
# its first 200 lines (/proc/PID/fdinfo), and at the end until tail has
# shown the whole last file.  tail must then have shown all of those, in
# order, and nothing that is not a record of the files.  What else it
# lost, showed twice or cut (a record it read in part before leaving a
# renamed file runs into the next one) is logged, not failed.
#
# The gaps are the scenario (the time logrotate takes between the rename
# and its postrotate script), not waits for an event.  The clients send
# until the rotations are done (SIGUSR1), however slowly the machine runs.

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v tail > /dev/null 2>&1 || skip "no tail(1)"

nconn=4
size=60
nrot=4
# Each connection sends a chunk every 10 ms: 4 KiB at full size (1.6 MB/s
# in all).  -n only bounds the lines: as many as that pace gives in the
# time limit.
chunk=$(load 4096 $((size + 1)))
nmax=$((chunk * 100 * TEST_TIMEOUT * scale / (size + 1)))
msg='^tcplogd: SIGHUP received: reopened 1 output file'

config_global timestamps=no
config_listener main output=file "file=$DIR/out.log" file_mode=0644
start_daemon
port=$(port_of main)

tail -n +1 -F "$DIR/out.log" > "$DIR/tail.out" 2> "$DIR/tail.err" &
TAIL_PID=$!
bg_track "$TAIL_PID"

tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((TEST_TIMEOUT * scale)) -v \
    -k "$chunk" -d 10 -c "$nconn" -n "$nmax" -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID

# $DIR/want: what tail must show: the first 200 lines of each renamed
# file, then the whole last file.
: > "$DIR/want"
i=1
for gap in 0 0.05 0.2 create; do
	wait_lines "$DIR/out.log" 200 20
	head -n 200 "$DIR/out.log" > "$DIR/first.$i"
	wait_until 30 reader_has_read "$TAIL_PID" "$DIR/out.log" \
	    "$(wc -c < "$DIR/first.$i")" ||
	    fail "tail -F did not read the first 200 lines of file $i:" \
	    "$(cat "$DIR/tail.err")"
	cat "$DIR/first.$i" >> "$DIR/want"
	mv "$DIR/out.log" "$DIR/out.log.$i" || hard_error "mv failed"
	# Nothing may be added to the renamed file from now on; a write that
	# raced with the rename may be cut off it again.
	wc -c < "$DIR/out.log.$i" > "$DIR/size.$i"
	if [ "$gap" = create ]; then
		: > "$DIR/out.log"
		chmod 644 "$DIR/out.log"
		sleep 0.1
	else
		sleep "$gap"
	fi
	kill -HUP "$DPID" || fail "cannot signal tcplogd"
	wait_count "$ERR" "$msg" "$i"
	[ -f "$DIR/out.log" ] || fail "no out.log after SIGHUP $i"
	proc_alive "$send_pid" ||
	    fail "the clients stopped before rotation $i:" \
	    "$(cat "$DIR/send.err")"
	i=$((i + 1))
done
kill -USR1 "$send_pid"
wait_pid "$send_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"
[ "$(grep -c ' done$' "$DIR/send.out")" -eq "$nconn" ] ||
    fail "not every connection of tcplogd-send finished"
wait_until 30 rotated_done "$DIR/out.log" "$nrot" "$nconn" ||
    fail "not every disconnect record was written"
stop_daemon
cat "$DIR/out.log" >> "$DIR/want"
cat_rotated "$DIR/out.log" "$nrot" > "$DIR/all.log"
log "$(wc -l < "$DIR/all.log") records in $((nrot + 1)) files"

# tcplogd's part.
check_rotated_whole "$DIR/out.log" "$nrot"
i=1
while [ "$i" -le "$nrot" ]; do
	[ "$(wc -c < "$DIR/out.log.$i")" -le "$(cat "$DIR/size.$i")" ] ||
	    fail "out.log.$i grew from $(cat "$DIR/size.$i") bytes when it" \
	    "was renamed to $(wc -c < "$DIR/out.log.$i")"
	i=$((i + 1))
done
check_generated "$DIR/send.out" "$DIR/all.log" main "$nconn" - "$size"

# tail's part: it has shown the whole last file (never renamed).
# shellcheck disable=SC2317 # called by wait_until
tail_shows_last()
{
	grep -Fqx -e "$(tail -n 1 "$DIR/out.log")" "$DIR/tail.out"
}
wait_until 30 tail_shows_last ||
    fail "tail -F did not show the last file to its end: $(cat "$DIR/tail.err")"
kill "$TAIL_PID" 2>/dev/null
wait "$TAIL_PID" 2>/dev/null

# Every line tail showed is a record of the files (a line that runs into
# the next record is split there; its cut start is counted); what it had
# to show ($DIR/want) is there in order; each connection's lines are in
# order, once the ones shown twice are left out.
awk -v all="$DIR/all.log" -v want="$DIR/want" '
BEGIN {
	while ((getline l < all) > 0) {
		rec[l] = 1
		nrec++
	}
	while ((getline l < want) > 0)
		w[++nw] = l
	j = 1
}
function bad(msg) {
	print "tail.out:" NR ": " msg ": " $0 > "/dev/stderr"
	if (++errors > 20)
		exit 1
}
{
	rest = $0
	n = 0
	while ((k = index(substr(rest, 2), "main 127.0.0.1:")) > 0) {
		piece[++n] = substr(rest, 1, k)
		rest = substr(rest, k + 1)
	}
	piece[++n] = rest
	for (x = 1; x <= n; x++) {
		p = piece[x]
		if (!(p in rec)) {
			if (x < n)
				cut++
			else
				bad("not a record of the files")
			continue
		}
		shown++
		if (j <= nw && p == w[j])
			j++
		if (p in seen) {
			twice++
			continue
		}
		seen[p] = 1
		if (split(p, f, " ") == 4 && f[2] ~ /:$/) {
			split(f[3], cl, /[-l]+/)
			if (f[2] in last && cl[2] + 0 <= last[f[2]])
				bad("out of order")
			last[f[2]] = cl[2] + 0
		}
	}
}
END {
	if (errors)
		exit 1
	if (j <= nw) {
		print "tail -F did not show, in order, what it had read: " \
		    "missing from \"" w[j] "\" on (" nw - j + 1 " of " nw \
		    " lines)" > "/dev/stderr"
		exit 1
	}
	printf "tail -F showed %d of %d records (%d twice, %d cut)\n",
	    shown - twice, nrec, twice, cut + 0
}' "$DIR/tail.out" || fail "tail -F showed wrong records"
exit 0

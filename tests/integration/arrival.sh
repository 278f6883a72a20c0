#!/bin/sh
# arrival.sh: a record's time is the wall clock read after the read that
# completed it, never an older cached clock.  A client on this machine
# writes 300 lines a few milliseconds apart, each holding its own
# CLOCK_REALTIME send time in microseconds: no record's "time" (JSON,
# microseconds) is earlier than the send time in its line, the times do
# not go backwards, and they are not all equal (nor all in the same
# microsecond of their second).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_python

n=300
config_global timestamps=yes format=json
config_listener main
start_daemon

pyclient stamp "$(port_of main)" "$n" 3 > "$DIR/client.out" ||
    fail "the client failed"
p=$(sed -n 's/^peer //p' "$DIR/client.out")
wait_match "$OUT" "$(jpeer "$p"),\"event\":\"disconnected\""
stop_daemon
check_json "$OUT"

# One line per data record: its time and the send time in it, both in
# microseconds since the epoch.
jq -r --arg p "$p" 'select(.peer == $p and .event == "data") |
    [((.time[0:19] + "Z" | fromdateiso8601) * 1000000 +
    (.time[20:26] | tonumber)), (.data | split(" ")[0] | tonumber),
    (.time[20:26])] | map(tostring) | join(" ")' < "$OUT" \
    > "$DIR/times" || fail "jq failed"
awk -v n="$n" '
{
	if ($1 < $2) {
		print "line " NR ": stamped " $2 - $1 " us before it was sent" \
		    > "/dev/stderr"
		bad++
	}
	if (NR > 1 && $1 < last) {
		print "line " NR ": earlier than the line before" \
		    > "/dev/stderr"
		bad++
	}
	last = $1
	if (!($1 in t))
		nt++
	t[$1] = 1
	if (!($3 in u))
		nu++
	u[$3] = 1
}
END {
	if (NR != n) {
		print NR " records, want " n > "/dev/stderr"
		bad++
	}
	if (nt < 2 || nu < 2) {
		print nt " different times, " nu " different microseconds" \
		    > "/dev/stderr"
		bad++
	}
	print nt " different times in " NR " records"
	exit bad != 0
}' "$DIR/times" || fail "wrong record times"
exit 0

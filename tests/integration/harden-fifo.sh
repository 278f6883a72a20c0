#!/bin/sh
# harden-fifo.sh: an output path that names a FIFO (or anything but a
# regular file) never blocks tcplogd.  At startup: exit 1 with one line
# naming the file and what it is.  Renamed and replaced by a FIFO while
# running: it keeps writing to the file it has, says why once, and still
# stops on SIGTERM.  A SIGHUP reopen with a FIFO there keeps the old
# file; a reload naming a FIFO as a new output is refused and the running
# configuration stays.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

fifo_why='not a regular file (a FIFO)'

# send WORD: one connection sending the line WORD.
send()
{
	printf '%s\n' "$1" > "$DIR/in"
	tsend -f "$DIR/in" 127.0.0.1 "$port" || fail "sending $1 failed"
}

# 1. Startup: a FIFO without a reader at the path.
mkfifo "$DIR/start.log" || hard_error "mkfifo failed"
config_global timestamps=no
config_listener main output=file "file=$DIR/start.log"
# shellcheck disable=SC2086 # the wrapper is a command line
$TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF" -P "$PORTS" > "$OUT" 2> "$ERR" \
    < /dev/null &
spid=$!
bg_track "$spid"
wait_pid "$spid" 20
rc=$?
check_sanitizer "$ERR"
[ "$rc" -eq 1 ] || fail "startup with a FIFO: exit $rc, not 1"
grep -Fqx "tcplogd: $CONF:$(conf_line file "$DIR/start.log"): file $DIR/start.log: $fifo_why" "$ERR" ||
    fail "no line naming the FIFO at startup: $(cat "$ERR")"

# 2. Renamed, and a FIFO made at the name: writes go on to the old file.
mv "$ERR" "$DIR/err1"
config_global timestamps=no
config_listener main output=file "file=$DIR/out.log"
start_daemon
port=$(port_of main)
send one
wait_match "$DIR/out.log" ': one$'
mv "$DIR/out.log" "$DIR/out.log.1"
mkfifo "$DIR/out.log" || hard_error "mkfifo failed"
send two
wait_match "$DIR/out.log.1" ': two$'
send three
wait_match "$DIR/out.log.1" ': three$'
n=$(grep -Fcx "tcplogd: $DIR/out.log: renamed, but cannot open it again: $fifo_why; writing to the old file until the next reopen" "$ERR")
[ "$n" -eq 1 ] || fail "$n lines saying why, not 1: $(cat "$ERR")"

# 3. SIGHUP: the reopen meets the FIFO, keeps the old file.
kill -HUP "$DPID"
wait_match "$ERR" "^tcplogd: $DIR/out.log: reopen failed, keeping the old file: not a regular file \\(a FIFO\\)\$"
send four
wait_match "$DIR/out.log.1" ': four$'

# 4. A reload naming a FIFO as a new output: refused, old config kept.
mkfifo "$DIR/new.log" || hard_error "mkfifo failed"
config_global timestamps=no
config_listener main output=file "file=$DIR/new.log"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reload failed: keeping the running configuration$'
grep -Fqx "tcplogd: $CONF:$(conf_line file "$DIR/new.log"): file $DIR/new.log: $fifo_why" "$ERR" ||
    fail "no line naming the FIFO on reload: $(cat "$ERR")"
send five
wait_match "$DIR/out.log.1" ': five$'
stop_daemon
exit 0

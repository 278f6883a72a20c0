#!/bin/sh
# harden-recreate.sh: an output file renamed away (logrotate without
# create) that tcplogd, running as nobody, cannot create again in root's
# directory.  It says so once, keeps writing to the renamed file without
# holding output, and tries again at the next reopen (SIGHUP), which
# succeeds once the directory is writable.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "not root"
getent passwd nobody > /dev/null || skip "no user nobody"
getent group nogroup > /dev/null || skip "no group nogroup"

# LeakSanitizer cannot stop the world of a process that changed its
# user (it is no longer dumpable); the other tests check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

# send WORD: one connection sending the line WORD.
send()
{
	printf '%s\n' "$1" > "$DIR/in"
	tsend -f "$DIR/in" 127.0.0.1 "$port" || fail "sending $1 failed"
}

config_global timestamps=no user=nobody group=nogroup "file=$DIR/out.log"
config_listener main output=file
chmod 0755 "$DIR"
start_daemon
wait_match "$ERR" '^tcplogd: running as user '
port=$(port_of main)
send one
wait_match "$DIR/out.log" ': one$'
mv "$DIR/out.log" "$DIR/out.log.1"
for w in two three four five; do
	send "$w"
	wait_match "$DIR/out.log.1" ": $w\$"
done
said="tcplogd: $DIR/out.log: renamed, but cannot open it again: Permission denied; writing to the old file until the next reopen"
n=$(grep -Fcx "$said" "$ERR")
[ "$n" -eq 1 ] || fail "said it $n times, not once: $(cat "$ERR")"
[ ! -e "$DIR/out.log" ] || fail "$DIR/out.log exists"

# The next reopen tries again, and now can.
chmod 0777 "$DIR"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 1 listener$'
send six
wait_match "$DIR/out.log" ': six$'
grep -q ': six$' "$DIR/out.log.1" && fail "six in the renamed file too"
stop_daemon
exit 0

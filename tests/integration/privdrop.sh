#!/bin/sh
# privdrop.sh: started as root with user = nobody and group = nogroup,
# tcplogd binds and opens its output first, then runs as nobody:nogroup
# for good (real, effective and saved ids), and still serves.  After the
# drop, a reload still reads the config, but reopening root's output
# file and rewriting the port file in root's directory fail: both are
# logged, neither is fatal, and the old file stays in use.  -t rejects a
# user or group that does not exist.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "not root"
getent passwd nobody > /dev/null || skip "no user nobody"
getent group nogroup > /dev/null || skip "no group nogroup"
uid=$(id -u nobody)
gid=$(getent group nogroup | cut -d: -f3)

# LeakSanitizer cannot stop the world of a process that changed its
# user (it is no longer dumpable); the other tests check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

config_global timestamps=no user=nobody group=nogroup \
    "file=$DIR/out.log"
config_listener main output=file
chmod 0755 "$DIR"
start_daemon
wait_match "$ERR" "^tcplogd: running as user $uid, group $gid\$"
awk -v uid="$uid" -v gid="$gid" '
/^Uid:/ { u = ($2 == uid && $3 == uid && $4 == uid && $5 == uid) }
/^Gid:/ { g = ($2 == gid && $3 == gid && $4 == gid && $5 == gid) }
END { exit !(u && g) }' "/proc/$DPID/status" ||
    fail "not nobody:nogroup: $(grep -E '^(Uid|Gid|Groups):' "/proc/$DPID/status")"

printf 'as nobody\n' | tsend -e half -f - 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
wait_match "$DIR/out.log" ': as nobody$'

# $DIR and out.log are root's: no reopen, no new port file.
kill -HUP "$DPID"
wait_match "$ERR" "^tcplogd: $DIR/out.log: reopen failed, keeping the old file: Permission denied\$"
wait_match "$ERR" '^tcplogd: reloaded: 1 listener$'
wait_match "$ERR" "^tcplogd: port file $PORTS: Permission denied\$"
daemon_alive || fail "a failed reopen or port file killed tcplogd"
printf 'after reload\n' | tsend -e half -f - 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
wait_match "$DIR/out.log" ': after reload$'
stop_daemon

# -t: an unknown user or group is a config error.
config_global user=no-such-user-tcplogd group=no-such-group-tcplogd
config_listener main
"$TCPLOGD" -t -f "$CONF" > "$DIR/t.out" 2> "$DIR/t.err"
[ $? -eq 78 ] || fail "-t accepted an unknown user"
grep -q "tcplogd\.conf:2: user: no such user 'no-such-user-tcplogd'\$" \
    "$DIR/t.err" || fail "no user error: $(cat "$DIR/t.err")"
grep -q "tcplogd\.conf:3: group: no such group 'no-such-group-tcplogd'\$" \
    "$DIR/t.err" || fail "no group error: $(cat "$DIR/t.err")"
exit 0

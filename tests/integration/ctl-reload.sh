#!/bin/sh
# ctl-reload.sh: tcplogctl reload answers.  A good config: exit 0, one
# line per change ("listener app: added", "listener main: changed"),
# and the new listener takes connections as soon as tcplogctl returns;
# the same file again: "unchanged".  A bad file: exit 1, the error with
# file:line and "reload failed: keeping the running configuration".  A
# valid config that cannot be applied (a port another process holds; as
# a user that may not write it, a file in a directory it cannot write):
# exit 1 with the reason.  After each failure the running config keeps
# serving, and the daemon never reopens files on the way.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_python

# send_to LISTENER TEXT FILE: TEXT reaches LISTENER (its address from
# tcplogctl status) and is written to FILE.
send_to()
{
	st_addr=$(ctl status -j |
	    jq -r --arg n "$1" 'select(.type == "listener" and .name == $n) |
	    .listen') || fail "tcplogctl status failed"
	[ -n "$st_addr" ] || fail "no listener $1 in tcplogctl status"
	printf '%s\n' "$2" | tsend -e half -f - 127.0.0.1 "${st_addr##*:}" ||
	    fail "tcplogd-send to $1 ($st_addr) failed"
	wait_match "$3" ": $2\$"
}

# reload_fails NAME: tcplogctl reload exits 1 with the failure line;
# its stdout and stderr are $DIR/NAME.out and $DIR/NAME.err.
reload_fails()
{
	ctl reload > "$DIR/$1.out" 2> "$DIR/$1.err"
	rf_rc=$?
	[ "$rf_rc" -eq 1 ] || fail "$1: tcplogctl reload exit $rf_rc, not 1:" \
	    "$(cat "$DIR/$1.out" "$DIR/$1.err")"
	grep -qx 'tcplogctl: reload failed: keeping the running configuration' \
	    "$DIR/$1.err" || fail "$1: no failure line: $(cat "$DIR/$1.err")"
	[ ! -s "$DIR/$1.out" ] || fail "$1: output on stdout: $(cat "$DIR/$1.out")"
}

# 1. Good reloads.
config_global timestamps=no "control=$CTL"
config_listener main output=file "file=$DIR/main.log"
start_daemon
send_to main first "$DIR/main.log"

config_global timestamps=no "control=$CTL"
config_listener main output=file "file=$DIR/main.log" idle_timeout=300
config_listener app output=file "file=$DIR/app.log"
ctl reload > "$DIR/good.out" 2> "$DIR/good.err" ||
    fail "reload of a good config failed: $(cat "$DIR/good.err")"
sort "$DIR/good.out" > "$DIR/good.sorted"
printf 'listener app: added\nlistener main: changed\n' > "$DIR/good.want"
expect_file "$DIR/good.want" "$DIR/good.sorted"
[ ! -s "$DIR/good.err" ] || fail "stderr: $(cat "$DIR/good.err")"
# No wait: the listener is there when tcplogctl returns.
send_to app second "$DIR/app.log"
ctl reload > "$DIR/same.out" || fail "the same config again failed"
[ "$(cat "$DIR/same.out")" = unchanged ] ||
    fail "not \"unchanged\": $(cat "$DIR/same.out")"

# 2. A bad file: every error with file:line.
cp "$CONF" "$DIR/good.conf"
config_global timestamps=no "control=$CTL"
config_listener main output=file "file=$DIR/main.log" max_line=none
config_listener app output=file "file=$DIR/app.log" no_such_key=1
reload_fails bad
grep -Eq "^$CONF:[0-9]+: .*max_line" "$DIR/bad.err" ||
    fail "no max_line error with file:line: $(cat "$DIR/bad.err")"
grep -Eq "^$CONF:[0-9]+: .*no_such_key" "$DIR/bad.err" ||
    fail "no no_such_key error with file:line: $(cat "$DIR/bad.err")"
send_to main third "$DIR/main.log"
send_to app fourth "$DIR/app.log"

# 3. A port held by another process.
"$PYTHON" -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
print(s.getsockname()[1], flush=True)
time.sleep(600)' > "$DIR/held.port" &
bg_track $!
wait_lines "$DIR/held.port" 1
held=$(cat "$DIR/held.port")
cp "$DIR/good.conf" "$CONF"
config_listener taken "listen=127.0.0.1:$held"
reload_fails inuse
grep -q "127\\.0\\.0\\.1:$held" "$DIR/inuse.err" ||
    fail "the error does not name 127.0.0.1:$held: $(cat "$DIR/inuse.err")"
send_to main fifth "$DIR/main.log"
send_to app sixth "$DIR/app.log"
ctl status -j | jq -se 'any(.[]; .type == "listener" and .name == "taken")' \
    > /dev/null && fail "listener taken is there after a failed reload"

# No reload reopened a file: the first file still gets the records.
grep -q 'reopen' "$ERR" && fail "a reload reopened files: $(grep reopen "$ERR")"
stop_daemon

# 4. A file in a directory the daemon may not write: as nobody when run
# as root (root writes anywhere), else a directory without write access.
rm -f "$ERR"
mkdir "$DIR/ro" "$DIR/rw" || hard_error "mkdir failed"
user=
if [ "$(id -u)" -eq 0 ]; then
	getent passwd nobody > /dev/null || skip "no user nobody"
	getent group nogroup > /dev/null || skip "no group nogroup"
	user="user=nobody group=nogroup"
	chmod 0755 "$DIR" || hard_error "chmod failed"
	chown nobody:nogroup "$DIR/rw" || hard_error "chown failed"
	# LeakSanitizer cannot stop the world of a process that changed
	# its user; the parts above checked for leaks.
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	export ASAN_OPTIONS
fi
chmod 0555 "$DIR/ro" || hard_error "chmod failed"
CTL=$DIR/rw/control
# shellcheck disable=SC2086 # two words or none
config_global timestamps=no "control=$CTL" $user
config_listener main output=file "file=$DIR/rw/main.log"
start_daemon
send_to main seventh "$DIR/rw/main.log"
config_listener app output=file "file=$DIR/ro/app.log"
reload_fails rofile
grep -q "$DIR/ro/app.log" "$DIR/rofile.err" ||
    fail "the error does not name $DIR/ro/app.log: $(cat "$DIR/rofile.err")"
[ ! -e "$DIR/ro/app.log" ] || fail "$DIR/ro/app.log was made"
send_to main eighth "$DIR/rw/main.log"
stop_daemon
exit 0

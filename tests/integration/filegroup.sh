#!/bin/sh
# filegroup.sh: file_group = adm with a daemon that drops to user nobody,
# group nogroup, as root in a private mount namespace whose /etc/group
# makes nobody a member of adm (as SupplementaryGroups=adm would): the
# drop keeps nobody's supplementary groups (initgroups), the output file
# is created with group adm, and the file created again by a reopen
# after a rename (as nobody) gets group adm too, as does the file a
# logrotate-like root created with another group.  Then without the
# membership: the start (as root) still sets the group, a reopen as
# nobody cannot, says so once per reopen, and writes the new file all
# the same.  -t rejects an unknown group.  Nothing is changed outside
# the namespace.

if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: filegroup: needs root (unshare -m, user =)" >&2
		exit 77
	fi
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "SKIP: filegroup: unshare -m does not work here" >&2
		exit 77
	fi
	TCPLOGD_IN_NS=1
	export TCPLOGD_IN_NS
	exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

getent passwd nobody > /dev/null || skip "no user nobody"
getent group nogroup > /dev/null || skip "no group nogroup"
getent group adm > /dev/null || skip "no group adm"
adm=$(getent group adm | cut -d: -f3)

# LeakSanitizer cannot stop the world of a process that changed its
# user (privdrop.sh); the other tests check for leaks.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
export ASAN_OPTIONS

# group_of FILE: its group's name.
group_of()
{
	stat -c %G "$1"
}

chmod 0755 "$DIR"
mkdir "$DIR/logs" || hard_error "mkdir"
chown nobody:nogroup "$DIR/logs" || hard_error "chown"
log=$DIR/logs/out.log

# 1. nobody in adm, in this namespace only.
awk -F: -v OFS=: '$1 == "adm" {
	$4 = ($4 == "" ? "nobody" : $4 ",nobody")
} { print }' /etc/group > "$DIR/group" || hard_error "awk"
mount --bind "$DIR/group" /etc/group || skip "cannot bind-mount /etc/group"
id -Gn nobody | grep -qw adm || hard_error "nobody is not in adm"

config_global timestamps=no user=nobody group=nogroup file_group=adm \
    "file=$log"
config_listener main output=file
start_daemon
wait_match "$ERR" '^tcplogd: running as user [0-9]+, group [0-9]+$'
grep -E '^Groups:' "/proc/$DPID/status" | grep -qw "$adm" ||
    fail "adm not among the groups: $(grep -E '^Groups:' \
    "/proc/$DPID/status")"
[ "$(group_of "$log")" = adm ] || fail "$log: group $(group_of "$log")"
[ "$(stat -c %a "$log")" = 640 ] || fail "$log: mode $(stat -c %a "$log")"
printf 'one\n' | tsend -e half -f - 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
wait_match "$log" ': one$'

# Renamed, then made again by the reopen, as nobody.
mv "$log" "$log.1"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 1 listener$'
printf 'two\n' | tsend -e half -f - 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
wait_match "$log" ': two$'
[ "$(stat -c %U "$log")" = nobody ] || fail "$log: not nobody's"
[ "$(group_of "$log")" = adm ] ||
    fail "$log after a reopen: group $(group_of "$log")"

# Made by someone else (logrotate's create, as root) with nobody's group.
mv "$log" "$log.2"
install -m 0640 -o nobody -g nogroup /dev/null "$log" ||
    hard_error "install"
kill -HUP "$DPID"
wait_count "$ERR" '^tcplogd: reloaded: 1 listener$' 2
printf 'three\n' | tsend -e half -f - 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
wait_match "$log" ': three$'
[ "$(group_of "$log")" = adm ] ||
    fail "$log made by another: group $(group_of "$log")"
if grep -q 'file_group' "$ERR"; then
	fail "a file_group warning: $(grep file_group "$ERR")"
fi
stop_daemon

# 2. nobody not in adm: the start, as root, still sets the group; a
# reopen as nobody cannot, and the new file is written anyway.
umount /etc/group || hard_error "umount"
rm -f "$DIR/logs/"*
start_daemon
[ "$(group_of "$log")" = adm ] || fail "$log: group $(group_of "$log")"
mv "$log" "$log.1"
kill -HUP "$DPID"
wait_match "$ERR" "^tcplogd: $log: cannot set its group \\(file_group\\): Operation not permitted\$"
printf 'not in adm\n' | tsend -e half -f - 127.0.0.1 "$(port_of main)" ||
    fail "tcplogd-send failed"
wait_match "$log" ': not in adm$'
[ "$(group_of "$log")" = nogroup ] ||
    fail "$log: group $(group_of "$log"), not nogroup"
daemon_alive || fail "a group that cannot be set killed tcplogd"
stop_daemon

# 3. -t: an unknown group is a config error at its line.
config_global file_group=no-such-group-tcplogd
config_listener main
"$TCPLOGD" -t -f "$CONF" > "$DIR/t.out" 2> "$DIR/t.err"
[ $? -eq 78 ] || fail "-t accepted an unknown file_group"
grep -q "tcplogd\\.conf:2: file_group: no such group 'no-such-group-tcplogd'\$" \
    "$DIR/t.err" || fail "no file_group error: $(cat "$DIR/t.err")"
exit 0

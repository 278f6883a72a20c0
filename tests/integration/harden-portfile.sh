#!/bin/sh
# harden-portfile.sh: the port file (-P) is written as root, maybe in a
# directory others can write.  A symlink planted at its old temporary
# name (PORTS.tmp), to an existing file or to none, is never followed: the
# file it points to keeps its content, no file is created through it; a
# leftover temporary file blocks nothing; the port file is a regular file
# with every bound address, also after a reload.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

printf 'precious\n' > "$DIR/victim"
ln -s "$DIR/victim" "$PORTS.tmp" || hard_error "ln failed"
ln -s "$DIR/created" "$PORTS.new" || hard_error "ln failed"
config_global timestamps=no
config_listener main
start_daemon
[ "$(cat "$DIR/victim")" = precious ] ||
    fail "the symlink's target was written: $(cat "$DIR/victim")"
[ -f "$PORTS" ] && [ ! -L "$PORTS" ] || fail "$PORTS: not a regular file"
grep -Eq '^main 127\.0\.0\.1:[0-9]+$' "$PORTS" ||
    fail "port file: $(cat "$PORTS")"
# A reload writes it again, the same way.
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: SIGHUP received: '
wait_match "$ERR" '^tcplogd: reloaded: 1 listener$'
[ "$(cat "$DIR/victim")" = precious ] ||
    fail "the symlink's target was written on reload"
[ ! -e "$DIR/created" ] || fail "a file was created through a symlink"
[ -L "$PORTS.tmp" ] || fail "the planted symlink was replaced"
stop_daemon
# No temporary file is left behind.
left=$(find "$DIR" -name 'ports.*' ! -name ports.tmp ! -name ports.new)
[ -z "$left" ] || fail "temporary files left: $left"
exit 0

#!/bin/sh
# msgs-startup.sh: errors in applying the config name the config file (as
# given with -f) and the line of the key behind them, as config errors
# do: a listen address in use by another process, a port below 1024
# without the right to bind it (as nobody when run as root), an output
# file in a missing directory (its file key in [tcplogd]); at start (exit
# 1, no "ready") and on a reload (the same text, the old config kept).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

cd "$DIR" || hard_error "cannot cd to $DIR"

# must_fail NAME [WRAPPER...]: run tcplogd on NAME.conf (a relative path)
# in the foreground; it must exit 1 without "ready".
must_fail()
{
	mf_name=$1
	shift
	# shellcheck disable=SC2086 # the wrapper is a command line
	timeout $((20 * scale)) "$@" $TCPLOGD_WRAPPER "$TCPLOGD" \
	    -f "$mf_name.conf" > "$mf_name.out" 2> "$mf_name.err" < /dev/null
	mf_rc=$?
	check_sanitizer "$mf_name.err"
	[ "$mf_rc" -eq 1 ] ||
	    fail "$mf_name: exit status $mf_rc, not 1: $(cat "$mf_name.err")"
	grep -q '^tcplogd: ready' "$mf_name.err" && fail "$mf_name: said ready"
	return 0
}

# said NAME LINE: NAME.err has LINE.
said()
{
	grep -Fqx -e "$2" "$1.err" ||
	    fail "$1: no line \"$2\": $(cat "$1.err")"
}

# 1. A port another process listens on.
write_config timestamps=no
start_daemon
port=$(port_of main)
printf '[tcplogd]\ntimestamps = no\n\n[listener a]\nlisten = 127.0.0.1:0\n\n[listener b]\nlisten = 127.0.0.1:0, 127.0.0.1:%s\n' \
    "$port" > inuse.conf
must_fail inuse
said inuse "tcplogd: inuse.conf:8: listen 127.0.0.1:$port: Address already in use"

# 2. An output file in a missing directory, the file key in [tcplogd].
printf '[tcplogd]\nfile = %s/missing/a.log\n\n[listener a]\nlisten = 127.0.0.1:0\noutput = file\n' \
    "$DIR" > nodir.conf
must_fail nodir
said nodir "tcplogd: nodir.conf:2: file $DIR/missing/a.log: No such file or directory"

# 3. The same on a reload: the running daemon keeps its config.
cp nodir.conf "$CONF"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reload failed: keeping the running configuration$'
grep -Fqx "tcplogd: $CONF:2: file $DIR/missing/a.log: No such file or directory" "$ERR" ||
    fail "reload: no line naming the file key: $(cat "$ERR")"
printf 'still here\n' | tsend -e half -f - 127.0.0.1 "$port" ||
    fail "tcplogd-send failed"
wait_match "$OUT" ': still here$'
stop_daemon

# 4. A port below 1024 without the right to bind it: as nobody when root.
start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null ||
    echo 1024)
[ "$start" -gt 79 ] || skip "any user may bind port 79 here"
printf '[tcplogd]\ntimestamps = no\n\n[listener low]\nlisten = 127.0.0.1:79\n' \
    > low.conf
if [ "$(id -u)" -eq 0 ]; then
	need_cmd setpriv
	getent passwd nobody > /dev/null || skip "no user nobody"
	chmod 0755 "$DIR"
	chmod 0644 low.conf
	set -- setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups
else
	set --
fi
must_fail low "$@"
said low "tcplogd: low.conf:5: listen 127.0.0.1:79: Permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
exit 0

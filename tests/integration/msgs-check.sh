#!/bin/sh
# msgs-check.sh: -t reports what it can tell without binding or opening:
# an output file in a missing directory, something other than a regular
# file at its path (a FIFO, a symlink) is an error (exit 78, FILE:LINE:
# as at start, no "configuration OK"), and -t creates nothing.  As root
# with user = nobody it checks as nobody: a file or a directory nobody
# cannot write is an error, one it can write is not.  A listen port
# below 1024 that the user running -t may not bind is only a warning.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

cd "$DIR" || hard_error "cannot cd to $DIR"

# check NAME RC [WRAPPER...]: tcplogd -t on NAME.conf must exit RC, and
# print "configuration OK" exactly when RC is 0.
check()
{
	ck_name=$1
	ck_want=$2
	shift 2
	# shellcheck disable=SC2086 # the wrapper is a command line
	timeout $((20 * scale)) "$@" $TCPLOGD_WRAPPER "$TCPLOGD" -t \
	    -f "$ck_name.conf" > "$ck_name.out" 2> "$ck_name.err" < /dev/null
	ck_rc=$?
	check_sanitizer "$ck_name.err"
	[ "$ck_rc" -eq "$ck_want" ] ||
	    fail "$ck_name: -t exited $ck_rc, not $ck_want: $(cat "$ck_name.err")"
	if [ "$ck_want" -eq 0 ]; then
		[ "$(cat "$ck_name.out")" = "configuration OK" ] ||
		    fail "$ck_name: -t printed: $(cat "$ck_name.out")"
	else
		[ ! -s "$ck_name.out" ] ||
		    fail "$ck_name: -t printed: $(cat "$ck_name.out")"
	fi
}

# said NAME LINE: NAME.err has LINE.
said()
{
	grep -Fqx -e "$2" "$1.err" ||
	    fail "$1: no line \"$2\": $(cat "$1.err")"
}

# conf NAME PATH [KEY=VALUE...]: NAME.conf, one listener writing PATH
# (line 6 after one [tcplogd] key), [tcplogd] keys first.
conf()
{
	c_name=$1
	c_path=$2
	shift 2
	{
		echo "[tcplogd]"
		config_kv "$@"
		echo "[listener main]"
		echo "listen = 127.0.0.1:0"
		echo "output = file"
		echo "file = $c_path"
	} > "$c_name.conf"
}

# 1. A missing directory; a FIFO; a symlink; a good path.  Nothing made.
conf nodir "$DIR/missing/a.log" timestamps=no
check nodir 78
said nodir "nodir.conf:6: file $DIR/missing/a.log: No such file or directory"
mkfifo fifo.log || hard_error "mkfifo failed"
conf fifo "$DIR/fifo.log" timestamps=no
check fifo 78
said fifo "fifo.conf:6: file $DIR/fifo.log: not a regular file (a FIFO)"
ln -s "$DIR/elsewhere.log" link.log
conf link "$DIR/link.log" timestamps=no
check link 78
said link "link.conf:6: file $DIR/link.log: Too many levels of symbolic links"
conf good "$DIR/good.log" timestamps=no
check good 0
[ ! -s good.err ] || fail "good: -t said: $(cat good.err)"
[ ! -e good.log ] && [ ! -e elsewhere.log ] && [ ! -d missing ] ||
    fail "-t created a file"

# 2. Two errors in one config, both said, each once.
{
	echo "[tcplogd]"
	echo "file = $DIR/missing/b.log"
	echo "output = file"
	echo "[listener a]"
	echo "listen = 127.0.0.1:0"
	echo "[listener b]"
	echo "listen = 127.0.0.1:0"
	echo "[listener c]"
	echo "listen = 127.0.0.1:0"
	echo "file = $DIR/fifo.log"
} > two.conf
check two 78
said two "two.conf:2: file $DIR/missing/b.log: No such file or directory"
said two "two.conf:10: file $DIR/fifo.log: not a regular file (a FIFO)"
[ "$(wc -l < two.err)" -eq 2 ] || fail "two: $(cat two.err)"

# 3. A port below 1024: a warning only, for whoever may not bind it.
start=$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null ||
    echo 1024)
printf '[listener low]\nlisten = 127.0.0.1:79\n' > low.conf
if [ "$(id -u)" -eq 0 ]; then
	check low 0
	[ ! -s low.err ] || fail "low: root was warned: $(cat low.err)"
fi
if [ "$start" -gt 79 ]; then
	if [ "$(id -u)" -eq 0 ]; then
		need_cmd setpriv
		getent passwd nobody > /dev/null || skip "no user nobody"
		chmod 0755 "$DIR"
		chmod 0644 low.conf
		set -- setpriv --reuid=nobody --regid="$(id -g nobody)" \
		    --clear-groups
	else
		set --
	fi
	check low 0 "$@"
	said low "low.conf:2: warning: listen 127.0.0.1:79: ports below 1024 need root or CAP_NET_BIND_SERVICE"
fi

# 4. As root with user = nobody: checked as nobody.
[ "$(id -u)" -eq 0 ] || exit 0
getent passwd nobody > /dev/null || skip "no user nobody"
chmod 0755 "$DIR"
: > root.log
chmod 0644 root.log
conf rootfile "$DIR/root.log" user=nobody
check rootfile 78
said rootfile "rootfile.conf:6: file $DIR/root.log: Permission denied (as user nobody)"
conf rootdir "$DIR/new.log" user=nobody
check rootdir 78
said rootdir "rootdir.conf:6: file $DIR/new.log: Permission denied (as user nobody)"
mkdir nobodys
chown nobody nobodys
conf nobodydir "$DIR/nobodys/new.log" user=nobody
check nobodydir 0
: > nobodys/old.log
chown nobody nobodys/old.log
conf nobodyfile "$DIR/nobodys/old.log" user=nobody
check nobodyfile 0
exit 0

#!/bin/sh
# file.sh: output = file.  The exact records (timestamps = no) in the
# file named by the [tcplogd] default file = PATH, nothing on stdout;
# timestamps = auto means yes in a file; file_mode is the exact mode of a
# new file even under umask 077, an existing file keeps its mode and its
# content (O_APPEND); two listeners naming one path share it, and lines
# of concurrent clients never interleave; a file that cannot be opened at
# startup: exit 1 with one line naming it.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

umask 077
ts_re='[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z'

# mode_of FILE: its permission bits in octal.
mode_of()
{
	stat -c %a "$1"
}

# 1. Exact content; the path from the [tcplogd] default; the default mode
# 0640; nothing on stdout.
config_global timestamps=no "file=$DIR/out.log"
config_listener main output=file
start_daemon
[ -f "$DIR/out.log" ] || fail "$DIR/out.log not created at startup"
[ "$(mode_of "$DIR/out.log")" = 640 ] ||
    fail "default mode $(mode_of "$DIR/out.log"), not 640 (umask 077)"
printf 'hello\ntab\there\\\n\nbye' > "$DIR/in"
tsend -v -f "$DIR/in" 127.0.0.1 "$(port_of main)" > "$DIR/send.out" ||
    fail "tcplogd-send failed"
p=$(peer_of "$DIR/send.out")
wait_match "$DIR/out.log" ' disconnected '
{
	echo "main $p connected"
	echo "main $p: hello"
	printf '%s\n' "main $p: tab\\there\\\\"
	echo "main $p: "
	echo "main $p [partial]: bye"
	echo "main $p disconnected (closed by peer) 4 records 20 bytes"
} > "$DIR/expected"
expect_file "$DIR/expected" "$DIR/out.log"
stop_daemon
expect_file "$DIR/expected" "$DIR/out.log"
[ ! -s "$OUT" ] || fail "records on stdout: $(head -n 3 "$OUT")"

# 2. timestamps = auto in a file; file_mode of a new file; an existing
# file keeps its mode and content.
mv "$ERR" "$DIR/err1"
printf 'old line\n' > "$DIR/old.log"
chmod 0606 "$DIR/old.log"
config_global
config_listener auto output=file "file=$DIR/auto.log" file_mode=0604
config_listener old output=file "file=$DIR/old.log" file_mode=0600 \
    timestamps=no
start_daemon
[ "$(mode_of "$DIR/auto.log")" = 604 ] ||
    fail "file_mode 0604 gave mode $(mode_of "$DIR/auto.log") (umask 077)"
[ "$(mode_of "$DIR/old.log")" = 606 ] ||
    fail "an existing file changed mode to $(mode_of "$DIR/old.log")"
printf 'one\ntwo\n' | tsend -e half -f - 127.0.0.1 "$(port_of auto)" ||
    fail "tcplogd-send failed"
printf 'new line\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of old)" \
    > "$DIR/send.out" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/send.out")
wait_match "$DIR/auto.log" ' disconnected '
wait_match "$DIR/old.log" ' disconnected '
stop_daemon
[ "$(wc -l < "$DIR/auto.log")" -eq 4 ] ||
    fail "auto.log: not 4 lines: $(cat "$DIR/auto.log")"
if grep -Evq "^$ts_re auto 127\\.0\\.0\\.1:[0-9]+( connected$| disconnected |: )" \
    "$DIR/auto.log"; then
	fail "timestamps = auto: a line without a timestamp in a file:" \
	    "$(cat "$DIR/auto.log")"
fi
{
	echo "old line"
	echo "old $p connected"
	echo "old $p: new line"
	echo "old $p disconnected (closed by peer) 1 records 9 bytes"
} > "$DIR/expected"
expect_file "$DIR/expected" "$DIR/old.log"

# 3. Two listeners, one file: the first listener's mode; concurrent
# clients on both, in chunks that split lines: every line whole, once.
mv "$ERR" "$DIR/err2"
config_global timestamps=no
config_listener a output=file "file=$DIR/shared.log" file_mode=0600
config_listener b output=file "file=$DIR/shared.log" file_mode=0644
start_daemon
[ "$(mode_of "$DIR/shared.log")" = 600 ] ||
    fail "shared file: mode $(mode_of "$DIR/shared.log"), not 600"
nconn=4
nline=3000
size=70
tsend_bg "$DIR/a.out" "$DIR/a.err" -v -k 997 -c "$nconn" -n "$nline" \
    -s "$size" 127.0.0.1 "$(port_of a)"
pid_a=$BG_PID
tsend_bg "$DIR/b.out" "$DIR/b.err" -v -k 1009 -c "$nconn" -n "$nline" \
    -s "$size" 127.0.0.1 "$(port_of b)"
pid_b=$BG_PID
wait_pid "$pid_a" 60 || fail "tcplogd-send a failed: $(cat "$DIR/a.err")"
wait_pid "$pid_b" 60 || fail "tcplogd-send b failed: $(cat "$DIR/b.err")"
wait_count "$DIR/shared.log" ' disconnected ' $((2 * nconn)) 30
stop_daemon
if awk '$1 != "a" && $1 != "b"' "$DIR/shared.log" | grep -q .; then
	awk '$1 != "a" && $1 != "b"' "$DIR/shared.log" | head -n 5 >&2
	fail "shared.log: lines of neither listener (interleaved?)"
fi
awk '$1 == "a"' "$DIR/shared.log" > "$DIR/shared.a"
awk '$1 == "b"' "$DIR/shared.log" > "$DIR/shared.b"
check_generated "$DIR/a.out" "$DIR/shared.a" a "$nconn" "$nline" "$size"
check_generated "$DIR/b.out" "$DIR/shared.b" b "$nconn" "$nline" "$size"
[ "$(wc -l < "$DIR/shared.log")" -eq $((2 * nconn * (nline + 2))) ] ||
    fail "shared.log: $(wc -l < "$DIR/shared.log") lines"

# 4. A file that cannot be opened at startup: exit 1, one line naming it
# and the config line of its file key, no "ready".  A good listener first does not change that.
# bad_file NAME PATH ERROR: run tcplogd with a listener writing PATH.
bad_file()
{
	{
		echo "[listener good]"
		echo "listen = 127.0.0.1:0"
		echo "output = file"
		echo "file = $DIR/good.log"
		echo "[listener bad]"
		echo "listen = 127.0.0.1:0"
		echo "output = file"
		echo "file = $2"
	} > "$DIR/$1.conf"
	# shellcheck disable=SC2086 # the wrapper is a command line
	timeout $((20 * scale)) $TCPLOGD_WRAPPER "$TCPLOGD" \
	    -f "$DIR/$1.conf" -P "$DIR/$1.ports" \
	    > "$DIR/$1.out" 2> "$DIR/$1.err" < /dev/null
	bf_rc=$?
	check_sanitizer "$DIR/$1.err"
	[ "$bf_rc" -eq 1 ] ||
	    fail "$1: exit status $bf_rc, not 1: $(cat "$DIR/$1.err")"
	bf_want="tcplogd: $DIR/$1.conf:$(conf_line file "$2" "$DIR/$1.conf"):"
	bf_want="$bf_want file $2: $3"
	grep -Fqx "$bf_want" "$DIR/$1.err" ||
	    fail "$1: no line \"$bf_want\": $(cat "$DIR/$1.err")"
	[ "$(grep -Fc "$2" "$DIR/$1.err")" -eq 1 ] ||
	    fail "$1: not one line naming $2: $(cat "$DIR/$1.err")"
	grep -q '^tcplogd: ready' "$DIR/$1.err" && fail "$1: said ready"
	[ ! -s "$DIR/$1.out" ] || fail "$1: wrote on stdout"
}

bad_file nodir "$DIR/nodir/x.log" 'No such file or directory'
: > "$DIR/plain"
bad_file notdir "$DIR/plain/x.log" 'Not a directory'
mkdir "$DIR/isdir"
bad_file isdir "$DIR/isdir" 'Is a directory'
if [ "$(id -u)" -ne 0 ]; then
	mkdir "$DIR/ro"
	chmod 0555 "$DIR/ro"
	bad_file ro "$DIR/ro/x.log" 'Permission denied'
else
	log "root: the permission denied case is not tested"
fi
exit 0

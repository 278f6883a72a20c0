#!/bin/sh
# diskfull.sh: a full disk, for real: as root, in a private mount
# namespace, the output file lives on a small tmpfs that a filler file
# fills up.  tcplogd says once "PATH: write failed, retrying: No space
# left on device", keeps running with bounded memory, holds the records
# and, past 4 MiB unwritten, holds the clients back (output stalled,
# pauses counted); once the filler is removed it says "PATH: writing
# again" and every line sent is in the file exactly once, whole and in
# order.  Nothing is changed outside the namespace.

if [ -z "${TCPLOGD_IN_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: diskfull: needs root for unshare -m and mount" >&2
		exit 77
	fi
	if ! unshare -m --propagation private true 2>/dev/null; then
		echo "SKIP: diskfull: unshare -m does not work here" >&2
		exit 77
	fi
	TCPLOGD_IN_NS=1
	export TCPLOGD_IN_NS
	exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=4
nline=16000
size=99		# 4 x 16000 x 100 bytes: 6.4 MB, more than the 4 MiB buffer

mkdir "$DIR/logs" || hard_error "mkdir"
mount -t tmpfs -o size=16m,mode=0755 tcplogd-test-full "$DIR/logs" ||
    skip "cannot mount a tmpfs"
log="$DIR/logs/out.log"

config_global timestamps=no
config_listener main output=file "file=$log"
start_daemon
port=$(port_of main)

# A first record while there is room: the last page of the file keeps
# some room, so the first failing write is a short one.
printf 'before\n' | tsend -v -e half -f - 127.0.0.1 "$port" \
    > "$DIR/before.out" || fail "tcplogd-send failed"
p0=$(peer_of "$DIR/before.out")
wait_match "$log" "^main $p0 disconnected "

# Fill the disk.
dd if=/dev/zero of="$DIR/logs/filler" bs=64k 2> /dev/null
if printf 'x' > "$DIR/logs/probe" 2> /dev/null; then
	hard_error "the tmpfs is not full"
fi
rm -f "$DIR/logs/probe"
size0=$(wc -c < "$log")

tsend_bg "$DIR/send.out" "$DIR/send.err" -v -c "$nconn" -n "$nline" \
    -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID
full_msg="tcplogd: $log: write failed, retrying: No space left on device"
wait_until 20 grep -Fqx "$full_msg" "$ERR" ||
    fail "no line \"$full_msg\": $(cat "$ERR")"
wait_match "$ERR" "^tcplogd: .*/out\\.log: output stalled \\([0-9]+ bytes unwritten\\), pausing 1 listener\$" 30

# Full for 2 more seconds (retries): still alive, memory bounded, the
# file does not grow, and the failure is reported once.
limit=64
if [ -n "$TCPLOGD_WRAPPER" ] ||
    grep -aq -e __asan_init -e __ubsan_handle "$TCPLOGD"; then
	limit=256
fi
i=0
while [ "$i" -lt 20 ]; do
	daemon_alive || fail "tcplogd died with the disk full"
	rss=$(rss_kb "$DPID")
	[ -z "$rss" ] || [ "$rss" -le $((limit * 1024)) ] ||
	    fail "RSS $rss KiB over $limit MiB with the disk full"
	sleep 0.1
	i=$((i + 1))
done
size1=$(wc -c < "$log")
[ "$size1" -lt $((size0 + 4096)) ] ||
    fail "the file grew from $size0 to $size1 bytes on a full disk"
[ "$(grep -c 'write failed' "$ERR")" -eq 1 ] ||
    fail "not one \"write failed\" line: $(grep 'write failed' "$ERR")"
log "file: $(wc -c < "$log") bytes while full"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted 5 refused 0 active [0-9]+ records [0-9]+ bytes [0-9]+ overlong 0 partial 0 output_bytes [0-9]+ pauses [1-9][0-9]* framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$'
# The output counts its failed writes and its stall.
wait_match "$ERR" "^tcplogd: output .*/out\\.log: written [0-9]+ dropped 0 errors [1-9][0-9]* stalls 1 output_errors 0\$"

# Free the space: tcplogd writes again and catches up.
rm "$DIR/logs/filler"
wait_until 10 grep -Fqx "tcplogd: $log: writing again" "$ERR" ||
    fail "no line \"tcplogd: $log: writing again\": $(tail -n 5 "$ERR")"
wait_pid "$send_pid" 60 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"
wait_count "$log" ' disconnected ' $((nconn + 1)) 30
stop_daemon
[ "$(grep -c 'write failed' "$ERR")" -eq 1 ] ||
    fail "not one \"write failed\" line: $(grep 'write failed' "$ERR")"
[ "$(grep -c 'writing again' "$ERR")" -eq 1 ] ||
    fail "not one \"writing again\" line: $(grep 'writing again' "$ERR")"

[ "$(tr -dc '\000' < "$log" | wc -c)" -eq 0 ] || fail "NUL bytes in $log"
{
	echo "main $p0 connected"
	echo "main $p0: before"
	echo "main $p0 disconnected (closed by peer) 1 records 7 bytes"
} > "$DIR/expected"
head -n 3 "$log" > "$DIR/first"
expect_file "$DIR/expected" "$DIR/first"
sed 1,3d "$log" > "$DIR/rest"
check_generated "$DIR/send.out" "$DIR/rest" main "$nconn" "$nline" "$size"
umount "$DIR/logs" || hard_error "cannot unmount $DIR/logs"
exit 0

#!/bin/sh
# slowreader.sh: the reader of tcplogd's stdout (cat from a FIFO) stops
# for 5 s while clients send more than the kernel's socket buffers hold
# (about 75 MB with Debian's defaults): tcplogd pauses reading (TCP
# holds the clients back), says so, its RSS stays bounded; when the
# reader resumes every line arrives exactly once, in order.
#
# The bound is on the RSS while the reader is stopped: 32 MiB (measured:
# under 8 MiB), 128 MiB under a wrapper or a sanitizer build (ASan:
# 26 MiB); a tcplogd that buffered everything would need over 70 MiB.
# Four times the bound while the output drains (ASan's quarantine grows
# then).  TCPLOGD_RSS_LIMIT_MB overrides the bound.
#
# What each connection sends is the point (more than the kernel holds
# for it); the number of connections is sized with load (one under ASan
# and valgrind).

TEST_TIMEOUT=300
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# Enough that the kernel's socket buffers cannot take it all while the
# reader is stopped: each connection sends its receive buffer's and its
# send buffer's largest size (tcp_rmem, tcp_wmem) and 8 MB more.
nconn=$(load 4)
size=99
kbuf=$(( $(awk '{print $3}' /proc/sys/net/ipv4/tcp_rmem) +
    $(awk '{print $3}' /proc/sys/net/ipv4/tcp_wmem) ))
nline=$(( (kbuf + 8 * 1024 * 1024) / (size + 1) ))
[ "$nline" -ge 40000 ] || nline=40000
log "$nconn connections x $nline lines of $((size + 1)) bytes"

write_config timestamps=no
fifo_reader
start_daemon
port=$(port_of main)

limit=${TCPLOGD_RSS_LIMIT_MB:-}
if [ -z "$limit" ]; then
	limit=32
	instrumented && limit=128
fi
rss0=$(rss_kb "$DPID")
log "RSS at start: $rss0 KiB; limit $limit MiB"

# maxrss: sample the daemon's RSS into $max_rss.
max_rss=0
sample_rss()
{
	sr_rss=$(rss_kb "$DPID")
	[ -n "$sr_rss" ] || return 0
	[ "$sr_rss" -gt "$max_rss" ] && max_rss=$sr_rss
	return 0
}

kill -STOP "$CAT_PID"
tsend_bg "$DIR/send.out" "$DIR/send.err" -t $((200 * scale)) -v \
    -c "$nconn" -n "$nline" -s "$size" 127.0.0.1 "$port"
send_pid=$BG_PID
wait_match "$ERR" '^tcplogd: stdout: output stalled \([0-9]+ bytes unwritten\), pausing 1 listener$' 30

# The reader stays stopped for 5 seconds; sample the RSS meanwhile.
i=0
while [ "$i" -lt 50 ]; do
	sample_rss
	sleep 0.1
	i=$((i + 1))
done
log "max RSS while stalled: $max_rss KiB"
[ "$max_rss" -le $((limit * 1024)) ] ||
    fail "RSS $max_rss KiB over $limit MiB while the reader was stopped"
proc_alive "$send_pid" ||
    fail "the clients finished while the reader was stopped"
kill -CONT "$CAT_PID"

# Everything drains; keep sampling.
i=$((240 * scale * 10))
while proc_alive "$send_pid" && [ "$i" -gt 0 ]; do
	sample_rss
	sleep 0.1
	i=$((i - 1))
done
wait_pid "$send_pid" 10 || fail "tcplogd-send failed: $(cat "$DIR/send.err")"
log "max RSS: $max_rss KiB"
[ "$max_rss" -le $((4 * limit * 1024)) ] ||
    fail "RSS $max_rss KiB over $((4 * limit)) MiB"
wait_match "$ERR" '^tcplogd: stdout: output resumed$'
wait_lines "$DIR/sink" $((nconn * nline + 2 * nconn)) 60
stop_daemon
wait_pid "$CAT_PID" 10

check_generated "$DIR/send.out" "$DIR/sink" main "$nconn" "$nline" "$size"
exit 0

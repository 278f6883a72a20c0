#!/bin/sh
# concurrent.sh: 200 clients at once, 1000 lines each: every line is in
# the output exactly once, whole (never spliced with another), in the
# order of its connection, attributed to the right peer.  The lines are
# sized with load (100 each under ASan and valgrind); the 200 clients
# stay.

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

nconn=200
nline=$(load 1000)
size=40

write_config timestamps=no
start_daemon
port=$(port_of main)

tsend -t $((120 * scale)) -v -c "$nconn" -n "$nline" -s "$size" \
    127.0.0.1 "$port" > "$DIR/send.out" || fail "tcplogd-send failed"
[ "$(grep -c ' done$' "$DIR/send.out")" -eq "$nconn" ] ||
    fail "not every connection of tcplogd-send finished"
wait_count "$OUT" ' disconnected ' "$nconn" $((60))
stop_daemon

check_generated "$DIR/send.out" "$OUT" main "$nconn" "$nline" "$size"
exit 0

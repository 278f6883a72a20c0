#!/bin/sh
# ipv6.sh: a listener on [::1] and 127.0.0.1 at once: the port file has
# one line per address, IPv6 in brackets; IPv6 peers are printed as
# [::1]:PORT.  Skipped when the loopback has no ::1.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null ||
    skip "no ::1 on this host"

write_config 'listen=[::1]:0, 127.0.0.1:0' timestamps=no
start_daemon
[ "$(wc -l < "$PORTS")" -eq 2 ] || fail "port file: $(cat "$PORTS")"
grep -Eq '^main \[::1\]:[1-9][0-9]*$' "$PORTS" ||
    fail "no [::1] line in the port file: $(cat "$PORTS")"
grep -Eq '^main 127\.0\.0\.1:[1-9][0-9]*$' "$PORTS" ||
    fail "no 127.0.0.1 line in the port file: $(cat "$PORTS")"
p6=$(awk '$2 ~ /^\[::1\]:/ { sub(/.*:/, "", $2); print $2 }' "$PORTS")
p4=$(awk '$2 ~ /^127\.0\.0\.1:/ { sub(/.*:/, "", $2); print $2 }' "$PORTS")
grep -q "^tcplogd: listening: main \\[::1\\]:$p6\$" "$ERR" ||
    fail "no \"listening: main [::1]:$p6\" line"

printf 'over six\n' | tsend -v -e half -f - ::1 "$p6" > "$DIR/s6.out" ||
    fail "tcplogd-send to ::1 failed"
printf 'over four\n' | tsend -v -e half -f - 127.0.0.1 "$p4" \
    > "$DIR/s4.out" || fail "tcplogd-send to 127.0.0.1 failed"
peer6=$(peer_of "$DIR/s6.out")
peer4=$(peer_of "$DIR/s4.out")
case $peer6 in
'[::1]:'[0-9]*)
	;;
*)
	hard_error "tcplogd-send: IPv6 peer $peer6"
	;;
esac
stop_daemon
{
	echo "main $peer6 connected"
	echo "main $peer6: over six"
	echo "main $peer6 disconnected (closed by peer) 1 records 9 bytes"
	echo "main $peer4 connected"
	echo "main $peer4: over four"
	echo "main $peer4 disconnected (closed by peer) 1 records 10 bytes"
} > "$DIR/expected"
expect_file "$DIR/expected" "$OUT"
exit 0

#!/bin/sh
# json-peer.sh: JSON records carry peer_ip and peer_port next to peer:
# the address (IPv6 without its brackets) and the port as a number, for
# every record of a connection, over IPv4 and IPv6 (skipped without
# ::1).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
has6=no
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null &&
    has6=yes
if [ "$has6" = yes ]; then
	write_config 'listen=127.0.0.1:0, [::1]:0' format=json timestamps=no
else
	log "no ::1 on this host: IPv4 only"
	write_config 'listen=127.0.0.1:0' format=json timestamps=no
fi
start_daemon
printf 'four\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of main)" \
    > "$DIR/s4.out" || fail "tcplogd-send to 127.0.0.1 failed"
p4=$(peer_of "$DIR/s4.out")
wait_match "$OUT" "$(jpeer_re "$p4"),\"event\":\"disconnected\""
if [ "$has6" = yes ]; then
	p6port=$(addr_of main 2 | sed 's/.*://')
	printf 'six\n' | tsend -v -e half -f - ::1 "$p6port" \
	    > "$DIR/s6.out" || fail "tcplogd-send to ::1 failed"
	p6=$(peer_of "$DIR/s6.out")
	case $p6 in
	'[::1]:'[0-9]*)
		;;
	*)
		hard_error "tcplogd-send: IPv6 peer $p6"
		;;
	esac
	wait_match "$OUT" "$(jpeer_re "$p6"),\"event\":\"disconnected\""
fi
stop_daemon
check_json "$OUT"

# Each record: peer_ip and peer_port right after peer, and they make it.
jq -r '[.peer, .peer_ip, (.peer_port | tostring), (.peer_port | type),
    (keys_unsorted[1:4] | join(","))] | join(" ")' < "$OUT" > "$DIR/got" ||
    fail "jq failed"
{
	for r in connected data disconnected; do
		echo "$p4 ${p4%:*} ${p4##*:} number peer,peer_ip,peer_port"
	done
	if [ "$has6" = yes ]; then
		for r in connected data disconnected; do
			echo "$p6 ::1 ${p6##*:} number peer,peer_ip,peer_port"
		done
	fi
} > "$DIR/want"
expect_file "$DIR/want" "$DIR/got"
grep -qF "{\"listener\":\"main\",$(jpeer "$p4"),\"event\":\"data\",\"data\":\"four\"}" \
    "$OUT" || fail "no IPv4 data record as expected"
if [ "$has6" = yes ]; then
	grep -qF "\"peer\":\"$p6\",\"peer_ip\":\"::1\",\"peer_port\":${p6##*:},\"event\":\"data\",\"data\":\"six\"}" \
	    "$OUT" || fail "no IPv6 data record as expected"
fi
exit 0

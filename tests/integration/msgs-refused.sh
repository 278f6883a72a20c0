#!/bin/sh
# msgs-refused.sh: a refused connection is said as "listener NAME:
# refused PEER (why)", naming the peer that was refused (here 127.0.0.2,
# a source address of its own), for allow/deny and max_per_peer; a flood
# of refusals gives at most one line per listener and reason a second,
# then one naming the first peer held back with "(N more)", and every
# refusal is accounted for.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# refused_from NAME SRC PORT: a client from SRC that tcplogd closes at
# once; prints its address.
refused_from()
{
	tsend -v -e hold -B "$2" 127.0.0.1 "$3" > "$DIR/$1.out" \
	    2> "$DIR/$1.err" || fail "$1: tcplogd-send failed: $(cat "$DIR/$1.err")"
	grep -q '^c0 closed by server' "$DIR/$1.out" ||
	    fail "$1: not closed by tcplogd"
	peer_of "$DIR/$1.out"
}

config_global timestamps=no
config_listener acl allow=127.0.0.1
config_listener peer max_per_peer=1
start_daemon

# 1. allow/deny: one refusal, said at once, naming the peer.
p=$(refused_from r1 127.0.0.2 "$(port_of acl)")
case $p in
127.0.0.2:[0-9]*) ;;
*) fail "r1: connected from $p, not 127.0.0.2" ;;
esac
wait_match "$ERR" "^tcplogd: listener acl: refused $p \\(not allowed by allow/deny\\)\$"

# 2. A flood from 127.0.0.2 while that second is open: held back, then
# one line naming the first peer held back and how many more.
n=20
tsend -v -e hold -c "$n" -B 127.0.0.2 127.0.0.1 "$(port_of acl)" \
    > "$DIR/flood.out" 2> "$DIR/flood.err" ||
    fail "flood: tcplogd-send failed: $(cat "$DIR/flood.err")"
[ "$(grep -c ' closed by server' "$DIR/flood.out")" -eq "$n" ] ||
    fail "flood: not every connection was closed by tcplogd"
said_all()
{
	[ "$(refusals_said acl 'not allowed by allow/deny')" -eq $((n + 1)) ]
}
wait_until 10 said_all ||
    fail "$(refusals_said acl 'not allowed by allow/deny') refusals said, not $((n + 1)): $(grep refused "$ERR")"
lines=$(grep -c '^tcplogd: listener acl: refused ' "$ERR")
[ "$lines" -le 4 ] || fail "$lines lines for $((n + 1)) refusals"
grep -Eq '^tcplogd: listener acl: refused 127\.0\.0\.2:[0-9]+ \(not allowed by allow/deny\) \([0-9]+ more\)$' "$ERR" ||
    fail "no line with \"(N more)\": $(grep refused "$ERR")"
# The peers named are peers of the flood.
sed -En 's/^tcplogd: listener acl: refused ([^ ]+) .* more\)$/\1/p' "$ERR" |
    while read -r fp; do
	awk '$2 == "connected" { print $3 }' "$DIR/flood.out" |
	    grep -Fqx "$fp" || fail "$fp: not a peer of the flood"
done || exit 1

# 3. max_per_peer: a second connection from 127.0.0.2 is refused, one
# from 127.0.0.1 is another peer and served.
tsend_bg "$DIR/h1.out" "$DIR/h1.err" -v -e hold -B 127.0.0.2 127.0.0.1 \
    "$(port_of peer)"
wait_count "$OUT" '^peer 127\.0\.0\.2:[0-9]+ connected$' 1
p=$(refused_from r2 127.0.0.2 "$(port_of peer)")
wait_match "$ERR" "^tcplogd: listener peer: refused $p \\(max_per_peer reached\\)\$"
printf 'other peer\n' | tsend -e half -f - -B 127.0.0.1 127.0.0.1 \
    "$(port_of peer)" || fail "127.0.0.1 was not served"
wait_match "$OUT" '^peer 127\.0\.0\.1:[0-9]+: other peer$'

# The counters agree with what was said.
kill -USR1 "$DPID"
wait_match "$ERR" "^tcplogd: listener acl: accepted 0 refused $((n + 1)) "
wait_match "$ERR" '^tcplogd: listener peer: accepted 2 refused 1 '
stop_daemon
exit 0

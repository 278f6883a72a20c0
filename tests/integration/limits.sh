#!/bin/sh
# limits.sh: allow/deny (deny wins, a listener's list replaces the
# default, IPv4 and IPv6), max_per_peer, idle_timeout (partial line
# emitted, reason "idle timeout"), keepalive on accepted sockets (the
# kernel's keepalive timer runs, /proc/net/tcp), output files never
# followed through a symlink, and -t on malformed prefixes.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# refused NAME HOST PORT: a client that tcplogd closes at once.
refused()
{
	tsend -v -e hold "$2" "$3" > "$DIR/$1.out" 2> "$DIR/$1.err" ||
	    fail "$1: tcplogd-send failed: $(cat "$DIR/$1.err")"
	grep -q '^c0 closed by server' "$DIR/$1.out" ||
	    fail "$1: not closed by tcplogd"
}

# served NAME HOST PORT: one line gets through.
served()
{
	printf '%s\n' "$1" | tsend -e half -f - "$2" "$3" ||
	    fail "$1: tcplogd-send failed"
	wait_match "$OUT" ": $1\$"
}

have_v6=1
grep -q . /proc/net/if_inet6 2>/dev/null || have_v6=

# 1. allow/deny.  The default denies 127.0.0.1; "open" replaces it with
# its own list; "v6" allows only ::1; "nobody" allows a prefix no
# loopback client has; "denywins" allows 127.0.0.0/8 but denies
# 127.0.0.1/32.
config_global timestamps=no deny=127.0.0.1
config_listener closed
config_listener open deny=10.0.0.0/8
config_listener nobody allow=192.0.2.0/24
config_listener denywins allow=127.0.0.0/8,::1 deny=127.0.0.1/32
if [ -n "$have_v6" ]; then
	config_listener v6 'listen=[::1]:0' allow=::1/128
fi
start_daemon
refused r1 127.0.0.1 "$(port_of closed)"
served open-ok 127.0.0.1 "$(port_of open)"
refused r2 127.0.0.1 "$(port_of nobody)"
refused r3 127.0.0.1 "$(port_of denywins)"
if [ -n "$have_v6" ]; then
	served v6-ok ::1 "$(port_of v6)"
fi
wait_match "$ERR" '^tcplogd: listener closed: refused 127\.0\.0\.1:[0-9]+ \(not allowed by allow/deny\)$'
wait_match "$ERR" '^tcplogd: listener nobody: refused 127\.0\.0\.1:[0-9]+ \(not allowed by allow/deny\)$'
wait_match "$ERR" '^tcplogd: listener denywins: refused 127\.0\.0\.1:[0-9]+ \(not allowed by allow/deny\)$'
grep -Eq '^(closed|nobody|denywins) .* connected$' "$OUT" &&
    fail "records for a refused peer"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener closed: accepted 0 refused 1 '
stop_daemon

# 2. max_per_peer and idle_timeout.
mv "$OUT" "$DIR/out1"
mv "$ERR" "$DIR/err1"
config_global timestamps=no
config_listener peer max_per_peer=2
config_listener idle idle_timeout=1
start_daemon
port=$(port_of peer)
tsend_bg "$DIR/h1.out" "$DIR/h1.err" -v -e hold 127.0.0.1 "$port"
tsend_bg "$DIR/h2.out" "$DIR/h2.err" -v -e hold 127.0.0.1 "$port"
wait_count "$OUT" '^peer .* connected$' 2
refused r4 127.0.0.1 "$port"
wait_match "$ERR" '^tcplogd: listener peer: refused 127\.0\.0\.1:[0-9]+ \(max_per_peer reached\)$'

printf 'complete\nno newline' > "$DIR/idle.in"
tsend_bg "$DIR/idle.out" "$DIR/idle.err" -v -e hold -f "$DIR/idle.in" \
    127.0.0.1 "$(port_of idle)"
idle_pid=$BG_PID
wait_match "$DIR/idle.out" '^c0 connected '
p=$(peer_of "$DIR/idle.out")
wait_match "$OUT" "^idle $p disconnected \\(idle timeout\\) 2 records 19 bytes\$"
grep -q "^idle $p \\[partial\\]: no newline\$" "$OUT" ||
    fail "the partial line was not emitted at the idle timeout"
wait_pid "$idle_pid" 10 || fail "the idle client failed"

# 3. keepalive: the accepted socket of a held connection has the
# keepalive timer running (timer 2 in /proc/net/tcp).
hp=$(peer_of "$DIR/h1.out")
hport=$(printf '%04X' "${hp##*:}")
lport=$(printf '%04X' "$port")
awk -v l=":$lport" -v r=":$hport" '
$2 ~ l"$" && $3 ~ r"$" { split($6, t, ":"); found = 1; exit !(t[1] == "02") }
END { if (!found) exit 1 }' /proc/net/tcp ||
    fail "no keepalive timer on the accepted socket"
stop_daemon

# 4. keepalive = no: no timer.
mv "$OUT" "$DIR/out2"
mv "$ERR" "$DIR/err2"
write_config timestamps=no keepalive=no
start_daemon
port=$(port_of main)
tsend_bg "$DIR/h3.out" "$DIR/h3.err" -v -e hold 127.0.0.1 "$port"
wait_match "$OUT" ' connected$'
hp=$(peer_of "$DIR/h3.out")
hport=$(printf '%04X' "${hp##*:}")
lport=$(printf '%04X' "$port")
awk -v l=":$lport" -v r=":$hport" '
$2 ~ l"$" && $3 ~ r"$" { split($6, t, ":"); found = 1; exit (t[1] == "02") }
END { if (!found) exit 1 }' /proc/net/tcp ||
    fail "keepalive timer with keepalive = no"
stop_daemon

# 5. An output file that is a symlink is refused.
ln -s "$DIR/elsewhere" "$DIR/link.log"
write_config output=file "file=$DIR/link.log"
"$TCPLOGD" -f "$CONF" -P "$PORTS" > "$DIR/o5" 2> "$DIR/e5"
[ $? -eq 1 ] || fail "a symlinked output file was accepted"
grep -Fqx "tcplogd: $CONF:$(conf_line file "$DIR/link.log"): file $DIR/link.log: Too many levels of symbolic links" \
    "$DIR/e5" || fail "no symlink error: $(cat "$DIR/e5")"
[ -e "$DIR/elsewhere" ] && fail "tcplogd wrote through the symlink"

# 6. -t rejects malformed prefixes with file:line.
config_global deny=10.0.0.0/33
config_listener main allow=10.0.0.1/8,bogus
"$TCPLOGD" -t -f "$CONF" > "$DIR/t.out" 2> "$DIR/t.err"
[ $? -eq 78 ] || fail "-t accepted bad prefixes"
grep -q "tcplogd\\.conf:2: deny: invalid prefix length in '10.0.0.0/33' (expected 0 to 32)\$" \
    "$DIR/t.err" || fail "no error for /33: $(cat "$DIR/t.err")"
grep -q "tcplogd\\.conf:6: allow: '10.0.0.1/8' has bits set after the first 8\$" \
    "$DIR/t.err" || fail "no error for host bits: $(cat "$DIR/t.err")"
grep -q "tcplogd\\.conf:6: allow: invalid prefix 'bogus' (expected ADDRESS or ADDRESS/BITS)\$" \
    "$DIR/t.err" || fail "no error for bogus: $(cat "$DIR/t.err")"
exit 0

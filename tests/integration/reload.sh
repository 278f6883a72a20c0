#!/bin/sh
# reload.sh: SIGHUP reloads the config while clients stay connected and
# sending.  A kept listener keeps its socket (same port) and its
# connections, which keep their settings and lose no line; new
# connections get the new settings; a listener whose address changes is
# bound anew and keeps its connections; a new listener starts; a removed
# one ends its connections with reason reload; the port file follows.  A
# broken config is reported and the running one stays.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

size=40
nline=2000

config_global timestamps=no
config_listener keep
config_listener gone
config_listener moves
start_daemon
keep_port=$(port_of keep)
gone_port=$(port_of gone)
moves_port=$(port_of moves)

# 2000 lines in 100 chunks, 20 ms apart: about 2 s of sending each.
tsend_bg "$DIR/keep.out" "$DIR/keep.err" -v -n "$nline" -s "$size" \
    -k $((20 * (size + 1))) -d 20 127.0.0.1 "$keep_port"
keep_pid=$BG_PID
tsend_bg "$DIR/gone.out" "$DIR/gone.err" -v -b 1 -n "$nline" -s "$size" \
    -k $((20 * (size + 1))) -d 20 127.0.0.1 "$gone_port"
wait_match "$OUT" '^keep [^ ]*: c0-l100 '
wait_match "$OUT" '^gone [^ ]*: c1-l100 '
# A line before the reload, one 3 s later on the same connection.
printf 'before\nafter\n' > "$DIR/moves.in"
tsend_bg "$DIR/moves.out" "$DIR/moves.err" -v -k 7 -d $((3000 * scale)) \
    -f "$DIR/moves.in" 127.0.0.1 "$moves_port"
moves_pid=$BG_PID
wait_match "$OUT" '^moves [^ ]*: before$'

config_global timestamps=no
config_listener keep format=json
config_listener new
config_listener moves listen=127.0.0.2:0
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 3 listeners$'
wait_match "$ERR" '^tcplogd: listener gone removed$'
wait_match "$ERR" '^tcplogd: listening: moves 127\.0\.0\.2:[0-9]+$'
[ "$(port_of keep)" = "$keep_port" ] || fail "listener keep changed port"
grep -q '^gone ' "$PORTS" && fail "removed listener still in $PORTS"
[ "$(addr_of moves)" = "127.0.0.2:$(port_of moves)" ] ||
    fail "listener moves is not on 127.0.0.2: $(cat "$PORTS")"
new_port=$(port_of new)

# The moved listener's connection went on.
wait_pid "$moves_pid" 30 || fail "the moves client failed: $(cat "$DIR/moves.err")"
p=$(peer_of "$DIR/moves.out")
wait_match "$OUT" "^moves $p disconnected \\(closed by peer\\) 2 records 13 bytes\$"
grep -q "^moves $p: after\$" "$OUT" || fail "moves lost its second line"
printf 'moved\n' | tsend -e half -f - 127.0.0.2 "$(port_of moves)" ||
    fail "cannot send to the moved listener"
wait_match "$OUT" '^moves [^ ]*: moved$'

printf 'hello new\n' | tsend -e half -f - 127.0.0.1 "$new_port" ||
    fail "cannot send to the new listener"
wait_match "$OUT" '^new [^ ]*: hello new$'
printf 'json now\n' | tsend -e half -f - 127.0.0.1 "$keep_port" ||
    fail "cannot send to the kept listener"
wait_match "$OUT" '^\{"listener":"keep","peer":"[^"]*","event":"data","data":"json now"\}$'

# The removed listener's client was cut with reason reload.
p=$(peer_of "$DIR/gone.out" c1)
wait_match "$OUT" "^gone $p disconnected \\(reload\\) [0-9]+ records [0-9]+ bytes\$"

# The kept connection went on in text and lost nothing.
wait_pid "$keep_pid" 30 || fail "the kept client failed: $(cat "$DIR/keep.err")"
p=$(peer_of "$DIR/keep.out")
wait_match "$OUT" "^keep $p disconnected "
grep "^keep $p" "$OUT" > "$DIR/keep.records"
check_generated "$DIR/keep.out" "$DIR/keep.records" keep 1 "$nline" "$size"

# A broken config: reported, and the running one stays.
cp "$PORTS" "$DIR/ports.before"
printf 'colour = red\n' >> "$CONF"
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: .*tcplogd\.conf:[0-9]+: colour: unknown key$'
wait_match "$ERR" '^tcplogd: reload failed: keeping the running configuration$'
daemon_alive || fail "a broken config killed tcplogd"
cmp -s "$PORTS" "$DIR/ports.before" || fail "$PORTS changed"
printf 'still here\n' | tsend -e half -f - 127.0.0.1 "$new_port" ||
    fail "the new listener stopped serving"
wait_match "$OUT" '^new [^ ]*: still here$'
stop_daemon
exit 0

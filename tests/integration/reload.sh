#!/bin/sh
# reload.sh: SIGHUP reloads the config while clients stay connected and
# sending.  A kept listener keeps its socket (same port) and its
# connections, which keep their settings and lose no line; new
# connections get the new settings; a listener whose address changes is
# bound anew and keeps its connections; a new listener starts; a removed
# one ends its connections with reason reload; the port file follows.  A
# broken config is reported and the running one stays.
#
# The clients send until the test has seen a line of theirs written
# after the reload (SIGUSR1), or until the reload cuts them, however
# slowly the machine runs; -n only bounds them.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

size=40
# 20 lines every 20 ms, or one every 200 ms (moves); bounds for the time
# limit.
nmax=$((1000 * 60 * scale))

config_global timestamps=no
config_listener keep
config_listener gone
config_listener moves
start_daemon
keep_port=$(port_of keep)
gone_port=$(port_of gone)
moves_port=$(port_of moves)

tsend_bg "$DIR/keep.out" "$DIR/keep.err" -t $((60 * scale)) -v \
    -n "$nmax" -s "$size" -k $((20 * (size + 1))) -d 20 127.0.0.1 "$keep_port"
keep_pid=$BG_PID
tsend_bg "$DIR/gone.out" "$DIR/gone.err" -t $((60 * scale)) -v -b 1 \
    -n "$nmax" -s "$size" -k $((20 * (size + 1))) -d 20 127.0.0.1 "$gone_port"
tsend_bg "$DIR/moves.out" "$DIR/moves.err" -t $((60 * scale)) -v -b 2 \
    -n "$nmax" -s "$size" -k $((size + 1)) -d 200 127.0.0.1 "$moves_port"
moves_pid=$BG_PID
wait_match "$OUT" '^keep [^ ]*: c0-l100 '
wait_match "$OUT" '^gone [^ ]*: c1-l100 '
wait_match "$OUT" '^moves [^ ]*: c2-l0 '

config_global timestamps=no
config_listener keep events=no
config_listener new
config_listener moves listen=127.0.0.2:0
kill -HUP "$DPID"
wait_match "$ERR" '^tcplogd: reloaded: 3 listeners$'
nkeep=$(grep -c '^keep [^ ]*: c0-l' "$OUT")
nmoves=$(grep -c '^moves [^ ]*: c2-l' "$OUT")
wait_match "$ERR" '^tcplogd: listener gone removed$'
wait_match "$ERR" '^tcplogd: listening: moves 127\.0\.0\.2:[0-9]+$'
[ "$(port_of keep)" = "$keep_port" ] || fail "listener keep changed port"
grep -q '^gone ' "$PORTS" && fail "removed listener still in $PORTS"
[ "$(addr_of moves)" = "127.0.0.2:$(port_of moves)" ] ||
    fail "listener moves is not on 127.0.0.2: $(cat "$PORTS")"
new_port=$(port_of new)

# The moved listener's connection went on: a line after the reload,
# then every line once, in order.
wait_count "$OUT" '^moves [^ ]*: c2-l' $((nmoves + 1))
kill -USR1 "$moves_pid"
wait_pid "$moves_pid" 30 || fail "the moves client failed: $(cat "$DIR/moves.err")"
p=$(peer_of "$DIR/moves.out" c2)
wait_match "$OUT" "^moves $p disconnected "
grep "^moves $p" "$OUT" > "$DIR/moves.records"
check_generated "$DIR/moves.out" "$DIR/moves.records" moves 1 - "$size"
printf 'moved\n' | tsend -e half -f - 127.0.0.2 "$(port_of moves)" ||
    fail "cannot send to the moved listener"
wait_match "$OUT" '^moves [^ ]*: moved$'

printf 'hello new\n' | tsend -e half -f - 127.0.0.1 "$new_port" ||
    fail "cannot send to the new listener"
wait_match "$OUT" '^new [^ ]*: hello new$'
printf 'events off\n' | tsend -v -e half -f - 127.0.0.1 "$keep_port" \
    > "$DIR/keep2.out" || fail "cannot send to the kept listener"
p=$(peer_of "$DIR/keep2.out")
wait_match "$OUT" "^keep $p: events off\$"
grep -q "^keep $p connected" "$OUT" &&
    fail "a new connection of keep did not get events = no"

# The removed listener's client was cut with reason reload.
p=$(peer_of "$DIR/gone.out" c1)
wait_match "$OUT" "^gone $p disconnected \\(reload\\) [0-9]+ records [0-9]+ bytes\$"

# The kept connection went on (a line after the reload) and lost
# nothing.
wait_count "$OUT" '^keep [^ ]*: c0-l' $((nkeep + 1))
kill -USR1 "$keep_pid"
wait_pid "$keep_pid" 30 || fail "the kept client failed: $(cat "$DIR/keep.err")"
p=$(peer_of "$DIR/keep.out")
wait_match "$OUT" "^keep $p disconnected "
grep "^keep $p" "$OUT" > "$DIR/keep.records"
check_generated "$DIR/keep.out" "$DIR/keep.records" keep 1 - "$size"

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

#!/bin/sh
# control-proto.sh: the control socket's protocol, spoken raw with socat
# (the daemon's side alone; tcplogctl has its own tests): the greeting,
# each request, taps, bounds on what a client may send or leave unread,
# access by uid, the socket's life (mode, stale, in use, not a socket,
# removed at exit), the pid file and SIGUSR2.

TEST_TIMEOUT=180
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd socat
CTL=$DIR/control

# ctl REQUEST...: send the requests, one a line, print what came back.
ctl()
{
	printf '%s\n' "$@" | timeout $((10 * scale)) socat -t $((5 * scale)) \
	    - "UNIX-CONNECT:$CTL"
}

# ctl_bg OUT REQUEST...: a client that sends the requests and stays
# connected (until killed) with its replies in OUT; its pid is $BG_PID.
ctl_bg()
{
	cb_out=$1
	shift
	{ [ $# -eq 0 ] || printf '%s\n' "$@"; sleep $((60 * scale)); } |
	    socat -t 1 - "UNIX-CONNECT:$CTL" > "$cb_out" 2>&1 &
	BG_PID=$!
	bg_track "$BG_PID"
}

version=$("$TCPLOGD" -V | sed -n 's/^tcplogd //p')

# A socket the daemon does not answer on: replaced.
"$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$CTL" 2>/dev/null ||
    skip "cannot make a unix socket with $PYTHON"
[ -S "$CTL" ] || hard_error "no stale socket made"

config_global timestamps=no "control=$CTL"
config_listener main
config_listener other
start_daemon -p "$DIR/pid"
grep -q "control socket $CTL: replaced a stale socket" "$ERR" ||
    fail "the stale socket was not said to be replaced"
[ "$(cat "$DIR/pid")" = "$DPID" ] || fail "pid file: $(cat "$DIR/pid")"
[ "$(stat -c %a "$CTL")" = 660 ] || fail "socket mode $(stat -c %a "$CTL")"
[ "$(stat -c %u:%g "$CTL")" = "$(id -u):$(id -g)" ] ||
    fail "socket owner $(stat -c %u:%g "$CTL")"
pm=$(port_of main)

# The greeting, then each request.
ctl status > "$DIR/r"
head -n 1 "$DIR/r" | grep -qx "tcplogd-control 1 $version" ||
    fail "greeting: $(head -n 1 "$DIR/r")"
grep -Eq "^- type=daemon version=$version pid=$DPID uptime=[0-9]+ config=[^ ]+ connections=0 taps=0\$" "$DIR/r" ||
    fail "status: $(cat "$DIR/r")"
grep -Eq "^- type=listener name=main listen=127.0.0.1:$pm mode=line connections=0 paused=0\$" "$DIR/r" ||
    fail "status of main: $(cat "$DIR/r")"
grep -Eq '^- type=output name=stdout kind=stdout blocked=0 broken=0 pending=0$' "$DIR/r" ||
    fail "status of stdout: $(cat "$DIR/r")"
[ "$(tail -n 1 "$DIR/r")" = ok ] || fail "status: no ok"

printf 'one\ntwo\n' | tsend -f - 127.0.0.1 "$pm" || fail "tcplogd-send failed"
wait_match "$OUT" '^main .* disconnected '
ctl stats 'stats other' 'stats nosuch' > "$DIR/r"
grep -Eq '^- type=listener name=main accepted=1 refused=0 active=0 records=2 bytes=8 overlong=0 partial=0 output_bytes=[0-9]+ pauses=0 framing_errors=0 parse_errors=0 tls_failures=0 health_checks=0 proxy_errors=0$' "$DIR/r" ||
    fail "stats: $(cat "$DIR/r")"
grep -Eq '^- type=output name=stdout listeners=main,other written=[0-9]+ dropped=0 errors=0 stalls=0 output_errors=0$' "$DIR/r" ||
    fail "stats of stdout: $(cat "$DIR/r")"
[ "$(grep -c '^- type=listener name=other ' "$DIR/r")" -eq 2 ] ||
    fail "stats other: $(cat "$DIR/r")"
grep -qx 'error no listener nosuch' "$DIR/r" || fail "stats nosuch: $(cat "$DIR/r")"
[ "$(grep -cx ok "$DIR/r")" -eq 2 ] || fail "stats: $(cat "$DIR/r")"

# conns: one held connection.
printf 'held\n' > "$DIR/held"
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -e hold -f "$DIR/held" \
    127.0.0.1 "$pm"
wait_match "$OUT" '^main .*: held$'
peer=$(peer_of "$DIR/hold.out")
ctl conns 'conns other' > "$DIR/r"
grep -Eq "^- type=conn listener=main peer=$peer since=[0-9]+ records=1 bytes=5 stage=data paused=0\$" "$DIR/r" ||
    fail "conns: $(cat "$DIR/r")"
[ "$(grep -c '^- type=conn' "$DIR/r")" -eq 1 ] || fail "conns: $(cat "$DIR/r")"
kill "$BG_PID"

# Unknown, empty, escaped.
ctl 'frob x' '' 'stats a=b%c' > "$DIR/r"
grep -qx 'error unknown request frob' "$DIR/r" || fail "unknown: $(cat "$DIR/r")"
grep -qx 'error empty request' "$DIR/r" || fail "empty: $(cat "$DIR/r")"
grep -qx 'error no listener a%3Db%25c' "$DIR/r" || fail "escape: $(cat "$DIR/r")"

# reload: unchanged, then what changed, then errors; reopen.
ctl reload > "$DIR/r"
[ "$(sed 1d "$DIR/r")" = "$(printf -- '- unchanged\nok')" ] ||
    fail "reload: $(cat "$DIR/r")"
cp "$CONF" "$DIR/good.conf"
config_global timestamps=no "control=$CTL"
config_listener main max_line=100
config_listener added
ctl reload > "$DIR/r"
[ "$(sed 1d "$DIR/r" | sort)" = "$(printf -- '- listener added: added\n- listener main: changed\n- listener other: removed\nok' | sort)" ] ||
    fail "reload changes: $(cat "$DIR/r")"
printf 'bogus = 1\n' >> "$CONF"
config_listener nofile output=file file=/nonexistent/dir/f.log
ctl reload > "$DIR/r"
grep -Eq "^- $CONF:[0-9]+: bogus: unknown key\$" "$DIR/r" ||
    fail "reload error: $(cat "$DIR/r")"
[ "$(tail -n 1 "$DIR/r")" = 'error reload failed: keeping the running configuration' ] ||
    fail "reload failure: $(cat "$DIR/r")"
sed -i '/^bogus/d' "$CONF"
ctl reload > "$DIR/r"
grep -Eq "^- $CONF:[0-9]+: file /nonexistent/dir/f.log: No such file or directory$" "$DIR/r" ||
    fail "reload apply error: $(cat "$DIR/r")"
[ "$(tail -n 1 "$DIR/r")" = 'error reload failed: keeping the running configuration' ] ||
    fail "reload apply failure: $(cat "$DIR/r")"
cp "$DIR/good.conf" "$CONF"
ctl reload > /dev/null
ctl reopen > "$DIR/r"
[ "$(sed 1d "$DIR/r")" = "$(printf -- '- reopened 0 output files\nok')" ] ||
    fail "reopen: $(cat "$DIR/r")"
grep -q '^tcplogd: control: reopened 0 output files$' "$ERR" ||
    fail "reopen not logged"
kill -USR2 "$DPID"
wait_match "$ERR" '^tcplogd: SIGUSR2 received: reopened 0 output files$'

# tap: text of main, JSON of all.
ctl_bg "$DIR/tap1" 'tap text main'
t1=$BG_PID
ctl_bg "$DIR/tap2" 'tap json'
t2=$BG_PID
wait_lines "$DIR/tap1" 2
wait_lines "$DIR/tap2" 2
po=$(port_of other)
printf 'to main\n' | tsend -f - 127.0.0.1 "$pm" || fail "tcplogd-send failed"
printf 'to other\n' | tsend -f - 127.0.0.1 "$po" || fail "tcplogd-send failed"
wait_count "$DIR/tap2" '"event":"disconnected"' 2
wait_match "$DIR/tap1" ' disconnected '
sed -n 2p "$DIR/tap1" | grep -qx ok || fail "tap: $(cat "$DIR/tap1")"
grep -Eq '^[0-9-]+T[0-9:.]+Z main 127.0.0.1:[0-9]+: to main$' "$DIR/tap1" ||
    fail "tap text: $(cat "$DIR/tap1")"
! grep -q 'to other' "$DIR/tap1" || fail "tap main has other's record"
grep -Eq '^\{"time":"[^"]+","listener":"other","peer":"127.0.0.1:[0-9]+","peer_ip":"127.0.0.1","peer_port":[0-9]+,"event":"data","data":"to other"\}$' "$DIR/tap2" ||
    fail "tap json: $(cat "$DIR/tap2")"
ctl status | grep -q ' taps=2$' || fail "status does not count 2 taps"
kill "$t1" "$t2"

# Garbage: a control byte, a 1 MiB line; each dropped alone.
printf 'sta\001tus\n' | timeout $((10 * scale)) socat -t 5 - \
    "UNIX-CONNECT:$CTL" > "$DIR/r"
grep -qx 'error control byte in request' "$DIR/r" || fail "garbage: $(cat "$DIR/r")"
# (Python: socat stops at the write that fails, before it reads.)
timeout $((10 * scale)) "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
try:
    s.sendall(b"a" * 1048576 + b"\n")
except OSError:
    pass
got = b""
while True:
    # The daemon closes with our line unread: the reply, then a reset.
    try:
        b = s.recv(4096)
    except ConnectionResetError:
        break
    if not b:
        break
    got += b
sys.stdout.write(got.decode())' "$CTL" > "$DIR/r" 2>&1
grep -qx 'error request too long' "$DIR/r" || fail "1 MiB: $(tail -c 200 "$DIR/r")"

# A client that never reads its replies is dropped, not waited for.
yes stats | head -n 100000 | timeout $((20 * scale)) socat -u - \
    "UNIX-CONNECT:$CTL" 2> /dev/null
ctl status | grep -qx ok || fail "no answer after a client that did not read"

# A stalled client: dropped after 5 s, others served meanwhile.
ctl_bg "$DIR/stall"
stall=$BG_PID
wait_lines "$DIR/stall" 1
ctl status | grep -qx ok || fail "no answer beside a stalled client"
wait_match "$DIR/stall" '^error request timeout$' 10
kill "$stall"

# At most 16 taps.
i=0
taps=
while [ "$i" -lt 16 ]; do
	ctl_bg "$DIR/tapn.$i" 'tap text'
	taps="$taps $BG_PID"
	i=$((i + 1))
done
wait_until 10 eval '[ "$(cat "$DIR"/tapn.* | grep -cx ok)" -eq 16 ]' ||
    fail "16 taps not all ok"
ctl 'tap text' | grep -qx 'error too many taps' || fail "a 17th tap"
# At most 32 clients, taps included: 16 idle ones more (each has 5 s).
i=0
while [ "$i" -lt 16 ]; do
	ctl_bg "$DIR/idle.$i"
	taps="$taps $BG_PID"
	i=$((i + 1))
done
wait_until 10 eval '[ "$(cat "$DIR"/idle.* | grep -c "^tcplogd-control ")" -eq 16 ]' ||
    fail "16 idle clients not all greeted"
# Sending nothing: the daemon closes at once, a write could fail first.
timeout $((10 * scale)) socat -u "UNIX-CONNECT:$CTL" - > "$DIR/r" 2>&1
[ "$(sed 1d "$DIR/r")" = 'error too many clients' ] ||
    fail "a 33rd client: $(cat "$DIR/r")"
# shellcheck disable=SC2086
kill $taps
wait_until 10 eval 'ctl status | grep -q " taps=0\$"' ||
    fail "the taps' slots were not freed"

# reload and reopen need the daemon's uid (or root).
if [ "$(id -u)" -eq 0 ] && command -v setpriv > /dev/null; then
	chmod 0711 "$DIR"	# let nobody connect at all
	chmod 0666 "$CTL"
	printf 'reload\nstats main\n' | timeout $((10 * scale)) \
	    setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    socat -t 5 - "UNIX-CONNECT:$CTL" > "$DIR/r" 2>&1
	grep -qx 'error permission denied' "$DIR/r" ||
	    fail "reload as nobody: $(cat "$DIR/r")"
	grep -q '^- type=listener name=main ' "$DIR/r" ||
	    fail "stats as nobody: $(cat "$DIR/r")"
	grep -Eq "^tcplogd: control: reload refused for uid $(id -u nobody) \\(pid [0-9]+\\)\$" "$ERR" ||
	    fail "refusal not logged"
fi

# A second daemon: the socket is in use; a path that is not a socket.
"$TCPLOGD" -f "$CONF" > /dev/null 2> "$DIR/err2"
[ $? -eq 1 ] || fail "a second daemon on the same socket did not exit 1"
grep -q "control socket $CTL: in use" "$DIR/err2" ||
    fail "in use: $(cat "$DIR/err2")"
sed "s|^control = .*|control = $DIR/plain|" "$CONF" > "$DIR/plain.conf"
: > "$DIR/plain"
"$TCPLOGD" -f "$DIR/plain.conf" > /dev/null 2> "$DIR/err2"
[ $? -eq 1 ] || fail "a plain file at the socket's path: not exit 1"
grep -q "control socket $DIR/plain: exists and is not a socket" "$DIR/err2" ||
    fail "not a socket: $(cat "$DIR/err2")"
[ -f "$DIR/plain" ] || fail "the plain file was removed"

stop_daemon
[ ! -e "$CTL" ] || fail "the control socket was not removed at exit"
[ ! -e "$DIR/pid" ] || fail "the pid file was not removed at exit"
exit 0

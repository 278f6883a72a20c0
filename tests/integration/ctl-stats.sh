#!/bin/sh
# ctl-stats.sh: tcplogctl stats, status and conns against the daemon,
# with connections open.  stats: a text block per listener and output
# with every counter, the same numbers as the SIGUSR1 line; -j: one JSON
# object (jq) per listener and output, counters as numbers; a listener
# name picks; an unknown one is an error.  status: version, pid, config,
# listeners with their addresses and connections, outputs.  conns: one
# row per open connection (listener, peer, since, records, bytes,
# stage).  -f CONFIG finds the socket.  Then tcplogctl's own errors,
# each with its exit status: no socket, a stale one, a server that is
# not tcplogd, a protocol version it does not know, no greeting or no
# answer in time (-t), control = none in -f's config.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_python

config_global timestamps=no "control=$CTL"
config_listener main output=file "file=$DIR/main.log"
config_listener app output=file "file=$DIR/app.log"
start_daemon
port=$(port_of main)

# Five lines and a close, then three connections that stay open.
tsend -n 5 127.0.0.1 "$port" || fail "tcplogd-send failed"
tsend_bg "$DIR/hold.out" "$DIR/hold.err" -v -c 3 -n 2 -e hold 127.0.0.1 \
    "$port"
wait_count "$DIR/main.log" ' disconnected ' 1
wait_count "$DIR/main.log" ': c[0-9]-l1 ' 4

# 1. stats, text: "listener main", then "  accepted  4" and so on.
ctl stats > "$DIR/stats.txt" || fail "tcplogctl stats failed"
for h in 'listener main' 'listener app' "output $DIR/main.log" \
    "output $DIR/app.log"; do
	grep -qx "$h" "$DIR/stats.txt" || fail "no block \"$h\":" \
	    "$(cat "$DIR/stats.txt")"
done
[ "$(ctl_counter listener main accepted)" = 4 ] ||
    fail "accepted: $(ctl_counter listener main accepted), not 4"
[ "$(ctl_counter listener main records)" = 11 ] ||
    fail "records: $(ctl_counter listener main records), not 11"
[ "$(ctl_counter listener main active)" = 3 ] ||
    fail "active: $(ctl_counter listener main active), not 3"
[ "$(ctl_counter output "$DIR/main.log" listeners)" = main ] ||
    fail "output main.log: not listeners main"

# -j: the same numbers as the SIGUSR1 line, in the same order.
ctl stats -j > "$DIR/stats.json" || fail "tcplogctl stats -j failed"
check_json "$DIR/stats.json"
[ "$(wc -l < "$DIR/stats.json")" -eq 4 ] ||
    fail "not 4 objects: $(cat "$DIR/stats.json")"
# (jq 1.6 -e judges by the last input: -s and any() instead.)
jq -se 'any(.[]; .type == "listener" and .name == "main" and
    .accepted == 4 and .records == 11)' "$DIR/stats.json" > /dev/null ||
    fail "stats -j: not accepted 4, records 11"
kill -USR1 "$DPID"
wait_match "$ERR" '^tcplogd: listener main: accepted '
jq -r 'select(.type == "listener" and .name == "main") |
    [to_entries[] | select(.key != "type" and .key != "name") |
    "\(.key) \(.value)"] | "tcplogd: listener main: " + join(" ")' \
    "$DIR/stats.json" > "$DIR/usr1.want"
grep '^tcplogd: listener main: accepted ' "$ERR" > "$DIR/usr1.got"
expect_file "$DIR/usr1.want" "$DIR/usr1.got"

# A listener picks; -j before the command works too; unknown: error.
ctl -j stats app > "$DIR/app.json" || fail "tcplogctl -j stats app failed"
jq -r '.type + " " + .name' "$DIR/app.json" > "$DIR/app.got"
printf 'listener app\noutput %s\n' "$DIR/app.log" > "$DIR/app.want"
expect_file "$DIR/app.want" "$DIR/app.got"
ctl stats nosuch > "$DIR/nosuch.out" 2> "$DIR/nosuch.err"
rc=$?
[ "$rc" -eq 1 ] || fail "stats nosuch: exit $rc, not 1"
grep -qx 'tcplogctl: no listener nosuch' "$DIR/nosuch.err" ||
    fail "stats nosuch: $(cat "$DIR/nosuch.err")"

# 2. status.
ctl status > "$DIR/status.txt" || fail "tcplogctl status failed"
grep -Eq "^tcplogd [0-9.]+, pid $DPID, up [0-9]+d [0-9:]{8}\$" \
    "$DIR/status.txt" || fail "status: no first line: $(cat "$DIR/status.txt")"
grep -Eq "^  config +$CONF\$" "$DIR/status.txt" || fail "status: no config"
grep -Eq "^  connections +3\$" "$DIR/status.txt" ||
    fail "status: not 3 connections"
grep -Eq '^LISTENER +LISTEN +MODE +CONNECTIONS +PAUSED$' "$DIR/status.txt" ||
    fail "status: no listener table: $(cat "$DIR/status.txt")"
grep -Eq "^main +127\\.0\\.0\\.1:$port +line +3 +0\$" "$DIR/status.txt" ||
    fail "status: no row for main: $(cat "$DIR/status.txt")"
grep -Eq "^$DIR/main\\.log +file +0 +0 +0\$" "$DIR/status.txt" ||
    fail "status: no row for main.log: $(cat "$DIR/status.txt")"
ctl status -j > "$DIR/status.json" || fail "tcplogctl status -j failed"
check_json "$DIR/status.json"
jq -se --arg pid "$DPID" --arg conf "$CONF" 'any(.[]; .type == "daemon"
    and .pid == ($pid | tonumber) and .config == $conf and
    .connections == 3)' \
    "$DIR/status.json" > /dev/null ||
    fail "status -j: $(cat "$DIR/status.json")"

# 3. conns: the three open connections, by the peers tcplogd-send used.
ctl conns > "$DIR/conns.txt" || fail "tcplogctl conns failed"
grep -Eq '^LISTENER +PEER +SINCE +RECORDS +BYTES +STAGE( |$)' \
    "$DIR/conns.txt" || fail "conns: no header: $(cat "$DIR/conns.txt")"
[ "$(wc -l < "$DIR/conns.txt")" -eq 4 ] ||
    fail "conns: not 3 rows: $(cat "$DIR/conns.txt")"
for c in c0 c1 c2; do
	peer=$(peer_of "$DIR/hold.out" "$c")
	grep -Eq "^main +$peer +[0-9-]{10}T[0-9:]{8} +2 +82 +data( |\$)" \
	    "$DIR/conns.txt" || fail "conns: no row for $peer: $(cat "$DIR/conns.txt")"
done
ctl conns app > "$DIR/conns-app.txt" || fail "tcplogctl conns app failed"
[ ! -s "$DIR/conns-app.txt" ] || fail "conns app: $(cat "$DIR/conns-app.txt")"
ctl conns -j main > "$DIR/conns.json" || fail "tcplogctl conns -j failed"
check_json "$DIR/conns.json"
[ "$(jq -s 'map(select(.listener == "main" and .records == 2 and
    .stage == "data")) | length' "$DIR/conns.json")" -eq 3 ] ||
    fail "conns -j: $(cat "$DIR/conns.json")"

# 4. -f CONFIG: control = names the socket.
"$TCPLOGCTL" -f "$CONF" status > /dev/null || fail "tcplogctl -f failed"
stop_daemon

# 5. tcplogctl's own errors.  expect_ctl RC TEXT ARGS...: tcplogctl ARGS
# exits RC and says TEXT (a fixed string) on stderr.
expect_ctl()
{
	ec_rc=$1
	ec_text=$2
	shift 2
	"$TCPLOGCTL" "$@" > "$DIR/ctl.out" 2> "$DIR/ctl.err"
	ec_got=$?
	[ "$ec_got" -eq "$ec_rc" ] || fail "tcplogctl $*: exit $ec_got," \
	    "not $ec_rc: $(cat "$DIR/ctl.err")"
	grep -qF -e "$ec_text" "$DIR/ctl.err" ||
	    fail "tcplogctl $*: not \"$ec_text\": $(cat "$DIR/ctl.err")"
	check_sanitizer "$DIR/ctl.err"
}
expect_ctl 69 "cannot connect to $CTL: No such file or directory" \
    -s "$CTL" status
grep -q -e '-s PATH' "$DIR/ctl.err" || fail "no hint at -s"
expect_ctl 64 "unknown command: frobnicate" -s "$CTL" frobnicate
expect_ctl 64 "-s and -f" -s "$CTL" -f "$CONF" status
printf '[tcplogd]\ncontrol = none\n' > "$DIR/none.conf"
expect_ctl 78 "control = none" -f "$DIR/none.conf" status
expect_ctl 66 "$DIR/nosuch.conf" -f "$DIR/nosuch.conf" status

# A fake daemon: fake.py GREETING REPLY serves one client on $CTL: it
# sends GREETING (unless empty), reads a line and sends REPLY (unless
# empty; '|' stands for a newline), then waits for the client to close.
# "stale": bind and exit.
cat > "$DIR/fake.py" <<'END'
import os, socket, sys
path, greeting, reply = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX)
s.bind(path + ".tmp")
os.rename(path + ".tmp", path)
if greeting == "stale":
    sys.exit(0)
s.listen(1)
c, _ = s.accept()
c.settimeout(60)
if greeting:
    c.sendall(greeting.encode() + b"\n")
    c.makefile("rb").readline()
    if reply:
        c.sendall(reply.replace("|", "\n").encode() + b"\n")
c.recv(1)
END
fake()
{
	rm -f "$CTL"
	"$PYTHON" "$DIR/fake.py" "$CTL" "$@" &
	FAKE_PID=$!
	bg_track "$FAKE_PID"
	wait_until 10 test -S "$CTL" || hard_error "the fake did not start"
}
fake stale ""
wait_pid "$FAKE_PID"
expect_ctl 69 "Connection refused" -s "$CTL" status
fake 'SSH-2.0-OpenSSH_9.2' ''
expect_ctl 76 "not a tcplogd control socket" -s "$CTL" status
fake 'tcplogd-control 2 9.0.0' ''
expect_ctl 76 "tcplogd 9.0.0 speaks control protocol 2" -s "$CTL" status
fake 'error too many clients' ''
expect_ctl 75 "too many clients" -s "$CTL" status
fake '' ''
expect_ctl 75 "no greeting within 1 s" -s "$CTL" -t 1 status
fake 'tcplogd-control 1 0.1.0' ''
expect_ctl 75 "no answer to stats within 1 s" -s "$CTL" -t 1 stats
fake 'tcplogd-control 1 0.1.0' 'garbage'
expect_ctl 76 "unexpected reply line" -s "$CTL" stats
# Values are %XX decoded; in JSON, counters are numbers, names strings.
fake 'tcplogd-control 1 0.1.0' '- type=listener name=12 x=%41%3d%25 n=7|ok'
"$TCPLOGCTL" -s "$CTL" -t $((10 * scale)) stats -j > "$DIR/fake.json" ||
    fail "stats -j from the fake failed"
jq -e '.name == "12" and .x == "A=%" and .n == 7' "$DIR/fake.json" \
    > /dev/null || fail "stats -j from the fake: $(cat "$DIR/fake.json")"
exit 0

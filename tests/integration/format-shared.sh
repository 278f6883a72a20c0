#!/bin/sh
# format-shared.sh: a format belongs to the output.  Listeners that share
# stdout or a file must agree on its format: a config error at the line
# of the format key, naming both listeners, at start (exit 78) and on
# reload (the running config stays).  A reload that would change the
# format of an open file that holds lines is refused (rotate it or pick
# a new path); an empty one may change.  After a reload that moves a
# listener to a new JSON file, its connection accepted before the reload
# writes JSON there: jq parses every line of every JSON file.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

# 1. At start: two listeners on stdout, two on one file.
config_global timestamps=no
config_listener a
config_listener b format=json
config_listener c output=file "file=$DIR/c.log" format=data
config_listener d output=file "file=$DIR/c.log"
"$TCPLOGD" -t -f "$CONF" > "$DIR/t.out" 2>&1
rc=$?
[ "$rc" -eq 78 ] || fail "-t: exit $rc for disagreeing listeners"
aline=$(grep -n '^\[listener a\]$' "$CONF" | cut -d: -f1)
bline=$(grep -n '^format = json$' "$CONF" | cut -d: -f1)
dline=$(grep -n '^\[listener d\]$' "$CONF" | cut -d: -f1)
cline=$(grep -n '^format = data$' "$CONF" | cut -d: -f1)
grep -qF "tcplogd.conf:$bline: format: listener b writes json to stdout, listener a text (line $aline): listeners that share an output must agree on its format" \
    "$DIR/t.out" || fail "-t: not said at b's format: $(cat "$DIR/t.out")"
grep -qF "tcplogd.conf:$dline: format: listener d writes text to $DIR/c.log, listener c data (line $cline): listeners that share an output must agree on its format" \
    "$DIR/t.out" || fail "-t: not said at d: $(cat "$DIR/t.out")"
"$TCPLOGD" -f "$CONF" -P "$PORTS" > "$OUT" 2> "$ERR" < /dev/null
rc=$?
[ "$rc" -eq 78 ] || fail "tcplogd: exit $rc for disagreeing listeners"
grep -qF "tcplogd.conf:$bline: format: listener b writes json" "$ERR" ||
    fail "not said at start: $(cat "$ERR")"

# 2. Running: k writes text to k.log, with a client that keeps sending
# (until SIGUSR1) across the reloads; e writes text to e.log, which
# stays empty.
size=40
nmax=$((1000 * 60 * scale))
config_global timestamps=no
config_listener k output=file "file=$DIR/k.log"
config_listener e output=file "file=$DIR/e.log" events=no
start_daemon
tsend_bg "$DIR/k.out" "$DIR/k.err" -t $((60 * scale)) -v \
    -n "$nmax" -s "$size" -k $((5 * (size + 1))) -d 20 127.0.0.1 \
    "$(port_of k)"
k_pid=$BG_PID
wait_match "$DIR/k.log" '^k [^ ]*: c0-l20 '

# A reload that makes listeners disagree: refused at the key.
cp "$CONF" "$DIR/good.conf"
config_global timestamps=no
config_listener k output=file "file=$DIR/k.log"
config_listener e output=file "file=$DIR/e.log" events=no
config_listener x output=file "file=$DIR/k.log" format=json
xline=$(grep -n '^format = json$' "$CONF" | cut -d: -f1)
kill -HUP "$DPID"
wait_match "$ERR" "tcplogd\\.conf:$xline: format: listener x writes json to .*/k\\.log, listener k text \\(line [0-9]+\\): listeners that share an output must agree on its format\$"
wait_count "$ERR" '^tcplogd: reload failed: keeping the running configuration$' 1

# A reload that turns the non-empty k.log into JSON: refused.
config_global timestamps=no
config_listener k output=file "file=$DIR/k.log" format=json
config_listener e output=file "file=$DIR/e.log" events=no
kill -HUP "$DPID"
wait_match "$ERR" "^tcplogd: .*/k\\.log: cannot change its format from text to json: it already has text lines \\(rotate it or pick a new path\\)\$"
wait_count "$ERR" '^tcplogd: reload failed: keeping the running configuration$' 2
n=$(wc -l < "$DIR/k.log")
wait_lines "$DIR/k.log" $((n + 5))
grep -v '^k ' "$DIR/k.log" && fail "k.log has a line that is not text"

# A new path for k, and the empty e.log turned into JSON: accepted.
config_global timestamps=no
config_listener k output=file "file=$DIR/k.json" format=json
config_listener e output=file "file=$DIR/e.log" events=no format=json
kill -HUP "$DPID"
wait_count "$ERR" '^tcplogd: reloaded: 2 listeners$' 1
kp=$(peer_of "$DIR/k.out")
wait_count "$DIR/k.json" "^\\{\"listener\":\"k\",$(jpeer_re "$kp"),\"event\":\"data\",\"data\":\"c0-l" 5
printf 'to e\n' | tsend -e half -f - 127.0.0.1 "$(port_of e)" ||
    fail "cannot send to e"
wait_match "$DIR/e.log" '"data":"to e"'

# Back to text in a third file, then the client stops: its last lines
# and its disconnected record are text there.
config_global timestamps=no
config_listener k output=file "file=$DIR/k2.log"
config_listener e output=file "file=$DIR/e.log" events=no format=json
kill -HUP "$DPID"
wait_count "$ERR" '^tcplogd: reloaded: 2 listeners$' 2
wait_match "$DIR/k2.log" "^k $kp: c0-l"
kill -USR1 "$k_pid"
wait_pid "$k_pid" 30 || fail "the client failed: $(cat "$DIR/k.err")"
wait_match "$DIR/k2.log" "^k $kp disconnected "
stop_daemon

for f in k.json e.log; do
	check_json "$DIR/$f"
	jq -c . < "$DIR/$f" > /dev/null || fail "jq cannot read $f"
done
grep -v '^k ' "$DIR/k.log" "$DIR/k2.log" &&
    fail "a text file has a line that is not text"
# Every line the client sent is in one of the three files, once.
{
	grep "^k $kp" "$DIR/k.log" | sed -E "s/^k $kp: //"
	jq -r 'select(.event == "data") | .data' < "$DIR/k.json"
	grep "^k $kp: " "$DIR/k2.log" | sed -E "s/^k $kp: //"
} > "$DIR/k.all"
sort "$DIR/k.all" | uniq -d > "$DIR/k.dup"
[ -s "$DIR/k.dup" ] && fail "lines written twice: $(head -n 3 "$DIR/k.dup")"
tail -n 1 "$DIR/k2.log" | grep -Eq "^k $kp disconnected \\(closed by peer\\) ([0-9]+) records" ||
    fail "no disconnected record in text: $(tail -n 1 "$DIR/k2.log")"
recs=$(tail -n 1 "$DIR/k2.log" | sed -E 's/.* ([0-9]+) records .*/\1/')
[ "$(grep -c '^c0-l' "$DIR/k.all")" -eq "$recs" ] ||
    fail "$(grep -c '^c0-l' "$DIR/k.all") lines in the files for $recs records"
exit 0

#!/bin/sh
# journal.sh: JOURNAL_STREAM (set by systemd to the device:inode of the
# journal stream).  When it names stdout, "timestamps = auto" means no
# timestamps; when it names stderr, diagnostics carry a "<N>" level prefix
# instead of "tcplogd: ", and stdout keeps its timestamps.  Config errors
# are errors ("<3>", journalctl -p err) from -t (ExecReload='s check), at
# the start and at a reload, with the reload's "reload failed" line.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

ts_re='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z'
write_config

# 1. stdout is the journal.
: > "$OUT"
: > "$ERR"
JOURNAL_STREAM=$(stat -c '%d:%i' "$OUT") || hard_error "stat failed"
export JOURNAL_STREAM
start_daemon
printf 'hi\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of main)" \
    > "$DIR/send.out" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/send.out")
stop_daemon
{
	echo "main $p connected"
	echo "main $p: hi"
	echo "main $p disconnected (closed by peer) 1 records 3 bytes"
} > "$DIR/expected"
expect_file "$DIR/expected" "$OUT"
if grep -v '^tcplogd: ' "$ERR"; then
	fail "diagnostics without \"tcplogd: \" when stderr is not the journal"
fi

# 2. stderr is the journal.
mv "$OUT" "$DIR/out1"
mv "$ERR" "$DIR/err1"
: > "$OUT"
: > "$ERR"
JOURNAL_STREAM=$(stat -c '%d:%i' "$ERR") || hard_error "stat failed"
start_daemon
printf 'hi\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of main)" \
    > "$DIR/send.out" || fail "tcplogd-send failed"
p=$(peer_of "$DIR/send.out")
stop_daemon
grep -Eq '^<6>ready \(1 listeners?\)$' "$ERR" ||
    fail "no \"<6>ready (1 listeners)\" line in $ERR"
if grep -Ev '^<[0-7]>[^<]' "$ERR"; then
	fail "diagnostics without a <N> prefix when stderr is the journal"
fi
[ "$(wc -l < "$OUT")" -eq 3 ] || fail "not 3 records: $(cat "$OUT")"
if grep -Ev "^$ts_re main $p( connected|: hi| disconnected )" "$OUT"; then
	fail "records without timestamps when stdout is not the journal"
fi

# 3. Config errors at priority err: -t, a start, a reload.
good=$(cat "$CONF")
printf '[listener main]\nlisten = 127.0.0.1:0\nmode = bogus\n' > "$CONF"
: > "$ERR"
JOURNAL_STREAM=$(stat -c '%d:%i' "$ERR") || hard_error "stat failed"
"$TCPLOGD" -t -f "$CONF" > /dev/null 2>> "$ERR"
[ $? -eq 78 ] || fail "-t accepted mode = bogus"
grep -Eq "^<3>$CONF:3: mode: invalid value 'bogus'" "$ERR" ||
    fail "-t: no <3> config error: $(cat "$ERR")"
"$TCPLOGD" -f "$CONF" > /dev/null 2>> "$ERR"
[ $? -eq 78 ] || fail "a start accepted mode = bogus"
[ "$(grep -Ec "^<3>$CONF:3: mode: invalid value 'bogus'" "$ERR")" -eq 2 ] ||
    fail "start: no <3> config error: $(cat "$ERR")"
unset JOURNAL_STREAM
"$TCPLOGD" -t -f "$CONF" > /dev/null 2> "$DIR/t.err"
grep -Eq "^$CONF:3: mode: invalid value 'bogus'" "$DIR/t.err" ||
    fail "-t outside the journal: $(cat "$DIR/t.err")"

echo "$good" > "$CONF"
: > "$ERR"
JOURNAL_STREAM=$(stat -c '%d:%i' "$ERR") || hard_error "stat failed"
export JOURNAL_STREAM
start_daemon
printf '[listener main]\nlisten = 127.0.0.1:0\nmode = bogus\n' > "$CONF"
kill -HUP "$DPID"
wait_match "$ERR" '^<3>reload failed: keeping the running configuration$'
grep -Eq "^<3>$CONF:3: mode: invalid value 'bogus'" "$ERR" ||
    fail "reload: no <3> config error: $(cat "$ERR")"
stop_daemon
exit 0

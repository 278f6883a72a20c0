#!/bin/sh
# tls-load.sh: many TLS connections at once (tls-client.py load: one
# thread each, lines as tcplogd-send makes them, several lines a TLS
# record, then close_notify), to a text and a JSON listener: every line
# exactly once, whole, in order, from the right peer, between connected
# (with its TLS details) and "disconnected (closed by peer)" with the
# right counts; the JSON records are valid and carry the same.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"
# shellcheck source=tls-lib.sh
. "${srcdir:-$(dirname "$0")}/tls-lib.sh"

need_jq
need_python
tls_make_certs

nconn=$(load 100 10)
nline=$(load 500 50)
size=60
config_global timestamps=no output=file
tls_listener t "file=$DIR/t.log"
tls_listener j format=json "file=$DIR/j.log"
start_daemon

for l in t j; do
	tlsc load "$(port_of "$l")" "$PKI/ca.pem" "$nconn" "$nline" "$size" \
	    > "$DIR/$l.send" 2> "$DIR/$l.err" &
	eval "${l}_pid=\$!"
	bg_track $!
done
# shellcheck disable=SC2154 # set by the eval
wait_pid "$t_pid" 60 || fail "t: tls-client.py failed: $(cat "$DIR/t.err")"
# shellcheck disable=SC2154 # set by the eval
wait_pid "$j_pid" 60 || fail "j: tls-client.py failed: $(cat "$DIR/j.err")"
wait_count "$DIR/t.log" ' disconnected ' "$nconn" 30
wait_count "$DIR/j.log" '"event":"disconnected"' "$nconn" 30
stop_daemon

aes='TLSv1.3 TLS_AES_256_GCM_SHA384'
[ "$(grep -c " connected ($aes)\$" "$DIR/t.log")" -eq "$nconn" ] ||
    fail "t: not $nconn connected events with TLS details"
sed "s/ connected ($aes)\$/ connected/" "$DIR/t.log" > "$DIR/t.plain"
check_generated "$DIR/t.send" "$DIR/t.plain" t "$nconn" "$nline" "$size"
check_json "$DIR/j.log"
# The JSON records as text ones, for the same check.
jq -r 'if .event == "connected" then
	if .tls.version + " " + .tls.cipher == "'"$aes"'" then
	    "\(.listener) \(.peer) connected" else "no TLS details" end
	elif .event == "data" then "\(.listener) \(.peer): \(.data)"
	else "\(.listener) \(.peer) disconnected (\(.reason)) \(.records) records \(.bytes) bytes"
	end' < "$DIR/j.log" > "$DIR/j.plain" || fail "jq failed"
check_generated "$DIR/j.send" "$DIR/j.plain" j "$nconn" "$nline" "$size"
exit 0

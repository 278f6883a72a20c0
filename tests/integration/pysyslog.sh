#!/bin/sh
# pysyslog.sh: Python's logging.handlers.SysLogHandler over TCP (it ends
# each message with a NUL: "<PRI>IDENTMSG\0", no timestamp, no host, no
# BOM), with and without an ident, into a mode = line, delimiter = nul
# listener and into a mode = syslog listener, both parse = syslog, JSON.
# With delimiter = nul every message is exactly one record, a message
# with a LF in it too, none partial, with facility, severity, app_name
# (the ident) and msg parsed.  Under mode = syslog (LF or NUL ends a
# record) the same, except that the message with a LF in it is two
# records, the second without a PRI and so counted as a parse error.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_python

config_global timestamps=no parse=syslog format=json output=file
config_listener nul mode=line delimiter=nul "file=$DIR/nul.json"
config_listener sy mode=syslog "file=$DIR/sy.json"
start_daemon

for l in nul sy; do
	pyclient syslog "$(port_of "$l")" > "$DIR/$l.sent" ||
	    fail "the SysLogHandler client failed"
	wait_count "$DIR/$l.json" '"event":"disconnected"' 2
done
stop_daemon

# The records expected from what the client says it sent: with $split,
# a message is cut at each LF, and only its first piece has the PRI.
expected()
{
	jq -c -S --argjson split "$1" '
	def syslog($pri; $ident; $msg):
	    {facility: {"1": "user", "19": "local3"}[$pri / 8 | floor |
		tostring],
	    severity: ["emerg", "alert", "crit", "err", "warning", "notice",
		"info", "debug"][$pri % 8], msg: $msg} +
	    if $ident == "" then {} else {app_name: ($ident |
		rtrimstr(": "))} end;
	. as $s |
	if $split then
		($s.msg | split("\n")) as $m |
		{peer: $s.peer, data: "<\($s.pri)>\($s.ident)\($m[0])",
		    syslog: syslog($s.pri; $s.ident; $m[0])},
		($m[1:][] | {peer: $s.peer, data: .})
	else
		{peer: $s.peer, data: $s.data,
		    syslog: syslog($s.pri; $s.ident; $s.msg)}
	end'
}

for l in nul sy; do
	check_json "$DIR/$l.json"
	split=false
	[ "$l" = sy ] && split=true
	expected "$split" < "$DIR/$l.sent" > "$DIR/$l.want" ||
	    fail "jq failed"
	# A connection's records in order; the two connections in turn.
	jq -s -c -S 'map(select(.event == "data") | del(.listener, .event, .peer_ip,
	    .peer_port)) |
	    group_by(.peer) | .[][]' < "$DIR/$l.json" > "$DIR/$l.got" ||
	    fail "jq failed"
	jq -s -c -S 'group_by(.peer) | .[][]' < "$DIR/$l.want" \
	    > "$DIR/$l.want2" || fail "jq failed"
	expect_file "$DIR/$l.want2" "$DIR/$l.got"
done
tail_re='framing_errors 0 parse_errors'
grep -Eq "^tcplogd: listener nul: .* partial 0 .* $tail_re 0 tls_failures 0 health_checks 0 proxy_errors 0\$" "$ERR" ||
    fail "nul: $(grep 'listener nul:' "$ERR")"
grep -Eq "^tcplogd: listener sy: .* partial 0 .* $tail_re 2 tls_failures 0 health_checks 0 proxy_errors 0\$" "$ERR" ||
    fail "sy: $(grep 'listener sy:' "$ERR")"
exit 0

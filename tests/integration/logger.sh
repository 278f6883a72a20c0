#!/bin/sh
# logger.sh: util-linux logger(1) over TCP, octet-counted (--octet-count)
# and plain (LF after each message), RFC 5424 (its default, also without
# time and host, and with PROCID, MSGID and structured data) and
# --rfc3164, all into one mode = syslog listener with parse = syslog and
# JSON output.  Every message arrives once, in order, one record each,
# "data" the whole message as sent and the "syslog" object holding
# exactly the fields the message has: facility, severity, timestamp (as
# sent), hostname, app_name, procid, msgid, structured_data (SD-PARAM
# escapes undone; NILVALUE fields absent) and msg.  No framing or parse
# errors are counted.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_cmd logger

m=$(load 200 20)
config_global timestamps=no
config_listener sy mode=syslog parse=syslog format=json output=file \
    "file=$DIR/sy.json"
start_daemon
port=$(port_of sy)

# send VARIANT LOGGER-OPTIONS...: M messages "VARIANT I ..." through one
# logger connection, tag VARIANT.
send()
{
	sd_v=$1
	shift
	awk -v v="$sd_v" -v m="$m" 'BEGIN {
		for (i = 0; i < m; i++)
			printf "%s %d caf\303\251 \"q\" [x] \\ end\n", v, i
	}' > "$DIR/in.$sd_v"
	timeout $((30 * scale)) logger --tcp -n 127.0.0.1 -P "$port" \
	    -t "$sd_v" "$@" < "$DIR/in.$sd_v" || fail "logger $* failed"
}

send l5o --octet-count
send l5l
send l5n --octet-count --rfc5424=notime,nohost
send l5x --octet-count --rfc5424=notq --id=4242 --msgid MID \
    -p local3.warning --sd-id 'ex@32473' --sd-param 'k="v\"q"' \
    --sd-param 'b="a\]b\\c"' --sd-id 'two@1' --sd-param 'x="1"'
send l3o --octet-count --rfc3164
send l3l --rfc3164 --id=77 -p daemon.err
nvar=6
wait_count "$DIR/sy.json" '"event":"disconnected"' "$nvar"
stop_daemon
check_json "$DIR/sy.json"
grep -Eq '^tcplogd: listener sy: .* framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0$' \
    "$ERR" || fail "errors counted: $(grep 'listener sy:' "$ERR")"

# What each record says, one JSON array a line: tag, msg, facility,
# severity, the timestamp's form, hostname (as "HOST" when it is this
# machine's), procid, msgid, structured data but timeQuality (whose
# isSynced depends on the clock), timeQuality's tzKnown, whether data
# is the whole message, the keys of the syslog object.
host=$(uname -n)
d2='[0-9]{2}'
rfc3339="^$d2$d2-$d2-${d2}T$d2:$d2:$d2\\.[0-9]{6}[+-]$d2:$d2\$"
jq -c --arg host "$host" --arg short "${host%%.*}" --arg rfc3339 "$rfc3339" '
select(.event == "data") | .syslog as $s | [$s.app_name, $s.msg,
    $s.facility, $s.severity,
    ($s.timestamp | if . == null then null
	elif test($rfc3339) then "rfc3339"
	elif test("^[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}$")
	then "rfc3164"
	else . end),
    ($s.hostname | if . == $host or . == $short then "HOST" else . end),
    $s.procid, $s.msgid,
    ($s.structured_data | if . == null then null
	else del(.timeQuality) end),
    $s.structured_data.timeQuality.tzKnown,
    (.data | startswith("<") and endswith(" " + $s.msg)),
    ($s // {} | keys)]' < "$DIR/sy.json" > "$DIR/got" || fail "jq failed"

# expect VARIANT FACILITY SEVERITY TIMESTAMP-FORM HOST PROCID MSGID SD TQ
# KEYS: the arrays of M messages of VARIANT (JSON values but the first
# four).
expect()
{
	jq -n -c --arg v "$1" --argjson m "$m" --arg fac "$2" --arg sev "$3" \
	    --argjson ts "$4" --argjson host "$5" --argjson procid "$6" \
	    --argjson msgid "$7" --argjson sd "$8" --argjson tq "$9" \
	    --argjson keys "${10}" '
	range(0; $m) | [$v, "\($v) \(.) caf\u00e9 \"q\" [x] \\ end", $fac,
	    $sev, $ts, $host, $procid, $msgid, $sd, $tq, true, $keys]'
}
# keys KEY...: the sorted keys as a JSON array.
keys()
{
	printf '%s\n' "$@" | jq -R . | jq -s -c sort
}
k3=$(keys app_name facility hostname msg severity timestamp)
k5=$(keys app_name facility hostname msg severity timestamp structured_data)
{
	expect l5o user notice '"rfc3339"' '"HOST"' null null '{}' '"1"' "$k5"
	expect l5l user notice '"rfc3339"' '"HOST"' null null '{}' '"1"' "$k5"
	expect l5n user notice null null null null null null \
	    "$(keys app_name facility msg severity)"
	expect l5x local3 warning '"rfc3339"' '"HOST"' '"4242"' '"MID"' \
	    '{"ex@32473":{"k":"v\"q","b":"a]b\\c"},"two@1":{"x":"1"}}' null \
	    "$(keys app_name facility hostname msg msgid procid severity \
	    structured_data timestamp)"
	expect l3o user notice '"rfc3164"' '"HOST"' null null null null "$k3"
	expect l3l daemon err '"rfc3164"' '"HOST"' '"77"' null null null \
	    "$(keys app_name facility hostname msg procid severity timestamp)"
} > "$DIR/expected"
expect_file "$DIR/expected" "$DIR/got"

# One connection per logger, none with anything but its messages.
jq -r 'select(.event == "disconnected") | "\(.reason) \(.records)"' \
    < "$DIR/sy.json" | sort | uniq -c > "$DIR/disc"
printf '%7d closed by peer %d\n' "$nvar" "$m" > "$DIR/disc.want"
expect_file "$DIR/disc.want" "$DIR/disc"
exit 0

#!/bin/sh
# rsyslog.sh: rsyslog as a private forwarder (its own config, pid file
# and work directory in $DIR, in the foreground, no system socket: its
# only input is imfile reading a file of N numbered lines) sends every
# line through four omfwd TCP actions, one to each listener: octet-counted
# framing with the RFC 5424 template into mode = octet-counted, and with
# its traditional (RFC 3164) template into mode = syslog; traditional
# (LF) framing with the traditional template into mode = line and with
# the RFC 5424 one into mode = syslog.  All parse = syslog, JSON.  Every
# line arrives exactly once and in order, with facility, severity,
# timestamp, hostname, app_name and msg parsed, and nothing counted as a
# framing or parse error.

TEST_TIMEOUT=120
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq
need_cmd rsyslogd

n=$(load 10000 100)
config_global timestamps=no parse=syslog format=json output=file
config_listener oc5 mode=octet-counted "file=$DIR/oc5.json"
config_listener oc3 mode=syslog "file=$DIR/oc3.json"
config_listener tr3 mode=line "file=$DIR/tr3.json"
config_listener tr5 mode=syslog "file=$DIR/tr5.json"
start_daemon

awk -v n="$n" 'BEGIN {
	for (i = 1; i <= n; i++)
		printf "seq %06d caf\303\251 \"q\" [x] end\n", i
}' > "$DIR/in.txt"
mkdir "$DIR/rs" || hard_error "mkdir failed"
# omfwd ACTION PORT FRAMING [TEMPLATE]
omfwd()
{
	printf '\taction(type="omfwd" name="%s" target="127.0.0.1"' "$1"
	printf ' port="%s"\n' "$2"
	printf '\t    protocol="tcp" TCP_Framing="%s"%s)\n' "$3" \
	    "${4:+ template=\"$4\"}"
}
{
	cat <<EOF
global(workDirectory="$DIR/rs" localHostName="fwdhost")
module(load="imfile")
input(type="imfile" File="$DIR/in.txt" Tag="seqapp:" Facility="local3"
    Severity="notice" freshStartTail="off")
if \$programname == "seqapp" then {
EOF
	omfwd oc5 "$(port_of oc5)" octet-counted RSYSLOG_SyslogProtocol23Format
	omfwd oc3 "$(port_of oc3)" octet-counted
	omfwd tr3 "$(port_of tr3)" traditional
	omfwd tr5 "$(port_of tr5)" traditional RSYSLOG_SyslogProtocol23Format
	echo "	stop"
	echo "}"
	# rsyslogd's own messages, if any, stay here.
	echo "action(type=\"omfile\" file=\"$DIR/rs/other.log\")"
} > "$DIR/rs/rsyslog.conf"
rsyslogd -N1 -f "$DIR/rs/rsyslog.conf" > "$DIR/rs/check.out" 2>&1 ||
    fail "rsyslogd -N1: $(cat "$DIR/rs/check.out")"
rsyslogd -n -f "$DIR/rs/rsyslog.conf" -i "$DIR/rs/rsyslogd.pid" \
    > "$DIR/rs/rsyslogd.out" 2>&1 < /dev/null &
RS_PID=$!
bg_track "$RS_PID"

for l in oc5 oc3 tr3 tr5; do
	wait_count "$DIR/$l.json" '"event":"data"' "$n" 60
done
kill -TERM "$RS_PID"
wait_pid "$RS_PID" 20 || fail "rsyslogd failed: $(cat "$DIR/rs/rsyslogd.out")"
for l in oc5 oc3 tr3 tr5; do
	wait_match "$DIR/$l.json" '"event":"disconnected"'
done
stop_daemon
if [ -s "$DIR/rs/other.log" ]; then
	log "rsyslogd said:"
	head -n 20 "$DIR/rs/other.log"
fi

# check LISTENER TIMESTAMP-FORM [END]: the records of LISTENER are the N
# lines in order, once each, whole in data, with the fields parsed; each
# msg ends with END.
d2='[0-9]{2}'
check()
{
	check_json "$DIR/$1.json"
	case $2 in
	rfc3339)
		ts_re="^$d2$d2-$d2-${d2}T$d2:$d2:$d2\\.[0-9]{6}[+-]$d2:$d2\$"
		;;
	rfc3164)
		ts_re='^[A-Z][a-z]{2} [ 1-3][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2}$'
		;;
	esac
	jq -r --arg ts "$ts_re" --arg tail "${3:-}" '
	select(.event == "data") | .syslog as $s |
	if $s == null then "no syslog object: \(.data)"
	elif ($s | keys) != ["app_name","facility","hostname","msg",
	    "severity","timestamp"] then "fields \($s | keys): \(.data)"
	elif [$s.facility, $s.severity, $s.hostname, $s.app_name] !=
	    ["local3", "notice", "fwdhost", "seqapp"] or
	    ($s.timestamp | test($ts) | not)
	then "wrong fields: \(tojson)"
	elif (.data | startswith("<157>") and
	    endswith(" " + $s.msg + $tail) | not)
	then "data is not the message: \(tojson)"
	else $s.msg end' \
	    < "$DIR/$1.json" > "$DIR/$1.msgs" || fail "$1: jq failed"
	if ! cmp -s "$DIR/in.txt" "$DIR/$1.msgs"; then
		diff "$DIR/in.txt" "$DIR/$1.msgs" | head -n 20 >&2
		fail "$1: not the lines sent, once each and in order"
	fi
	jq -r 'select(.event != "data") | [.event, .reason, .records] |
	    map(tostring) | join(" ")' < "$DIR/$1.json" > "$DIR/$1.events"
	printf 'connected null null\ndisconnected closed by peer %d\n' \
	    "$n" > "$DIR/$1.events.want"
	expect_file "$DIR/$1.events.want" "$DIR/$1.events"
	grep -Eq "^tcplogd: listener $1: .* framing_errors 0 parse_errors 0 tls_failures 0 health_checks 0 proxy_errors 0\$" \
	    "$ERR" || fail "$1: errors counted: $(grep "listener $1:" "$ERR")"
}
# rsyslog's RFC 5424 template ends with a LF, which octet counting keeps
# in the frame: data ends with it, msg does not (the parser drops one LF
# at the end, as rsyslog does on receipt).  In LF framing it ends the
# record.
lf=$(printf '\nx')
check oc5 rfc3339 "${lf%x}"
check oc3 rfc3164
check tr3 rfc3164
check tr5 rfc3339
exit 0

#!/bin/sh
# lnav.sh: the lnav format definitions in etc/lnav/formats/tcplogd read
# tcplogd's text and JSON output (timestamps = yes) with the real lnav,
# headless, from a HOME where only they are installed (the user's lnav
# config is never read): time, listener, peer, peer_ip, peer_port,
# event and data are fields, the SQL view counts records per peer, over
# IPv4 and IPv6 (without ::1, IPv4 only), and text is no longer taken
# for syslog (hostname "main", process "127.0.0.1").

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_cmd lnav
formats=${top_srcdir:-$(dirname "$0")/../..}/etc/lnav/formats/tcplogd
[ -f "$formats/tcplogd_text.json" ] || hard_error "no formats in $formats"
has6=no
grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null &&
    has6=yes
listen='listen=127.0.0.1:0'
[ "$has6" = yes ] && listen='listen=127.0.0.1:0, [::1]:0'

config_global timestamps=yes
config_listener t "$listen" output=file "file=$DIR/t.log"
config_listener j "$listen" output=file "file=$DIR/j.log" format=json
start_daemon

# send LISTENER N [HOST PORT]: a connection with N lines; its peer is
# printed.
send()
{
	sd_n=$2
	awk -v n="$sd_n" 'BEGIN { for (i = 1; i <= n; i++) print "line " i }' |
	    tsend -v -e half -f - "${3:-127.0.0.1}" "${4:-$(port_of "$1")}" \
	    > "$DIR/send.out" || fail "$1: tcplogd-send failed"
	peer_of "$DIR/send.out"
}
: > "$DIR/want"
for l in t j; do
	p1=$(send "$l" 3)
	p2=$(send "$l" 5)
	# Each connection: connected, N data, disconnected.
	printf '%s,%s\n' "$p1" 5 "$p2" 7 >> "$DIR/want.$l"
	echo "$p1" > "$DIR/p1.$l"
	if [ "$has6" = yes ]; then
		p6=$(send "$l" 2 ::1 "$(addr_of "$l" 2 | sed 's/.*://')")
		printf '%s,%s\n' "$p6" 4 >> "$DIR/want.$l"
		echo "$p6" > "$DIR/p6.$l"
		wait_match "$DIR/$l.log" "$(printf '%s' "$p6" | sed 's/[].[]/\\&/g')"'.*disconnected'
	fi
	wait_match "$DIR/$l.log" "$(printf '%s' "$p2" | sed 's/[].[]/\\&/g')"'.*disconnected'
done
stop_daemon

# A HOME of its own, with only tcplogd's formats installed.
home=$DIR/home
mkdir -p "$home/.lnav/formats/installed" "$home/.config" ||
    hard_error "mkdir failed"
cp "$formats"/*.json "$home/.lnav/formats/installed/" ||
    hard_error "cp failed"
lnav_sql()	# FILE SQL
{
	HOME=$home XDG_CONFIG_HOME=$home/.config timeout $((30 * scale)) \
	    lnav -n -c ";$2" -c ':write-csv-to -' "$1" 2> "$DIR/lnav.err" ||
	    fail "lnav failed on $1: $(cat "$DIR/lnav.err")"
}

for l in t j; do
	[ "$l" = t ] && table=tcplogd_text || table=tcplogd_json
	lnav_sql "$DIR/$l.log" "SELECT peer, count(*) AS n FROM $table GROUP BY peer ORDER BY peer" |
	    tail -n +2 > "$DIR/got.$l"
	sort "$DIR/want.$l" > "$DIR/want.$l.s"
	expect_file "$DIR/want.$l.s" "$DIR/got.$l"
	# The fields of one data record and the events, IPv4 and IPv6.
	p1=$(cat "$DIR/p1.$l")
	[ "$has6" = yes ] && p6=$(cat "$DIR/p6.$l")
	lnav_sql "$DIR/$l.log" "SELECT log_time, listener, peer, peer_ip, peer_port, event, data FROM $table WHERE peer = '$p1' ORDER BY log_line" |
	    tail -n +2 > "$DIR/fields.$l"
	[ "$l" = t ] && dev='' || dev=data
	ip=${p1%:*}
	port=${p1##*:}
	awk -F, -v ip="$ip" -v port="$port" -v l="$l" -v dev="$dev" '
	{
		for (i = 1; i <= NF; i++)
			if ($i == "<NULL>")
				$i = ""
	}
	$1 !~ /^20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-9:]+\.[0-9][0-9][0-9]$/ ||
	    $2 != l || $4 != ip || $5 != port { bad = 1 }
	NR == 1 && ($6 != "connected" || $7 != "") { bad = 1 }
	NR >= 2 && NR <= 4 && ($6 != dev || $7 != "line " NR - 1) { bad = 1 }
	NR == 5 && $6 != "disconnected" { bad = 1 }
	END { exit bad || NR != 5 }' "$DIR/fields.$l" ||
	    fail "$l: lnav fields: $(cat "$DIR/fields.$l")"
	if [ "$has6" = yes ]; then
		lnav_sql "$DIR/$l.log" "SELECT peer_ip, peer_port FROM $table WHERE peer = '$p6' AND data = 'line 2'" |
		    tail -n +2 > "$DIR/six.$l"
		[ "$(cat "$DIR/six.$l")" = "::1,${p6##*:}" ] ||
		    fail "$l: IPv6 fields: $(cat "$DIR/six.$l")"
	fi
	# Every line is tcplogd's, none syslog's.
	lnav_sql "$DIR/$l.log" "SELECT count(*) FROM $table" | tail -n +2 \
	    > "$DIR/count.$l"
	[ "$(cat "$DIR/count.$l")" -eq "$(wc -l < "$DIR/$l.log")" ] ||
	    fail "$l: lnav took $(cat "$DIR/count.$l") of $(wc -l < "$DIR/$l.log") lines"
done
lnav_sql "$DIR/t.log" "SELECT count(*) FROM syslog_log" | tail -n +2 \
    > "$DIR/syslog.count"
[ "$(cat "$DIR/syslog.count")" -eq 0 ] ||
    fail "lnav still reads text output as syslog"
exit 0

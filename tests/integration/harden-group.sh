#!/bin/sh
# harden-group.sh: group = NAME without user = NAME in [tcplogd] would
# change only the group and keep uid 0 and every capability: a config
# error at the group line, from -t and at startup (exit 78); with user
# set too the config is fine.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

grp=$(id -gn) || hard_error "id -gn failed"
usr=$(id -un) || hard_error "id -un failed"
cat > "$CONF" <<EOF2
[tcplogd]
timestamps = no
group = $grp

[listener main]
listen = 127.0.0.1:0
EOF2
want="$CONF:3: group: needs user = NAME (group alone would keep root)"

# run_tcplogd ARGS...: the daemon with ARGS, bounded, stdout to $OUT.
run_tcplogd()
{
	# shellcheck disable=SC2086 # the wrapper is a command line
	$TCPLOGD_WRAPPER "$TCPLOGD" "$@" > "$OUT" 2> "$ERR" < /dev/null &
	rt_pid=$!
	bg_track "$rt_pid"
	wait_pid "$rt_pid" 20
}

run_tcplogd -t -f "$CONF"
rc=$?
check_sanitizer "$ERR"
[ "$rc" -eq 78 ] || fail "-t exited $rc, not 78: $(cat "$ERR")"
grep -Fqx -e "$want" -e "tcplogd: $want" "$ERR" || fail "-t: no \"$want\": $(cat "$ERR")"
grep -q 'configuration OK' "$OUT" && fail "-t said configuration OK"

run_tcplogd -f "$CONF" -P "$PORTS"
rc=$?
check_sanitizer "$ERR"
[ "$rc" -eq 78 ] || fail "startup exited $rc, not 78: $(cat "$ERR")"
grep -Fqx "tcplogd: $want" "$ERR" || fail "startup: no \"$want\": $(cat "$ERR")"
[ ! -e "$PORTS" ] || fail "tcplogd bound its listeners"

sed -i "s/^group = .*/&\\nuser = $usr/" "$CONF"
run_tcplogd -t -f "$CONF"
rc=$?
[ "$rc" -eq 0 ] || fail "-t with user and group exited $rc: $(cat "$ERR")"
exit 0

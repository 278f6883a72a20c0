#!/bin/sh
# units.sh: the systemd units.  The generated tcplogd.service (reloaded
# with tcplogctl reload, with RuntimeDirectory=tcplogd for its socket),
# copied with its Exec lines pointing at the built tcplogd and tcplogctl
# and a test config, and
# tcplogd.socket pass systemd-analyze verify without a word about them,
# and systemd-analyze security --offline rates the service's exposure at
# most 1.5 (the shipped config: a port >= 1024, no capabilities).  The
# socket unit passes its sockets to the listener of the shipped config
# that has the same addresses.  The service runs as the static user
# tcplogd with group adm (so that adm reads the logs), which the
# sysusers.d file makes (systemd-sysusers --root, into a scratch
# directory), and turns journald's rate limit off with an interval
# greater than 0 (0 keeps journald's default).  Needs systemd-analyze
# and systemd-sysusers (Debian package systemd), not systemd as PID 1.
#
# TCPLOGD_UNITS: the directory of the generated tcplogd.service
# (default: systemd/ beside the src/ of $TCPLOGD, i.e. the build tree).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v systemd-analyze > /dev/null 2>&1 ||
    skip "systemd-analyze is not installed (Debian: apt-get install systemd)"

: "${top_srcdir:=${srcdir:-$(dirname "$0")}/../..}"
: "${TCPLOGD_UNITS:=$(dirname "$TCPLOGD")/../systemd}"
service=$TCPLOGD_UNITS/tcplogd.service
socket=$top_srcdir/systemd/tcplogd.socket
sysusers=$top_srcdir/systemd/tcplogd.sysusers
shipped=$top_srcdir/etc/tcplogd.conf
[ -f "$service" ] || hard_error "no $service: run make first"
[ -f "$socket" ] || hard_error "no $socket"
[ -f "$shipped" ] || hard_error "no $shipped"
[ -f "$sysusers" ] || hard_error "no $sysusers"

# 1. make substituted every path, and the Exec lines are as shipped.
if grep -n '@[A-Za-z_]*@' "$service"; then
	fail "$service: unsubstituted @...@"
fi
grep -Eq '^ExecStart=/[^ ]*/tcplogd -f /[^ ]*/tcplogd\.conf$' "$service" ||
    fail "$service: no ExecStart=SBINDIR/tcplogd -f SYSCONFDIR/tcplogd.conf"
grep -Eq '^ExecReload=/[^ ]*/tcplogctl reload$' "$service" ||
    fail "$service: no ExecReload=SBINDIR/tcplogctl reload"
grep -qx 'RuntimeDirectory=tcplogd' "$service" ||
    fail "$service: no RuntimeDirectory=tcplogd (tcplogctl's default socket)"

# The user, the logs directory and journald's rate limit.
for want in User=tcplogd Group=adm LogsDirectory=tcplogd \
    LogsDirectoryMode=0750 PrivateUsers=yes; do
	grep -qx "$want" "$service" || fail "$service: no $want"
done
if grep -q '^DynamicUser=' "$service"; then
	fail "$service: DynamicUser= (the logs would be root's alone)"
fi
rl=$(sed -n 's/^LogRateLimitIntervalSec=//p' "$service")
case $rl in
[1-9]*us)
	;;
*)
	fail "$service: LogRateLimitIntervalSec=$rl (0 keeps the limit)"
	;;
esac
if command -v systemd-sysusers > /dev/null 2>&1; then
	mkdir -p "$DIR/root/etc" || hard_error "mkdir failed"
	systemd-sysusers --root="$DIR/root" "$sysusers" \
	    > "$DIR/sysusers.out" 2>&1 ||
	    fail "systemd-sysusers: $(cat "$DIR/sysusers.out")"
	grep -q '^tcplogd:x:[0-9]*:[0-9]*:.*:/usr/sbin/nologin$' \
	    "$DIR/root/etc/passwd" ||
	    fail "$sysusers made no user tcplogd: $(cat "$DIR/sysusers.out")"
else
	log "no systemd-sysusers: $sysusers not tried"
fi

# 2. A copy that runs the built daemon on a test config.  Paths with
# characters a unit file or sed would treat specially are not tried.
case $TCPLOGD$DIR in
*[!A-Za-z0-9/._+-]*)
	skip "unusual characters in $TCPLOGD or $DIR"
	;;
esac
write_config
mkdir "$DIR/units" || hard_error "mkdir failed"
sed -e "s|^\\(Exec[A-Za-z]*=\\)/[^ ]*/tcplogd |\\1$TCPLOGD |" \
    -e "s|^\\(Exec[A-Za-z]*=\\)/[^ ]*/tcplogctl |\\1$TCPLOGCTL |" \
    -e "s| -f /[^ ]*/tcplogd\\.conf\$| -f $CONF|" \
    "$service" > "$DIR/units/tcplogd.service" || hard_error "sed failed"
cp "$socket" "$DIR/units/tcplogd.socket" || hard_error "cp failed"
grep -qx "ExecStart=$TCPLOGD -f $CONF" "$DIR/units/tcplogd.service" ||
    hard_error "could not point ExecStart= at $TCPLOGD"
if sed -e "s| -f $CONF\$||" -e "s|=$TCPLOGD|=|" -e "s|=$TCPLOGCTL|=|" \
    "$DIR/units/tcplogd.service" |
    grep -E '^Exec.*(/tcplogd|/tcplogctl|tcplogd\.conf)'
then
	hard_error "Exec lines not pointing at $TCPLOGD, $TCPLOGCTL and $CONF"
fi
"$TCPLOGD" -t -f "$CONF" > /dev/null || fail "the test config is invalid"

# 3. verify exits 0 even on warnings: what it says about our units is the
# result.  Anything else it prints (about the host's units) is shown.
(cd "$DIR/units" && systemd-analyze verify --man=no \
    --recursive-errors=no ./tcplogd.service ./tcplogd.socket) \
    > "$DIR/verify.out" 2>&1
rc=$?
if [ "$rc" -ne 0 ] || grep -q -e tcplogd -e "$DIR" "$DIR/verify.out"; then
	cat "$DIR/verify.out" >&2
	fail "systemd-analyze verify: exit $rc, or complaints about the units"
fi
if [ -s "$DIR/verify.out" ]; then
	log "systemd-analyze verify said, about other units:"
	sed 's/^/    /' "$DIR/verify.out"
fi

# 4. The exposure score: at most 1.5 (--threshold counts in tenths).
systemd-analyze security --offline=true --threshold=15 \
    "$DIR/units/tcplogd.service" > "$DIR/security.out" 2>&1
rc=$?
score=$(sed -n \
    's/.*Overall exposure level for tcplogd\.service: \([0-9.]*\).*/\1/p' \
    "$DIR/security.out")
[ -n "$score" ] || {
	cat "$DIR/security.out" >&2
	fail "no exposure level in the systemd-analyze security output"
}
if [ "$rc" -ne 0 ]; then
	# The settings that cost something: "- " (C locale) or a cross.
	grep -E '^(- |✗ )|Overall' "$DIR/security.out" >&2
	fail "exposure level $score is over 1.5"
fi
log "exposure level $score"

# 5. The socket unit names a listener of the shipped config that has its
# addresses in listen =.
name=$(sed -n 's/^FileDescriptorName=//p' "$socket")
[ -n "$name" ] || fail "$socket: no FileDescriptorName="
[ "$(echo "$name" | wc -l)" -eq 1 ] ||
    fail "$socket: FileDescriptorName= more than once (it names all sockets)"
listen=$(awk -v s="[listener $name]" '
	/^\[/ { in_it = ($0 == s); next }
	in_it && /^listen[ \t]*=/ { sub(/^listen[ \t]*=[ \t]*/, ""); print }
    ' "$shipped")
[ -n "$listen" ] ||
    fail "$shipped has no listener $name with listen = for $socket"
for addr in $(sed -n 's/^ListenStream=//p' "$socket"); do
	case ",$(echo "$listen" | tr -d ' \t')," in
	*",$addr,"*)
		;;
	*)
		fail "$socket: ListenStream=$addr is not in listener $name's" \
		    "listen = $listen"
		;;
	esac
done
exit 0

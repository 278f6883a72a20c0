#!/bin/sh
# systemd-pid1.sh: the installed service under Debian 12's real systemd
# as PID 1, as a user runs it (issue 16).
#
# A Debian 12 tree (debootstrap --variant=minbase bookworm, with systemd,
# dbus, logrotate, netcat-openbsd and the libraries tcplogd links) is made
# once and cached under $TCPLOGD_NSPAWN_CACHE (default
# /var/tmp/tcplogd-nspawn-cache), in a directory named after the package
# list, so that a changed list makes a new tree.  Each run boots a fresh
# overlay over it with systemd-nspawn -b, in a private mount namespace,
# and never writes to the cached tree.  tcplogd is built on the host
# twice (--prefix=/usr --sysconfdir=/etc --localstatedir=/var, with and
# without libsystemd; the build directories are kept beside this test's
# log, so a later run only remakes what changed) and installed into the
# overlay with make install DESTDIR=.  The checks drive the container
# with nsenter (systemctl, journalctl, nc inside), each a function
# check_NAME:
#
#   start         systemctl start reaches active, with a STATUS= text
#   user          the process runs as user tcplogd, CapEff 0
#   user_static   ... a static (sysusers.d) user in group adm
#   security      systemd-analyze security rates the unit <= 1.5
#   journal_fields output = journal: the fields, by TCPLOGD_LISTENER=
#   reload_good   a new listener accepts as soon as systemctl reload returns
#   reload_bad    a bad file: reload fails, the error is at priority err
#   reload_apply  a good file that cannot be applied (port 80): likewise
#   stop_idle     systemctl stop of an idle service takes at most 2 s
#   logrotate     the shipped logrotate snippet, forced under load: every
#                 record once in the two files, the new one readable by adm
#   socket_BUILD  tcplogd.socket: the first connection's data is kept
#   flood         100000 lines through nc, all in the journal, none
#                 suppressed
#
# known_broken names the checks that fail on this tree because their fix
# is on a branch not merged yet; they run and are reported, but do not
# fail the test, and one that passes does (take it off the list).
#
# The test needs root, systemd-nspawn (Debian: systemd-container), a
# cgroup2 hierarchy, overlayfs and, the first time, debootstrap and the
# network; without them it says why and skips.  It builds and installs
# its own plain tcplogd, so it runs in the plain pass only: under a
# wrapper, a sanitizer build or a reduced load (the ASan, valgrind and
# distcheck passes) it skips.

TEST_TIMEOUT=300

# Everything runs in a private mount namespace: the overlay, and what
# debootstrap mounts, go away with the test however it ends.
if [ -z "${TCPLOGD_NSPAWN_NS:-}" ] && [ "$(id -u)" -eq 0 ] &&
    unshare -m --propagation private true 2>/dev/null; then
	TCPLOGD_NSPAWN_NS=1
	export TCPLOGD_NSPAWN_NS
	exec unshare -m --propagation private /bin/sh "$0" "$@"
fi

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

: "${top_srcdir:=$srcdir/../..}"
top_srcdir=$(cd "$top_srcdir" && pwd) || hard_error "no top_srcdir"

# Checks expected to fail (none: issue 16's branches are all in).  A
# check named here runs and is reported without failing the test; one
# that passes while named fails it, so that the list is kept empty.
: "${TCPLOGD_NSPAWN_KNOWN_BROKEN=}"
known_broken=$(echo $TCPLOGD_NSPAWN_KNOWN_BROKEN)

if instrumented || [ "$TCPLOGD_LOAD_PERCENT" -lt 100 ]; then
	skip "plain pass only: it builds and installs its own plain tcplogd"
fi
[ "$(id -u)" -eq 0 ] || skip "not root"
[ -n "${TCPLOGD_NSPAWN_NS:-}" ] ||
    skip "cannot make a private mount namespace (unshare -m)"
command -v systemd-nspawn > /dev/null 2>&1 ||
    skip "no systemd-nspawn (Debian: apt-get install systemd-container)"
command -v nsenter > /dev/null 2>&1 || skip "no nsenter"
command -v jq > /dev/null 2>&1 || skip "no jq"
grep -q ' cgroup2 ' /proc/self/mounts || skip "no cgroup2 hierarchy mounted"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
    skip "no overlayfs"

# The tree: Debian 12 minbase with what the unit and the checks need.
# procps: kill(1) and ps, which every Debian but minbase has and which a
# unit or a user's drop-in may call.
packages="systemd systemd-sysv dbus libpam-systemd libnss-systemd logrotate
netcat-openbsd procps libevent-2.1-7 libinih1 libsystemd0 libssl3"
suite=bookworm
cache=${TCPLOGD_NSPAWN_CACHE:-/var/tmp/tcplogd-nspawn-cache}
key=$(printf '%s\n' "$suite" minbase $packages | sort |
    sha256sum | cut -c1-16)
tree=$cache/$suite-$key

# The mirror the host uses (debian.sources' first URIs: line).
mirror=${TCPLOGD_NSPAWN_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' \
	    /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	: "${mirror:=http://deb.debian.org/debian}"
fi

# make_tree: debootstrap into a temporary directory and rename it into
# place, under a lock, so that runs at once build it once.  A directory
# left by an interrupted build is removed under the lock.
make_tree()
{
	mkdir -p "$cache" || return 1
	(
		flock -w $((280 * scale)) 9 || {
			echo "timed out waiting for $cache/lock"
			exit 1
		}
		[ -f "$tree/complete" ] && exit 0
		rm -rf "$cache"/tmp.*
		tmp=$(mktemp -d "$cache/tmp.XXXXXX") || exit 1
		incl=$(echo $packages | tr ' ' ,)
		# The packages are kept for the next tree (a changed list).
		mkdir -p "$cache/debs" || exit 1
		debootstrap --variant=minbase --include="$incl" \
		    --cache-dir="$cache/debs" "$suite" "$tmp/root" "$mirror" || {
			tail -n 20 "$tmp/root/debootstrap/debootstrap.log" \
			    2>/dev/null
			rm -rf "$tmp"
			exit 1
		}
		echo "$packages" > "$tmp/packages"
		touch "$tmp/complete"
		mv "$tmp" "$tree"
	) 9> "$cache/lock"
}

# build NAME [CONFIGURE ARGS]: a plain build for /usr, configured once.
bdir=$(pwd)/systemd-pid1.d
build()
{
	b_dir=$bdir/$1
	shift
	mkdir -p "$b_dir" || hard_error "mkdir $b_dir failed"
	if [ ! -f "$b_dir/Makefile" ]; then
		(cd "$b_dir" && "$top_srcdir/configure" --prefix=/usr \
		    --sysconfdir=/etc --localstatedir=/var "$@" \
		    > configure.out 2>&1) || {
			tail -n 30 "$b_dir/configure.out" >&2
			rm -f "$b_dir/Makefile"
			fail "configure $* failed"
		}
	fi
	make -C "$b_dir" -j2 > "$b_dir/make.out" 2>&1 || {
		tail -n 30 "$b_dir/make.out" >&2
		fail "make in $b_dir failed"
	}
}

t_start=$(date +%s)
TREE_PID=
if [ ! -f "$tree/complete" ]; then
	command -v debootstrap > /dev/null 2>&1 ||
	    skip "no debootstrap to make $tree"
	log "making $tree (debootstrap $suite from $mirror)"
	make_tree > "$DIR/debootstrap.out" 2>&1 &
	TREE_PID=$!
	bg_track "$TREE_PID"
fi
build sd
build nosd --without-libsystemd
log "builds: $(($(date +%s) - t_start)) s"
if [ -n "$TREE_PID" ]; then
	wait "$TREE_PID" || {
		tail -n 20 "$DIR/debootstrap.out" >&2
		hard_error "could not make $tree"
	}
	log "tree and builds: $(($(date +%s) - t_start)) s"
fi

# The container: an overlay over the tree, booted with nspawn.
ROOT=$DIR/root
NAME=tcplogd-$$
NSPAWN_PID=
CT_PID1=
mkdir "$DIR/upper" "$DIR/work" "$ROOT" || hard_error "mkdir failed"
mount -t overlay overlay \
    -o "lowerdir=$tree/root,upperdir=$DIR/upper,workdir=$DIR/work" "$ROOT" ||
    skip "cannot mount an overlay over $tree/root"

# On the way out: the journal of a failed run, then power the container
# off (nspawn passes SIGTERM on as a shutdown request), kill it if it
# takes long, and unmount.
nsp_cleanup()
{
	if [ -n "$CT_PID1" ] && [ "$1" -ne 0 ] && [ "$1" -ne 77 ]; then
		timeout 20 nsenter -t "$CT_PID1" -a journalctl --no-pager \
		    > "$DIR/journal.txt" 2>&1
		echo "--- the container's journal, last lines" \
		    "(all in $DIR/journal.txt):" >&2
		grep -v -E ': (fl|la|lb)-[0-9]{6}$' "$DIR/journal.txt" |
		    tail -n 40 >&2
	fi
	if [ -n "$NSPAWN_PID" ] && kill -TERM "$NSPAWN_PID" 2>/dev/null; then
		nc_n=500
		while proc_alive "$NSPAWN_PID" && [ "$nc_n" -gt 0 ]; do
			sleep 0.02
			nc_n=$((nc_n - 1))
		done
		[ -n "$CT_PID1" ] && kill -KILL "$CT_PID1" 2>/dev/null
		kill -KILL "$NSPAWN_PID" 2>/dev/null
	fi
	umount "$ROOT" 2>/dev/null || umount -l "$ROOT" 2>/dev/null
}
trap 'nsp_rc=$?; nsp_cleanup "$nsp_rc"; lib_exit "$nsp_rc"' EXIT

# Before the boot: timers and cron that could run logrotate or clean up
# behind the checks are masked.
for u in cron.service logrotate.timer apt-daily.timer \
    apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
    fstrim.timer systemd-tmpfiles-clean.timer; do
	ln -sf /dev/null "$ROOT/etc/systemd/system/$u" ||
	    hard_error "cannot mask $u"
done

SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 systemd-nspawn -b --register=no \
    --keep-unit --private-network --console=passive -D "$ROOT" \
    -M "$NAME" > "$DIR/console" 2>&1 < /dev/null &
NSPAWN_PID=$!

# The container's PID 1: the child of nspawn that is PID 1 in its own
# PID namespace, once it is systemd and listens on its private socket
# (before, systemctl there says "offline" or fails).
find_pid1()
{
	for fp_c in $(cat /proc/"$NSPAWN_PID"/task/*/children 2>/dev/null)
	do
		if grep -Eq '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' \
		    "/proc/$fp_c/status" 2>/dev/null &&
		    [ "$(cat "/proc/$fp_c/comm" 2>/dev/null)" = systemd ] &&
		    [ -S "/proc/$fp_c/root/run/systemd/private" ]; then
			CT_PID1=$fp_c
			return 0
		fi
	done
	proc_alive "$NSPAWN_PID" && return 1
	tail -n 20 "$DIR/console" >&2
	NSPAWN_PID=
	skip "the container could not start (systemd-nspawn exited)"
}
wait_until 20 find_pid1 || fail "no container PID 1 after $((20 * scale)) s"

# ct [-t SECONDS] COMMAND...: run COMMAND in the container (default
# bound 30 s), with a clean environment.
ct()
{
	ct_t=30
	if [ "$1" = -t ]; then
		ct_t=$2
		shift 2
	fi
	timeout -k 5 $((ct_t * scale)) nsenter -t "$CT_PID1" -a \
	    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C SYSTEMD_PAGER= \
	    SYSTEMD_COLORS=0 "$@"
}

boot=$(ct -t 60 systemctl is-system-running --wait 2>&1)
case $boot in
running)
	;;
degraded)
	log "booted degraded; failed units:"
	ct systemctl --failed --no-legend --no-pager
	;;
*)
	tail -n 20 "$DIR/console" >&2
	fail "the container did not boot: is-system-running says: $boot"
	;;
esac
log "booted: $(($(date +%s) - t_start)) s"

# Helpers for the checks.  twait SECONDS COMMAND...: run COMMAND every
# 0.1 s until it succeeds or SECONDS (times scale) have passed: a bound
# in time, as the commands here take a while themselves.
twait()
{
	tw_end=$(($(date +%s) + $1 * scale))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -lt "$tw_end" ] || return 1
		sleep 0.1
	done
}

unit_prop()		# UNIT PROPERTY
{
	ct systemctl show -P "$2" "$1"
}

jcount()		# ERE: tcplogd.service's journal lines matching ERE
{
	ct journalctl -u tcplogd -o cat --no-pager | grep -Ec -e "$1"
}

has_jcount()		# ERE N
{
	[ "$(jcount "$1")" -ge "$2" ]
}

# Lines at priority err or worse from the service's own processes
# (ExecReload= helpers included), not systemd's about it.
errlines()
{
	ct journalctl _SYSTEMD_UNIT=tcplogd.service -p err -o cat --no-pager
}

errcount()
{
	errlines | wc -l
}

has_errs()		# N: more than N
{
	[ "$(errcount)" -gt "$1" ]
}

send()			# PORT TEXT: one connection, TEXT and a newline
{
	ct sh -c 'printf "%s\n" "$2" | nc -q1 127.0.0.1 "$1"' sh "$1" "$2"
}

is_active()		# UNIT
{
	[ "$(unit_prop "$1" ActiveState)" = active ]
}

# conf [EXTRA]: /etc/tcplogd.conf with the listener main on 1234 (the
# socket unit's address) to $main_out (lines; default stdout), then
# EXTRA.
main_out="output = stdout"
conf()
{
	{
		echo "[tcplogd]"
		echo "[listener main]"
		echo "listen = 127.0.0.1:1234"
		printf '%s\n' "$main_out"
		[ -z "${1:-}" ] || printf '%s\n' "$1"
	} > "$ROOT/etc/tcplogd.conf" || hard_error "cannot write the config"
}

# stop_all: both units stopped, their failures and start counts reset
# (the checks start the service more often than StartLimitBurst allows).
stop_all()
{
	ct systemctl stop tcplogd.socket tcplogd.service
	ct systemctl reset-failed tcplogd.socket tcplogd.service 2>/dev/null
}

# restart_with [EXTRA]: the service stopped, conf EXTRA, started.
restart_with()
{
	stop_all
	conf "${1:-}"
	ct systemctl start tcplogd.service
}

# ck_fail TEXT: say why the check in progress failed (return 1 after).
ck_fail()
{
	echo "$test_name: $ck_name: $*" >&2
}

# install_build NAME: make install DESTDIR= into the container, then what
# the README's service steps do (systemd-sysusers when the tree ships a
# sysusers.d file), and daemon-reload.
install_build()
{
	make -C "$bdir/$1" install DESTDIR="$ROOT" > "$bdir/$1/install.out" \
	    2>&1 || {
		tail -n 20 "$bdir/$1/install.out" >&2
		fail "make install ($1) failed"
	}
	ib_missing=$(ct ldd /usr/sbin/tcplogd | grep 'not found')
	[ -z "$ib_missing" ] || hard_error "the tree lacks libraries" \
	    "tcplogd ($1) links: $ib_missing; add their packages to packages="
	if [ -f "$ROOT/usr/lib/sysusers.d/tcplogd.conf" ]; then
		ct systemd-sysusers || fail "systemd-sysusers failed"
	fi
	ct systemctl daemon-reload || fail "daemon-reload failed"
	BUILD=$1
}

# The checks.  Each returns 0 or, after ck_fail, 1; none exits.

check_start()
{
	restart_with || {
		ck_fail "systemctl start tcplogd failed"
		return 1
	}
	is_active tcplogd.service || {
		ck_fail "not active after start"
		return 1
	}
	cs_status=$(unit_prop tcplogd.service StatusText)
	log "$BUILD: StatusText=$cs_status"
	case $cs_status in
	*listener*)
		;;
	*)
		ck_fail "no STATUS= text: \"$cs_status\""
		return 1
		;;
	esac
}

# The main process's /proc/PID/status line KEY.
proc_status()
{
	ps_pid=$(unit_prop tcplogd.service MainPID)
	ct cat "/proc/$ps_pid/status" | sed -n "s/^$1:[[:space:]]*//p"
}

check_user()
{
	cu_uid=$(proc_status Uid | awk '{ print $2 }')
	cu_name=$(ct getent passwd "$cu_uid" | cut -d: -f1)
	cu_cap=$(proc_status CapEff)
	log "process: uid $cu_uid ($cu_name), CapEff $cu_cap," \
	    "groups $(proc_status Groups)"
	[ "$cu_name" = tcplogd ] || {
		ck_fail "runs as uid $cu_uid ($cu_name), not tcplogd"
		return 1
	}
	[ "$cu_cap" = 0000000000000000 ] || {
		ck_fail "CapEff $cu_cap"
		return 1
	}
}

check_user_static()
{
	cus_uid=$(proc_status Uid | awk '{ print $2 }')
	grep -q "^tcplogd:[^:]*:$cus_uid:" "$ROOT/etc/passwd" || {
		ck_fail "uid $cus_uid is not tcplogd of /etc/passwd" \
		    "(DynamicUser?)"
		return 1
	}
	cus_adm=$(ct getent group adm | cut -d: -f3)
	case " $(proc_status Groups) " in
	*" $cus_adm "*)
		;;
	*)
		ck_fail "not in group adm ($cus_adm): $(proc_status Groups)"
		return 1
		;;
	esac
}

check_security()
{
	cs_line=$(ct systemd-analyze security tcplogd.service |
	    grep 'Overall exposure level')
	log "$cs_line"
	cs_score=$(echo "$cs_line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
	[ -n "$cs_score" ] || {
		ck_fail "no score"
		return 1
	}
	awk -v s="$cs_score" 'BEGIN { exit !(s <= 1.5) }' || {
		ck_fail "exposure $cs_score > 1.5"
		return 1
	}
}

# output = journal: two data records (one with a byte MESSAGE escapes)
# and the events, found by TCPLOGD_LISTENER=jl.
check_journal_fields()
{
	restart_with "$(printf '%s\n' "[listener jl]" \
	    "listen = 127.0.0.1:1241" "output = journal")" || {
		ck_fail "cannot start with output = journal:" \
		    "$(ct tcplogd -t -f /etc/tcplogd.conf 2>&1)"
		return 1
	}
	ct sh -c 'printf "jf-one\njf-two\001x\n" | nc -q1 127.0.0.1 1241' ||
	    true
	jf_has() {
		[ "$(ct journalctl -o json TCPLOGD_LISTENER=jl --no-pager |
		    jq -s 'map(select(.TCPLOGD_EVENT == "disconnected")) |
		    length')" -ge 1 ]
	}
	twait 10 jf_has || {
		ck_fail "no disconnected record with TCPLOGD_LISTENER=jl"
		return 1
	}
	ct journalctl -o json TCPLOGD_LISTENER=jl --no-pager \
	    > "$DIR/jl.json"
	# Binary field values come as arrays of bytes.
	jf_bad=$(jq -s -r '
	    def s: if type == "array" then implode else . end;
	    def need(c; what): if c then empty else what end;
	    (map(select(.TCPLOGD_EVENT == "data")) | length) as $n |
	    need($n == 2; "\($n) data records, not 2"),
	    (.[] | need(.SYSLOG_IDENTIFIER == "tcplogd";
		"SYSLOG_IDENTIFIER \(.SYSLOG_IDENTIFIER)"),
	    need(.PRIORITY != null and .SYSLOG_FACILITY != null;
		"no PRIORITY or SYSLOG_FACILITY"),
	    need(.TCPLOGD_TIME != null; "no TCPLOGD_TIME"),
	    need((.TCPLOGD_PEER // "") | test("^127\\.0\\.0\\.1:[0-9]+$");
		"TCPLOGD_PEER \(.TCPLOGD_PEER)"),
	    need(._SYSTEMD_UNIT == "tcplogd.service";
		"_SYSTEMD_UNIT \(._SYSTEMD_UNIT)")),
	    (map(select(.TCPLOGD_EVENT == "disconnected"))[0] |
	    need(.TCPLOGD_REASON != null; "disconnected without REASON")),
	    (map(select(.TCPLOGD_EVENT == "data")) |
	    need(any(.[]; (.MESSAGE | s) | test("jf-one$")); "no jf-one"),
	    need(any(.[]; (.TCPLOGD_DATA // "" | s) == "jf-two\u0001x");
		"no TCPLOGD_DATA with the exact bytes jf-two\\001x"))
	    ' "$DIR/jl.json" 2>&1)
	[ -z "$jf_bad" ] || {
		ck_fail "$jf_bad (records in $DIR/jl.json)"
		return 1
	}
}

check_reload_good()
{
	restart_with || true
	conf "$(printf '%s\n' "[listener second]" "listen = 127.0.0.1:1240")"
	ct systemctl reload tcplogd || {
		ck_fail "systemctl reload failed"
		return 1
	}
	# At once, no retry: reload must return when the change is live.
	ct nc -z 127.0.0.1 1240 || {
		ck_fail "the new listener is not live when reload returns"
		return 1
	}
	send 1240 rg-second
	twait 10 has_jcount 'rg-second$' 1 || {
		ck_fail "the new listener's record is not in the journal"
		return 1
	}
}

# reload_fails WHAT: after conf, reload must fail, an error appear at
# priority err and the old configuration keep running.
reload_fails()
{
	rf_pid=$(unit_prop tcplogd.service MainPID)
	rf_errs=$(errcount)
	if ct systemctl reload tcplogd; then
		ck_fail "systemctl reload returned 0 for $1"
		rf_rc=1
	else
		rf_rc=0
	fi
	if twait 5 has_errs "$rf_errs"; then
		log "at priority err: $(errlines | tail -n +$((rf_errs + 1)) |
		    head -n 3)"
	else
		ck_fail "nothing at priority err about $1"
		rf_rc=1
	fi
	[ "$(unit_prop tcplogd.service MainPID)" = "$rf_pid" ] &&
	    is_active tcplogd.service && ct nc -z 127.0.0.1 1234 || {
		ck_fail "the running configuration did not survive $1"
		rf_rc=1
	}
	conf
	ct systemctl reload tcplogd || {
		ck_fail "a good reload after $1 failed"
		rf_rc=1
	}
	return "$rf_rc"
}

check_reload_bad()
{
	restart_with || true
	conf "mode = no-such-mode"
	reload_fails "an invalid config"
}

check_reload_apply()
{
	restart_with || true
	conf "$(printf '%s\n' "[listener low]" "listen = 127.0.0.1:80")"
	ct tcplogd -t -f /etc/tcplogd.conf > /dev/null 2>&1 || {
		ck_fail "tcplogd -t rejects the port 80 config"
		return 1
	}
	reload_fails "a port below 1024"
}

check_stop_idle()
{
	restart_with || true
	si_t0=$(date +%s%N)
	ct systemctl stop tcplogd
	si_ms=$((($(date +%s%N) - si_t0) / 1000000))
	log "stop took $si_ms ms"
	[ "$(unit_prop tcplogd.service ActiveState)" = inactive ] || {
		ck_fail "$(unit_prop tcplogd.service ActiveState) after stop"
		return 1
	}
	[ "$si_ms" -le 2000 ] || {
		ck_fail "stop took $si_ms ms"
		return 1
	}
}

# Socket activation: the first connection's data starts the service and
# is kept; no restart, the socket unit stays active.
sc_line()		# ERE: in the journal, or no use waiting (socket failed)
{
	has_jcount "$1" 1 && return 0
	[ "$(unit_prop tcplogd.socket ActiveState)" = failed ] && return 0
	return 1
}

check_socket()
{
	stop_all
	conf
	ct systemctl start tcplogd.socket || {
		ck_fail "cannot start tcplogd.socket"
		return 1
	}
	is_active tcplogd.service && {
		ck_fail "tcplogd.service runs before a connection"
		return 1
	}
	send 1234 "sa-$BUILD-first"
	sc_rc=0
	twait 20 sc_line "sa-$BUILD-first\$" || {
		ck_fail "the first connection's line is not in the journal"
		sc_rc=1
	}
	send 1234 "sa-$BUILD-second"
	twait 10 sc_line "sa-$BUILD-second\$" || {
		ck_fail "a second connection's line is not in the journal"
		sc_rc=1
	}
	for sc_u in tcplogd.socket tcplogd.service; do
		is_active "$sc_u" || {
			ck_fail "$sc_u: $(unit_prop "$sc_u" ActiveState)"
			sc_rc=1
		}
	done
	sc_n=$(unit_prop tcplogd.service NRestarts)
	[ "$sc_n" = 0 ] || {
		ck_fail "tcplogd.service restarted $sc_n times"
		sc_rc=1
	}
	ct systemctl stop tcplogd.socket tcplogd.service
	return "$sc_rc"
}

# logrotate: a connection sends half its lines, waits while the shipped
# snippet rotates the file (forced) and another connection streams, then
# sends the rest.  Every line is in main.log.1 or main.log, once; the new
# main.log is group adm, readable by a member of adm.
check_logrotate()
{
	stop_all
	ct sh -c 'rm -f /var/log/tcplogd/main.log*; rm -f /run/lr-go'
	# With file_group = adm where the build has that key.
	main_out=$(printf '%s\n' "output = file" \
	    "file = /var/log/tcplogd/main.log" "file_group = adm")
	conf
	ct tcplogd -t -f /etc/tcplogd.conf > /dev/null 2>&1 ||
	    main_out=$(printf '%s\n' "output = file" \
	    "file = /var/log/tcplogd/main.log")
	conf
	main_out="output = stdout"
	ct systemctl start tcplogd || {
		ck_fail "cannot start with output = file"
		return 1
	}
	ct -t 60 sh -c 'n=0; { seq -f "la-%06g" 1 50000;
	    while [ ! -e /run/lr-go ] && [ $n -lt 1500 ]; do
		sleep 0.02; n=$((n + 1)); done
	    seq -f "la-%06g" 50001 100000; } | nc -q1 127.0.0.1 1234' &
	lr_a=$!
	bg_track "$lr_a"
	lr_count() {	# ERE N: at least N lines in main.log
		[ "$(ct sh -c 'cat /var/log/tcplogd/main.log 2>/dev/null' |
		    grep -Ec -e "$1")" -ge "$2" ]
	}
	twait 30 lr_count 'la-[0-9]{6}$' 50000 || {
		ck_fail "the first 50000 lines did not reach main.log"
		return 1
	}
	# B sends batches of 1000 lines until the rotation is over (at most
	# 3000), then says how many.
	ct -t 60 sh -c '{ i=0; while [ ! -e /run/lr-go ] && [ $i -lt 3000 ]
	    do seq -f "lb-$i-%04g" 1 1000; i=$((i + 1)); sleep 0.01; done
	    echo $i > /run/lr-b; } | nc -q1 127.0.0.1 1234' &
	lr_b=$!
	bg_track "$lr_b"
	twait 10 lr_count 'lb-[0-9]+-[0-9]{4}$' 1 || {
		ck_fail "the second connection's lines do not arrive"
		return 1
	}
	ct logrotate -f /etc/logrotate.d/tcplogd > "$DIR/logrotate.out" 2>&1 ||
	    {
		ck_fail "logrotate failed: $(head -n 5 "$DIR/logrotate.out")"
		return 1
	}
	ct touch /run/lr-go
	wait_pid "$lr_a" 60 > /dev/null
	wait_pid "$lr_b" 60 > /dev/null
	lr_total=$((100000 + 1000 * $(ct cat /run/lr-b)))
	lr_all() {
		ct sh -c 'cat /var/log/tcplogd/main.log.1 \
		    /var/log/tcplogd/main.log' 2>/dev/null |
		    grep -Eo 'l(a-[0-9]{6}|b-[0-9]+-[0-9]{4})$' > "$DIR/lr.all"
		[ "$(wc -l < "$DIR/lr.all")" -ge "$lr_total" ]
	}
	twait 30 lr_all || {
		ck_fail "$(wc -l < "$DIR/lr.all") of $lr_total lines in" \
		    "main.log.1 and main.log"
		return 1
	}
	lr_rc=0
	lr_dup=$(sort "$DIR/lr.all" | uniq -d | wc -l)
	lr_n=$(sort -u "$DIR/lr.all" | wc -l)
	log "$lr_n distinct lines of $lr_total sent, $lr_dup twice"
	[ "$lr_dup" -eq 0 ] && [ "$lr_n" -eq "$lr_total" ] || {
		ck_fail "$lr_n distinct lines, $lr_dup twice"
		lr_rc=1
	}
	lr_old=$(ct cat /var/log/tcplogd/main.log.1 | grep -c 'lb-')
	lr_new=$(ct cat /var/log/tcplogd/main.log | grep -c 'lb-')
	log "rotated: B's lines: $lr_old in main.log.1, $lr_new in main.log"
	[ "$lr_old" -ge 1 ] && [ "$lr_new" -ge 1 ] || {
		ck_fail "the rotation did not split the records"
		lr_rc=1
	}
	lr_st=$(ct stat -L -c '%U:%G %a' /var/log/tcplogd/main.log)
	log "new main.log: $lr_st; $(ct ls -ld /var/log/tcplogd)"
	case $lr_st in
	*:adm\ [0-7][4-7]?)
		;;
	*)
		ck_fail "the new main.log is not readable by group adm: $lr_st"
		lr_rc=1
		;;
	esac
	ct setpriv --reuid=65534 --regid=65534 --groups="$(ct getent group \
	    adm | cut -d: -f3)" head -c 1 /var/log/tcplogd/main.log \
	    > /dev/null 2>&1 || {
		ck_fail "a member of adm cannot read /var/log/tcplogd/main.log"
		lr_rc=1
	}
	ct systemctl stop tcplogd
	return "$lr_rc"
}

# 100000 lines through nc, all in the journal, nothing suppressed.  Once
# STATUS= says tcplogd wrote them (it is sent every 5 s) the journal has
# 10 s more.
check_flood()
{
	restart_with || true
	ct -t 60 sh -c 'seq -f "fl-%06g" 1 100000 | nc -q1 127.0.0.1 1234'
	fl_written() {
		fl_s=$(unit_prop tcplogd.service StatusText)
		fl_r=$(echo "$fl_s" | sed -n 's/.* \([0-9]*\) records.*/\1/p')
		[ "${fl_r:-0}" -ge 100000 ] && case $fl_s in
		*" 0 connections"*)
			return 0
			;;
		esac
		return 1
	}
	twait 30 fl_written ||
	    log "STATUS= still says: $(unit_prop tcplogd.service StatusText)"
	fl_rc=0
	twait 10 has_jcount '^main 127\.0\.0\.1:[0-9]+: fl-[0-9]{6}$' \
	    100000 || {
		ck_fail "$(jcount 'fl-[0-9]{6}$') of 100000 lines in the journal"
		fl_rc=1
	}
	fl_sup=$(ct journalctl --no-pager -o cat | grep 'Suppressed.*tcplogd')
	[ -z "$fl_sup" ] || {
		ck_fail "journald: $fl_sup"
		fl_rc=1
	}
	return "$fl_rc"
}

# run_check NAME [ARGS]: check_NAME, its result counted and reported.
passed=
failed=
known=
xpassed=
run_check()
{
	ck_name=$1
	[ -z "${2:-}" ] || ck_name=${1}_$2
	rc_t0=$(date +%s)
	if "check_$1" ${2:+"$2"}; then
		rc_res=pass
	else
		rc_res=fail
	fi
	case " $known_broken " in
	*" $ck_name "*)
		rc_res=known-$rc_res
		;;
	esac
	case $rc_res in
	pass)
		passed="$passed $ck_name"
		;;
	fail)
		failed="$failed $ck_name"
		;;
	known-fail)
		known="$known $ck_name"
		;;
	known-pass)
		xpassed="$xpassed $ck_name"
		;;
	esac
	log "check $ck_name: $rc_res ($(($(date +%s) - rc_t0)) s)"
}

# The build without libsystemd first, then the one with it, which stays.
install_build nosd
run_check start "$BUILD"
run_check socket nosd
install_build sd
run_check start "$BUILD"
run_check user
run_check user_static
run_check security
run_check journal_fields
run_check reload_good
run_check reload_bad
run_check reload_apply
run_check stop_idle
run_check logrotate
run_check socket sd
run_check flood

log "passed:${passed:- none}"
log "failed:${failed:- none}"
log "known broken (fixed on a branch not merged yet):${known:- none}"
log "known broken but passed (take them off known_broken):${xpassed:- none}"
log "all: $(($(date +%s) - t_start)) s"
[ -z "$failed" ] && [ -z "$xpassed" ] ||
    fail "failed:$failed${xpassed:+; passed but listed as broken:$xpassed}"
exit 0

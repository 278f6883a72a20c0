# Copyright (c) 2026 The tcplogd developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

# lib.sh: sourced by every integration test (POSIX sh).
#
# It re-runs the test under timeout(1), makes a private directory $DIR,
# writes configs that listen on 127.0.0.1 port 0, starts tcplogd with a
# port file and waits for it, and offers bounded waits on files.  A trap
# always kills the daemon and the helpers; $DIR is removed when the test
# passes or skips and kept (its path printed) when it fails.
#
# Rules for every test, these and later ones.  The suite runs on busy
# machines, under ASan and valgrind, and two clones may run it at once:
#
# - Isolation: nothing fixed outside $DIR.  Files, FIFOs and unix sockets
#   go in $DIR; servers listen on 127.0.0.1 or [::1] with port 0 and a
#   port file (a program that cannot take port 0 gets a random port
#   outside the kernel's ephemeral range, retried when busy: socketact.sh);
#   /dev/log, mounts and the like only in a private mount namespace
#   (unshare -m, private_dev); real programs (rsyslog, HAProxy, systemd)
#   get their work, pid and state files in $DIR.
# - Time: every wait is bounded and multiplied by $scale
#   (TCPLOGD_TIMEOUT_SCALE); no sleep stands in for an event that can be
#   waited for (wait_until and the wait_* helpers); a bound is what a
#   correct tcplogd never needs, not how long it usually takes.  Assert
#   what tcplogd guarantees, never how fast another process (a client,
#   tail, a syslog daemon) is scheduled: wait for that process to be
#   where the test needs it (/proc/PID/fd, fdinfo, its output), or make it
#   wait for the test (tcplogd-send runs until SIGUSR1 with a large -n).
# - Load: every load loop is bounded in count and time.  A load test (many
#   connections, lines or bytes; with real programs such as rsyslog or
#   HAProxy too) runs at full size in the plain build and at
#   TCPLOGD_LOAD_PERCENT of it elsewhere (default 10 under a wrapper or
#   a sanitizer build, 100 otherwise): size it with "load N".  A size that
#   is the point of the test (more than the kernel's buffers, past a
#   4 MiB threshold) stays as it is.  The whole CI (.ci/setup.sh test)
#   runs every integration test four times (plain, ASan, valgrind,
#   distcheck at TCPLOGD_LOAD_PERCENT=10) and must stay under 45 minutes
#   on a fresh 2-core machine; the end of every test's log says how long
#   it took.
#
# Environment (set by tests/integration/Makefile.am, or by hand):
#   TCPLOGD               the daemon (default: ../../src/tcplogd)
#   TCPLOGD_SEND          the tcplogd-send helper (default: ./tcplogd-send)
#   TCPLOGD_SYSLOG_RECV   the tcplogd-syslog-recv helper
#   TCPLOGD_WRAPPER       command to run the daemon under, e.g.
#                         "valgrind --error-exitcode=1 --leak-check=full"
#   TCPLOGD_TIMEOUT_SCALE integer factor for every time bound (default 10
#                         under a wrapper, 3 for a sanitizer build, else 1)
#   TCPLOGD_LOAD_PERCENT  size of the load tests, 1 to 100 (default 10
#                         under a wrapper or for a sanitizer build, else 100)
#   TCPLOGD_KEEP          if set, keep $DIR even when the test passes
#   TMPDIR                where $DIR is made (default /tmp)
# A test may set TEST_TIMEOUT (seconds, default 60) before sourcing.
#
# Exit status (automake): 0 pass, 1 fail, 77 skip, 99 hard error.

LC_ALL=C
export LC_ALL
unset JOURNAL_STREAM	# tcplogd must see a plain file, not the journal

test_name=$(basename "$0" .sh)
: "${TCPLOGD:=$(pwd)/../../src/tcplogd}"
: "${TCPLOGD_SEND:=$(pwd)/tcplogd-send}"
: "${TCPLOGD_SYSLOG_RECV:=$(pwd)/tcplogd-syslog-recv}"
: "${TCPLOGD_WRAPPER:=}"

# instrumented: the daemon runs under a wrapper (valgrind) or is a
# sanitizer build, so it is several times slower and its RSS says little.
instrumented()
{
	[ -n "$TCPLOGD_WRAPPER" ] ||
	    grep -aq -e __asan_init -e __ubsan_handle "$TCPLOGD" 2>/dev/null
}

# The defaults of the two scales, worked out once (the timed re-run
# below inherits them).  Measured here, ASan and UBSan at -O0 make the
# daemon 1.5 (accepting connections) to 10 times (formatting) slower,
# valgrind memcheck 10 to 30 times.
if [ -z "${TCPLOGD_TIMEOUT_SCALE:-}" ]; then
	if [ -n "$TCPLOGD_WRAPPER" ]; then
		TCPLOGD_TIMEOUT_SCALE=10
	elif instrumented; then
		TCPLOGD_TIMEOUT_SCALE=3
	else
		TCPLOGD_TIMEOUT_SCALE=1
	fi
fi
if [ -z "${TCPLOGD_LOAD_PERCENT:-}" ]; then
	TCPLOGD_LOAD_PERCENT=100
	instrumented && TCPLOGD_LOAD_PERCENT=10
fi
export TCPLOGD_TIMEOUT_SCALE TCPLOGD_LOAD_PERCENT
scale=$TCPLOGD_TIMEOUT_SCALE
case $scale in
''|*[!0-9]*|0)
	echo "$test_name: TCPLOGD_TIMEOUT_SCALE must be a positive integer" >&2
	exit 99
	;;
esac
case $TCPLOGD_LOAD_PERCENT in
[1-9]|[1-9][0-9]|100)
	;;
*)
	echo "$test_name: TCPLOGD_LOAD_PERCENT must be 1 to 100" >&2
	exit 99
	;;
esac

# Run the whole test under timeout(1), once.  timeout(1) makes its own
# process group and signals all of it, so nothing survives a hung test.
# The log ends with the time the test took and the scales it ran at.
if [ -z "${TCPLOGD_TEST_TIMED:-}" ]; then
	TCPLOGD_TEST_TIMED=1
	export TCPLOGD_TEST_TIMED
	lib_limit=$((${TEST_TIMEOUT:-60} * scale))
	lib_t0=$(date +%s)
	timeout -k 10 "$lib_limit" /bin/sh "$0" "$@"
	lib_rc=$?
	echo "$test_name: exit $lib_rc after $(($(date +%s) - lib_t0)) s" \
	    "(limit $lib_limit s; timeout scale $scale," \
	    "load $TCPLOGD_LOAD_PERCENT%)"
	if [ "$lib_rc" -eq 124 ] || [ "$lib_rc" -eq 137 ]; then
		echo "FAIL: $test_name: timed out after $lib_limit seconds" >&2
		exit 1
	fi
	exit "$lib_rc"
fi

# load N [MIN]: N scaled to TCPLOGD_LOAD_PERCENT, at least MIN (default
# 1): the size of a load (connections, lines, bytes, rounds).
load()
{
	ld_n=$(($1 * TCPLOGD_LOAD_PERCENT / 100))
	[ "$ld_n" -ge "${2:-1}" ] || ld_n=${2:-1}
	echo "$ld_n"
}

DIR=
DPID=
BGPIDS=

# Messages.  fail: the test failed; skip: cannot run here; hard_error:
# the test itself or its environment is broken.
log()
{
	echo "$test_name: $*"
}

fail()
{
	echo "FAIL: $test_name: $*" >&2
	exit 1
}

skip()
{
	echo "SKIP: $test_name: $*" >&2
	exit 77
}

hard_error()
{
	echo "ERROR: $test_name: $*" >&2
	exit 99
}

# Kill what we started, then keep or remove $DIR.
lib_exit()
{
	lib_rc=$1
	trap - EXIT INT TERM HUP
	for lib_p in $DPID $BGPIDS; do
		kill -KILL "$lib_p" 2>/dev/null
	done
	if [ -n "$DIR" ] && [ -d "$DIR" ]; then
		if { [ "$lib_rc" -eq 0 ] || [ "$lib_rc" -eq 77 ]; } &&
		    [ -z "${TCPLOGD_KEEP:-}" ]; then
			rm -rf "$DIR"
		elif [ "$lib_rc" -ne 0 ] && [ "$lib_rc" -ne 77 ]; then
			echo "$test_name: exit $lib_rc; files kept in $DIR" >&2
			if [ -s "$DIR/err" ]; then
				echo "--- last lines of $DIR/err:" >&2
				tail -n 20 "$DIR/err" >&2
			fi
		fi
	fi
	exit "$lib_rc"
}
trap 'lib_exit $?' EXIT
trap 'exit 1' INT TERM HUP

[ -x "$TCPLOGD" ] || hard_error "TCPLOGD: not an executable: $TCPLOGD"
[ -x "$TCPLOGD_SEND" ] ||
    hard_error "TCPLOGD_SEND: not an executable: $TCPLOGD_SEND"

DIR=$(mktemp -d "${TMPDIR:-/tmp}/tcplogd-$test_name.XXXXXX") ||
    hard_error "cannot make a temporary directory"
CONF=$DIR/tcplogd.conf
OUT=$DIR/out
ERR=$DIR/err
PORTS=$DIR/ports

# Bounded waiting: wait_until SECONDS COMMAND [ARGS...] runs COMMAND every
# 20 ms until it succeeds, at most SECONDS * scale seconds' worth of tries.
wait_until()
{
	wu_n=$(($1 * scale * 50))
	shift
	while [ "$wu_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.02
		wu_n=$((wu_n - 1))
	done
	"$@"
}

# Conditions for wait_until.
has_lines()		# FILE N: FILE has at least N lines
{
	[ -f "$1" ] && [ "$(wc -l < "$1")" -ge "$2" ]
}

has_match()		# FILE ERE: a line of FILE matches ERE
{
	[ -f "$1" ] && grep -Eq -e "$2" "$1"
}

has_count()		# FILE ERE N: at least N lines of FILE match ERE
{
	[ -f "$1" ] && [ "$(grep -Ec -e "$2" "$1")" -ge "$3" ]
}

# Waits that fail the test when the time is up.  The optional last
# argument is the bound in seconds (times scale), default 10.
wait_lines()		# FILE N [SECONDS]
{
	wait_until "${3:-10}" has_lines "$1" "$2" ||
	    fail "timed out waiting for $2 lines in $1" \
	    "(it has $(wc -l < "$1" 2>/dev/null || echo no) lines)"
}

wait_match()		# FILE ERE [SECONDS]
{
	wait_until "${3:-10}" has_match "$1" "$2" ||
	    fail "timed out waiting for /$2/ in $1"
}

wait_count()		# FILE ERE N [SECONDS]
{
	wait_until "${4:-10}" has_count "$1" "$2" "$3" ||
	    fail "timed out waiting for $3 lines matching /$2/ in $1" \
	    "(found $(grep -Ec -e "$2" "$1" 2>/dev/null))"
}

# Process state: proc_alive PID succeeds while PID runs (not a zombie).
proc_alive()
{
	pa_state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	case $pa_state in
	Z*|X*|'')
		return 1
		;;
	esac
	return 0
}

proc_gone()
{
	! proc_alive "$1"
}

# wait_pid PID [SECONDS]: wait (bounded) for a child to exit; returns its
# exit status.  Fails the test if it does not exit in time.
wait_pid()
{
	wait_until "${2:-10}" proc_gone "$1" ||
	    fail "process $1 did not exit within $((${2:-10} * scale))s"
	wait "$1"
}

# Remember a background process so that the trap kills it.
bg_track()
{
	BGPIDS="$BGPIDS $1"
}

# Configs.  config_global [KEY=VALUE...] starts $CONF with a [tcplogd]
# section; config_listener NAME [KEY=VALUE...] appends a listener, with
# "listen = 127.0.0.1:0" unless a listen= is given.  write_config
# [KEY=VALUE...] writes a config with the one listener "main".
config_kv()
{
	for ck_kv in "$@"; do
		printf '%s = %s\n' "${ck_kv%%=*}" "${ck_kv#*=}"
	done
}

config_global()
{
	{
		echo "[tcplogd]"
		config_kv "$@"
	} > "$CONF"
}

config_listener()
{
	cl_name=$1
	shift
	{
		echo
		echo "[listener $cl_name]"
		case " $* " in
		*" listen="*)
			;;
		*)
			echo "listen = 127.0.0.1:0"
			;;
		esac
		config_kv "$@"
	} >> "$CONF"
}

write_config()
{
	config_global
	config_listener main "$@"
}

# The daemon.  start_daemon [ARGS...] runs
#   $TCPLOGD_WRAPPER $TCPLOGD -f $CONF -P $PORTS ARGS
# in the background, stdout to $OUT (or $DAEMON_STDOUT, e.g. a FIFO),
# stderr to $ERR, and waits until the port file exists and the "ready"
# line is on stderr.  The pid is $DPID.
daemon_started()
{
	[ -s "$PORTS" ] && grep -Eq '^(tcplogd: |<[0-7]>)ready \(' "$ERR" &&
	    return 0
	proc_alive "$DPID" && return 1
	wait "$DPID"
	sd_rc=$?
	DPID=
	fail "tcplogd exited with status $sd_rc at startup"
}

start_daemon()
{
	[ -z "$DPID" ] || hard_error "start_daemon: a daemon is running"
	rm -f "$PORTS"
	# shellcheck disable=SC2086 # the wrapper is a command line
	$TCPLOGD_WRAPPER "$TCPLOGD" -f "$CONF" -P "$PORTS" "$@" \
	    > "${DAEMON_STDOUT:-$OUT}" 2> "$ERR" < /dev/null &
	DPID=$!
	wait_until 20 daemon_started ||
	    fail "tcplogd did not write $PORTS and \"ready\" in time"
}

# fifo_reader: make the daemon's stdout a FIFO that a background cat
# copies to $DIR/sink; its pid is $CAT_PID (stop it to stall the reader).
# Call before start_daemon.
fifo_reader()
{
	mkfifo "$DIR/fifo" || hard_error "mkfifo failed"
	cat "$DIR/fifo" > "$DIR/sink" &
	CAT_PID=$!
	bg_track "$CAT_PID"
	DAEMON_STDOUT=$DIR/fifo
}

daemon_alive()
{
	[ -n "$DPID" ] && proc_alive "$DPID"
}

# check_sanitizer FILE: fail on a sanitizer or valgrind report in FILE.
check_sanitizer()
{
	if grep -Eq 'ERROR: [A-Za-z]*Sanitizer|runtime error:|LeakSanitizer|ERROR SUMMARY: [1-9]' \
	    "$1"; then
		grep -E -A 20 'Sanitizer|runtime error:|ERROR SUMMARY' "$1" |
		    head -n 60 >&2
		fail "sanitizer or valgrind report in $1"
	fi
}

# stop_daemon [SECONDS]: send SIGTERM, require an exit within SECONDS
# (times scale, default 20) with status 0 and no sanitizer report.
stop_daemon()
{
	[ -n "$DPID" ] || hard_error "stop_daemon: no daemon"
	kill -TERM "$DPID" || fail "cannot signal tcplogd"
	wait_pid "$DPID" "${1:-20}"
	st_rc=$?
	DPID=
	check_sanitizer "$ERR"
	[ "$st_rc" -eq 0 ] || fail "tcplogd exited with status $st_rc"
}

# Ports from the port file: port_of NAME [N] prints the port of the Nth
# (default first) address of listener NAME; addr_of likewise ADDR:PORT.
addr_of()
{
	awk -v name="$1" -v n="${2:-1}" \
	    '$1 == name && ++i == n { print $2; exit }' "$PORTS"
}

port_of()
{
	po_addr=$(addr_of "$@")
	[ -n "$po_addr" ] || fail "no address of listener $1 in $PORTS"
	echo "${po_addr##*:}"
}

# tsend ARGS...: tcplogd-send with a time bound.
tsend()
{
	"$TCPLOGD_SEND" -t $((30 * scale)) "$@"
}

# tsend_bg OUT ERR ARGS...: tcplogd-send in the background, its stdout
# to OUT and stderr to ERR; its pid is $BG_PID, killed by the trap.
tsend_bg()
{
	tb_out=$1
	tb_err=$2
	shift 2
	"$TCPLOGD_SEND" -t $((60 * scale)) "$@" > "$tb_out" 2> "$tb_err" &
	BG_PID=$!
	bg_track "$BG_PID"
}

# peer_of FILE [CONN]: the local address of connection cN (default c0)
# from the -v output of tcplogd-send, which is the peer tcplogd sees.
peer_of()
{
	awk -v c="${2:-c0}" '$1 == c && $2 == "connected" { print $3; exit }' \
	    "$1"
}

# notes_said LISTENER TEXT: how many events the daemon's diagnostics
# (in $ERR) said for LISTENER whose text is TEXT (an ERE).  A listener
# says such things at most once a second: "NAME: PEER: TEXT", then
# "NAME: PEER: TEXT (N more)" for what the second held back.
notes_said()
{
	sed -En "s/^tcplogd: $1: [^ ]+: $2( \(([0-9]+) more\))?\$/x\2/p" \
	    "$ERR" | awk '{ n += 1 + substr($0, 2) } END { print n + 0 }'
}

# records_of FILE PEER: the lines of FILE (timestamps = no) about PEER.
records_of()
{
	awk -v p="$2" '$2 == p || $2 == p ":"' "$1"
}

# expect_file EXPECTED ACTUAL: the files must be equal.
expect_file()
{
	if ! cmp -s "$1" "$2"; then
		diff -u "$1" "$2" >&2 || true
		fail "$2 differs from the expected $1"
	fi
}

# cat_rotated FILE N: FILE.1 .. FILE.N (renamed by a test, oldest first),
# then FILE.
cat_rotated()
{
	cr_i=1
	while [ "$cr_i" -le "$2" ]; do
		cat "$1.$cr_i"
		cr_i=$((cr_i + 1))
	done
	cat "$1"
}

# rotated_done FILE N NCONN: FILE.1 .. FILE.N and FILE hold NCONN
# disconnect records (for wait_until).
rotated_done()
{
	[ "$(cat_rotated "$1" "$2" | grep -c ' disconnected ')" -ge "$3" ]
}

# check_rotated_whole FILE N: each of FILE.1 .. FILE.N is not empty and
# ends with a whole line.
check_rotated_whole()
{
	crw_i=1
	while [ "$crw_i" -le "$2" ]; do
		[ -s "$1.$crw_i" ] || fail "$1.$crw_i is empty"
		[ "$(tail -c 1 "$1.$crw_i" | od -An -tx1 | tr -d ' ')" = 0a ] ||
		    fail "$1.$crw_i does not end with a whole line"
		crw_i=$((crw_i + 1))
	done
}

# check_generated SENDOUT OUTFILE LISTENER NCONN NLINE SIZE: OUTFILE
# (timestamps = no) has the records of NCONN connections of tcplogd-send
# -v -n NLINE -s SIZE (whose output is SENDOUT): every line exactly once,
# whole, in order, from the right peer, between connected and
# disconnected (closed by peer) with the right counts.  NLINE "-": each
# connection sent as many lines as its "sent N bytes" says (tcplogd-send
# stopped by SIGUSR1).
check_generated()
{
	awk -v name="$3" -v nconn="$4" -v nline="$5" -v size="$6" '
	function bad(msg) {
		print FILENAME ":" FNR ": " msg ": " $0 > "/dev/stderr"
		errors++
		if (errors > 20)
			exit 1
	}
	# The lines connection c sent.
	function lines_of(c) {
		if (nline != "-")
			return nline
		if (!(c in sent) || sent[c] % (size + 1) != 0)
			return -1
		return sent[c] / (size + 1)
	}
	FILENAME == ARGV[1] {		# tcplogd-send -v output
		if ($2 == "connected")
			conn_of[$3] = substr($1, 2)
		if ($2 == "sent" && $4 == "bytes")
			sent[substr($1, 2)] = $3
		next
	}
	$1 != name {
		bad("not listener " name)
		next
	}
	$3 == "connected" && NF == 3 {
		if ($2 in seen)
			bad("connected twice")
		seen[$2] = 1
		next
	}
	$3 == "disconnected" {
		if (!($2 in seen) || ($2 in closed))
			bad("disconnected without connected, or twice")
		closed[$2] = 1
		dn = lines_of(conn_of[$2])
		want = "(closed by peer) " dn " records " \
		    dn * (size + 1) " bytes"
		rest = $0
		sub(/^[^ ]+ [^ ]+ disconnected /, "", rest)
		if (dn < 0 || rest != want)
			bad("wrong disconnect record, want " want)
		next
	}
	{
		peer = $2
		sub(/:$/, "", peer)
		if (!(peer in seen) || (peer in closed)) {
			bad("data outside the connection")
			next
		}
		data = $0
		sub(/^[^ ]+ [^ ]+: /, "", data)
		if (length(data) != size || data !~ /^c[0-9]+-l[0-9]+ x+$/) {
			bad("mangled line")
			next
		}
		split(data, f, /[-l ]+/)
		c = substr(f[1], 2)
		l = f[2]
		if (!(peer in conn_of) || conn_of[peer] != c)
			bad("line of c" c " attributed to peer " peer)
		if (count[c, l]++)
			bad("duplicate line")
		if (l != next_line[peer] + 0)
			bad("out of order, expected line " next_line[peer] + 0)
		next_line[peer] = l + 1
		total++
	}
	END {
		if (errors)
			exit 1
		for (p in seen) {
			n++
			if (!(p in closed)) {
				print "no disconnect for " p > "/dev/stderr"
				exit 1
			}
			want = lines_of(conn_of[p])
			if (want < 0 || next_line[p] != want) {
				print p ": " next_line[p] " lines, want " want \
				    > "/dev/stderr"
				exit 1
			}
			all += want
		}
		if (n != nconn || total != all) {
			print n " connections, " total " lines" > "/dev/stderr"
			exit 1
		}
	}' "$1" "$2" || fail "$2: wrong records"
}

# fixed_port TRY: a port for a program that cannot take port 0, random
# (seeded with the test's pid and TRY) outside the kernel's ephemeral
# range (ip_local_port_range), where no client of this or another test
# gets its port; with room for the next port too.  A caller that finds
# it taken tries again with the next TRY.
fixed_port()
{
	fp_eph=$(cat /proc/sys/net/ipv4/ip_local_port_range) ||
	    hard_error "cannot read ip_local_port_range"
	echo "$fp_eph" | awk -v s="$$$1" '{
		srand(s)
		# 10000 .. lo - 2, else hi + 1 .. 65534
		if ($1 > 11000)
			print 10000 + int(rand() * ($1 - 10001))
		else
			print $2 + 1 + int(rand() * (65534 - $2))
	}'
}

# listening PORT: something listens on 127.0.0.1:PORT (/proc/net/tcp).
listening()
{
	ln_hex=$(printf '%04X' "$1")
	grep -q "^ *[0-9]*: 0100007F:$ln_hex [0-9A-F:]* 0A " /proc/net/tcp
}

# start_haproxy WRITER: HAProxy (Debian's haproxy) in the foreground,
# on a fixed_port: WRITER PORT writes its configuration to stdout, whose
# frontend binds 127.0.0.1:PORT; the next port is tried when that one is
# taken.  Sets HPORT and HPID (killed by the trap); its output is in
# $DIR/haproxy.out.
start_haproxy()
{
	sh_try=0
	while :; do
		sh_try=$((sh_try + 1))
		[ "$sh_try" -le 20 ] || hard_error "no free port for HAProxy"
		HPORT=$(fixed_port "$sh_try")
		"$1" "$HPORT" > "$DIR/haproxy.cfg"
		haproxy -db -f "$DIR/haproxy.cfg" > "$DIR/haproxy.out" 2>&1 &
		HPID=$!
		bg_track "$HPID"
		wait_until 10 listening "$HPORT" && return 0
		proc_alive "$HPID" && hard_error "HAProxy runs but does" \
		    "not listen: $(cat "$DIR/haproxy.out")"
		grep -q 'cannot bind\|Address already in use' \
		    "$DIR/haproxy.out" ||
		    hard_error "HAProxy failed: $(cat "$DIR/haproxy.out")"
	done
}

# rss_kb PID: resident set size in KiB.
rss_kb()
{
	awk '/^VmRSS:/ { print $2; exit }' "/proc/$1/status" 2>/dev/null
}

# need_jq: skip the test when jq(1) is missing (the set-up installs it).
need_jq()
{
	command -v jq > /dev/null 2>&1 || skip "jq is not installed"
}

# check_json FILE: every line of FILE is one JSON object (jq parses it
# alone), FILE ends with a newline, and the lines are valid UTF-8 with no
# raw C0 control, DEL, C1 control, U+2028 or U+2029 in them.
check_json()
{
	cj_n=$(wc -l < "$1")
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -tx1 | tr -d ' ')" != 0a ]; then
		fail "$1: the last line has no newline"
	fi
	jq -R -r 'try (fromjson | if type == "object" then "ok"
	    else "not an object" end) catch "not JSON"' < "$1" \
	    > "$DIR/check_json.out" 2>&1 || fail "$1: jq failed"
	awk -v n="$cj_n" '
	$0 != "ok" {
		print "line " NR ": " $0 > "/dev/stderr"
		bad++
	}
	END {
		if (NR != n) {
			print NR " results for " n " lines" > "/dev/stderr"
			bad++
		}
		exit bad != 0
	}' "$DIR/check_json.out" || fail "$1: not one JSON object per line"
	# Strict UTF-8 (no surrogates, nothing over U+10FFFF, no overlong
	# forms) where a UTF-8 locale exists.
	if printf '\303\251\n' | LC_ALL=C.UTF-8 grep -qax '.' 2>/dev/null; then
		if LC_ALL=C.UTF-8 grep -naxv '.*' "$1" > "$DIR/check_json.bad"; then
			head -c 300 "$DIR/check_json.bad" | od -c | head >&2
			fail "$1: invalid UTF-8"
		fi
	fi
	cj_raw=$(tr -d '\n\040-\176\200-\377' < "$1" | wc -c)
	[ "$cj_raw" -eq 0 ] ||
	    fail "$1: $cj_raw raw control bytes (C0 or DEL)"
	if grep -q -e "$(printf '\302[\200-\237]')" \
	    -e "$(printf '\342\200[\250\251]')" "$1"; then
		fail "$1: a raw C1 control, U+2028 or U+2029"
	fi
}

# private_dev: as root in a private mount namespace (unshare -m), cover
# /dev with a tmpfs holding only null, zero, full, random, urandom and
# the fd links, so that a test can put its own syslog receiver at
# /dev/log.  Nothing changes outside the namespace.
private_dev()
{
	mkdir "$DIR/stage" || hard_error "mkdir"
	for pd_n in null zero full random urandom; do
		[ -c "/dev/$pd_n" ] || continue
		: > "$DIR/stage/$pd_n"
		mount --bind "/dev/$pd_n" "$DIR/stage/$pd_n" ||
		    hard_error "cannot bind /dev/$pd_n"
	done
	mount -t tmpfs -o mode=0755,size=1m tcplogd-test-dev /dev ||
	    hard_error "cannot mount a tmpfs on /dev"
	for pd_n in null zero full random urandom; do
		[ -e "$DIR/stage/$pd_n" ] || continue
		: > "/dev/$pd_n"
		mount --move "$DIR/stage/$pd_n" "/dev/$pd_n" ||
		    hard_error "cannot move /dev/$pd_n"
	done
	ln -s /proc/self/fd /dev/fd
	ln -s /proc/self/fd/0 /dev/stdin
	ln -s /proc/self/fd/1 /dev/stdout
	ln -s /proc/self/fd/2 /dev/stderr
	[ ! -e /dev/log ] || hard_error "/dev/log exists in the private /dev"
}

# open_fds PID: how many descriptors PID has open (/proc/PID/fd).
open_fds()
{
	find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l
}

# reader_has_read PID FILE BYTES: process PID (a reader such as tail -F)
# has FILE (the file at that name now) open and has read at least BYTES
# of it: its offset there (/proc/PID/fdinfo) is that far.  For
# wait_until: a test waits for the reader instead of guessing its speed.
reader_has_read()
{
	rr_ino=$(stat -c %d:%i "$2" 2>/dev/null) || return 1
	for rr_fd in "/proc/$1/fd/"*; do
		[ "$(stat -L -c %d:%i "$rr_fd" 2>/dev/null)" = "$rr_ino" ] ||
		    continue
		rr_pos=$(sed -n 's/^pos:[[:space:]]*//p' \
		    "/proc/$1/fdinfo/${rr_fd##*/}" 2>/dev/null)
		[ "${rr_pos:-0}" -ge "$3" ] && return 0
	done
	return 1
}

# need_cmd COMMAND: skip the test when COMMAND is missing (the set-up
# installs what the tests run).
need_cmd()
{
	command -v "$1" > /dev/null 2>&1 || skip "$1 is not installed"
}

# need_python: skip the test when python3 ($PYTHON) is missing.  The
# system's own python3 comes first: it is what the tests mean (Debian's
# SysLogHandler), and a shim in PATH (pyenv) may take a second to start.
if [ -z "${PYTHON:-}" ]; then
	PYTHON=python3
	[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3
fi
need_python()
{
	need_cmd "$PYTHON"
}

# pyclient ARGS...: tcplogd-client.py (stamped lines, Python's
# SysLogHandler, streams cut into reads) with a time bound.
pyclient()
{
	TCPLOGD_CLIENT_TIMEOUT=$((30 * scale)) "$PYTHON" \
	    "${srcdir:-$(dirname "$0")}/tcplogd-client.py" "$@"
}

# The control socket and tcplogctl (issue 15).  A test gives the daemon
# control=$CTL in config_global; ctl ARGS... runs the real tcplogctl on
# it, every wait of it bounded (-t).
: "${TCPLOGCTL:=$(pwd)/../../src/tcplogctl}"
CTL=$DIR/control
ctl()
{
	"$TCPLOGCTL" -s "$CTL" -t $((10 * scale)) "$@"
}

# ctl_counter TYPE NAME KEY: the value of KEY in the stats of listener or
# output NAME (tcplogctl stats, text blocks "TYPE NAME" then "  KEY N").
ctl_counter()
{
	ctl stats | awk -v t="$1" -v n="$2" -v k="$3" '
	/^[^ ]/ { cur = ($1 == t && $2 == n) }
	cur && $1 == k { print $2; exit }'
}

# ctl_taps: how many taps the daemon has (tcplogctl status).
ctl_taps()
{
	ctl status | awk '$1 == "taps" { print $2; exit }'
}

has_taps()		# N: the daemon has N taps (for wait_until)
{
	[ "$(ctl_taps)" = "$1" ]
}

# jpeer PEER: the JSON fields tcplogd writes for a peer "IP:PORT" or
# "[IP6]:PORT": "peer":"PEER","peer_ip":"IP","peer_port":PORT (as is,
# for grep -F; jpeer_re gives it as an ERE).
jpeer()
{
	jp_ip=${1%:*}
	jp_ip=${jp_ip#\[}
	jp_ip=${jp_ip%]}
	printf '"peer":"%s","peer_ip":"%s","peer_port":%s' "$1" "$jp_ip" \
	    "${1##*:}"
}

jpeer_re()
{
	jpeer "$1" | sed 's/[].[]/\\&/g'
}

# refusals_said LISTENER REASON: how many refused connections the daemon's
# diagnostics (in $ERR) said for LISTENER whose reason is REASON (an ERE
# without parentheses).  A listener says them at most once a second per
# reason: "listener NAME: refused PEER (REASON)", then the same naming
# the first peer held back, with " (N more)".
refusals_said()
{
	sed -En "s|^tcplogd: listener $1: refused [^ ]+ \\($2\\)( \\(([0-9]+) more\\))?\$|x\\2|p" \
	    "$ERR" | awk '{ n += 1 + substr($0, 2) } END { print n + 0 }'
}

# conf_line KEY VALUE [FILE]: the line number of "KEY = VALUE" in FILE
# (default $CONF), as diagnostics name it ("FILE:LINE: ...").
conf_line()
{
	awk -v kv="$1 = $2" '$0 == kv { print NR; exit }' "${3:-$CONF}"
}

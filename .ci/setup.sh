#!/bin/sh
# Set up a Debian 12 machine for tcplogd, build it, then run or test it.
#
#   sh .ci/setup.sh run    install what is missing, build in build/ and run
#                          tcplogd in the foreground on etc/tcplogd.conf
#   sh .ci/setup.sh test   install, build build/ (plain) and build-asan/
#                          (-fsanitize=address,undefined), run the unit and
#                          integration tests on both, the integration tests
#                          once more under valgrind, the fuzz targets for
#                          a fixed number of runs, the configuration
#                          tests on the fuzz build (made without OpenSSL)
#                          and make distcheck;
#                          ends with one line "N passed, N failed"
#
# The load tests run at full size on the plain build only, at a tenth
# (TCPLOGD_LOAD_PERCENT=10) under ASan, valgrind and distcheck: see the
# top of tests/integration/lib.sh.  The whole run must stay under 45
# minutes on a fresh 2-core machine; each step says how long it took.
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)

# The integration tests also run real senders: util-linux logger (in
# bsdutils, which is essential), python3's SysLogHandler and rsyslog as a
# private forwarder.  Debian 12's rsyslog starts its own service only
# where systemd is PID 1 (its postinst runs deb-systemd-invoke under
# /run/systemd/system; there is no init script any more), and even then
# the tests that read syslog use a private /dev/log (syslog.sh).
# systemd-pid1.sh boots a debootstrap tree with systemd-nspawn.
PACKAGES="build-essential autoconf automake autoconf-archive pkg-config
libevent-dev libinih-dev libsystemd-dev check mandoc util-linux bsdutils
procps jq logrotate systemd valgrind clang libclang-rt-14-dev python3 rsyslog
libssl-dev openssl socat rsyslog-openssl haproxy
lnav debootstrap systemd-container"

install_packages() {
	missing=
	for p in $PACKAGES; do
		if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed'; then
			missing="$missing $p"
		fi
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: run as root to install:$missing" >&2
		exit 1
	fi
	echo "setup: installing$missing"
	apt-get update -qq
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends $missing >/dev/null
}

# build DIR [configure options]: configure once, then make.
build() {
	dir=$1
	shift
	[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
	mkdir -p "$top/$dir"
	if [ ! -f "$top/$dir/Makefile" ]; then
		(cd "$top/$dir" && ../configure "$@" >configure.out) || {
			cat "$top/$dir/configure.out" "$top/$dir/config.log" >&2
			exit 1
		}
	fi
	make -C "$top/$dir" -j"$(nproc)" >/dev/null
}

passed=0
failed=0
skipped=0

# show_log LOG: a failed test's log; of a long one (a Check program's
# diagnostics run to thousands of lines) the lines that say what failed
# and the end.
show_log() {
	if [ "$(wc -l < "$1")" -le 200 ]; then
		cat "$1"
		return
	fi
	echo "($(wc -l < "$1") lines; the failures and the last 50 lines:)"
	grep -E '^[^ ]+:[0-9]+:[EF]:|^[0-9]+%: Checks|^(FAIL|ERROR)' "$1" |
	    head -n 50
	echo "..."
	tail -n 50 "$1"
}

# Count the automake test results under a build dir; show failed logs.
tally() {
	for trs in $(find "$1" -name '*.trs' | sort); do
		result=$(sed -n 's/^:test-result: //p' "$trs")
		case $result in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		*)
			failed=$((failed + 1))
			log=${trs%.trs}.log
			echo "==== FAIL: $2 ${log#"$top"/}"
			show_log "$log"
			;;
		esac
	done
}

# since T0: seconds from T0 (date +%s) to now.
since() {
	echo $(($(date +%s) - $1))
}

# suite DIR RESULTS LABEL [MAKE ARGS]: make check in DIR, count the
# results below RESULTS; a failure with no failed test (a build error)
# still counts.
suite() {
	dir=$1
	results=$2
	label=$3
	shift 3
	echo "setup: tests on the $label build"
	t0=$(date +%s)
	rc=0
	make -C "$dir" -k -j2 check "$@" >"$dir/check.out" 2>&1 || rc=$?
	before=$failed
	tally "$results" "$label"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		failed=$((failed + 1))
		echo "==== FAIL: make check in $dir"
		tail -n 50 "$dir/check.out"
	fi
	echo "setup: $label: $(since "$t0") s"
}

# step NAME COMMAND...: one pass/fail unit that is not an automake test.
step() {
	name=$1
	shift
	echo "setup: $name"
	t0=$(date +%s)
	if "$@" >"$top/build/$name.log" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "==== FAIL: $name"
		tail -n 100 "$top/build/$name.log"
	fi
	echo "setup: $name: $(since "$t0") s"
}

case ${1:-} in
run)
	install_packages
	build build
	exec "$top/build/src/tcplogd" -f "$top/etc/tcplogd.conf"
	;;
test)
	start=$(date +%s)
	install_packages
	t0=$(date +%s)
	build build --enable-werror
	# The sanitizer build also covers notify without libsystemd.
	build build-asan --enable-asan --enable-werror --enable-debug \
	    --without-libsystemd
	# The fuzz build is also the build without OpenSSL, whose tests
	# check that it refuses tls = yes (tlsbuild.sh).
	build build-fuzz --enable-fuzzing --enable-werror --without-openssl \
	    CC=clang
	echo "setup: builds: $(since "$t0") s"
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export ASAN_OPTIONS=detect_leaks=1
	suite build build/tests plain
	suite build-asan build-asan/tests asan TCPLOGD_TIMEOUT_SCALE=3 \
	    TCPLOGD_LOAD_PERCENT=10
	# valgrind memcheck: no errors, no leaks; time bounds scaled up.
	suite build/tests/integration build/tests/integration valgrind \
	    TCPLOGD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect" TCPLOGD_TIMEOUT_SCALE=10 \
	    TCPLOGD_LOAD_PERCENT=10
	# libFuzzer targets, a fixed number of runs with a fixed seed.
	suite build-fuzz/tests/fuzz build-fuzz/tests/fuzz fuzz
	suite build-fuzz/tests/integration build-fuzz/tests/integration \
	    no-openssl TESTS="tlsbuild.sh checkconfig.sh"
	# What distcheck adds is the tarball; the load ran full size above.
	step distcheck env TCPLOGD_LOAD_PERCENT=10 make -C build distcheck
	echo "$skipped skipped"
	echo "setup: $(since "$start") s in all"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	;;
*)
	echo "usage: sh .ci/setup.sh run | test" >&2
	exit 64
	;;
esac

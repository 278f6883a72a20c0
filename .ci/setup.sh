#!/bin/sh
# Set up a Debian 12 machine for tcplogd, build it, then run or test it.
#
#   sh .ci/setup.sh run    install what is missing, build in build/ and run
#                          tcplogd in the foreground on etc/tcplogd.conf
#   sh .ci/setup.sh test   install, build build/ (plain) and build-asan/
#                          (-fsanitize=address,undefined), run the unit and
#                          integration tests on both, the integration tests
#                          once more under valgrind, the fuzz targets for
#                          a fixed number of runs, and make distcheck;
#                          ends with one line "N passed, N failed"
set -eu

cd "$(dirname "$0")/.."
top=$(pwd)

PACKAGES="build-essential autoconf automake autoconf-archive pkg-config
libevent-dev libinih-dev libsystemd-dev check mandoc util-linux procps jq
systemd valgrind clang libclang-rt-14-dev"

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
			cat "$log"
			;;
		esac
	done
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
	rc=0
	make -C "$dir" -k -j2 check "$@" >"$dir/check.out" 2>&1 || rc=$?
	before=$failed
	tally "$results" "$label"
	if [ "$rc" -ne 0 ] && [ "$failed" -eq "$before" ]; then
		failed=$((failed + 1))
		echo "==== FAIL: make check in $dir"
		tail -n 50 "$dir/check.out"
	fi
}

# step NAME COMMAND...: one pass/fail unit that is not an automake test.
step() {
	name=$1
	shift
	echo "setup: $name"
	if "$@" >"$top/build/$name.log" 2>&1; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		echo "==== FAIL: $name"
		tail -n 100 "$top/build/$name.log"
	fi
}

case ${1:-} in
run)
	install_packages
	build build
	exec "$top/build/src/tcplogd" -f "$top/etc/tcplogd.conf"
	;;
test)
	install_packages
	build build --enable-werror
	# The sanitizer build also covers notify without libsystemd.
	build build-asan --enable-asan --enable-werror --enable-debug \
	    --without-libsystemd
	build build-fuzz --enable-fuzzing --enable-werror CC=clang
	export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
	export ASAN_OPTIONS=detect_leaks=1
	suite build build/tests plain
	suite build-asan build-asan/tests asan
	# valgrind memcheck: no errors, no leaks; time bounds scaled up.
	suite build/tests/integration build/tests/integration valgrind \
	    TCPLOGD_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect" TCPLOGD_TIMEOUT_SCALE=10
	# libFuzzer targets, a fixed number of runs with a fixed seed.
	suite build-fuzz/tests/fuzz build-fuzz/tests/fuzz fuzz
	step distcheck make -C build distcheck
	echo "$skipped skipped"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	;;
*)
	echo "usage: sh .ci/setup.sh run | test" >&2
	exit 64
	;;
esac

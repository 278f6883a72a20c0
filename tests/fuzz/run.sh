#!/bin/sh
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

# run.sh TARGET [LIBFUZZER-OPTION...]: the fixed run of one fuzz target
# that make check does (tests/fuzz/Makefile.am: LOG_COMPILER).
#
# The target runs over a copy of its seed corpus (corpus/NAME; the copy
# is where it adds inputs, so the source tree is never written), for a
# fixed number of runs from seed 1, so a run is the same every time.  A
# crash, a sanitizer report, a leak, a slow input (-timeout) or a run
# over FUZZ_TIMEOUT seconds fails the test; the input is kept in the
# build directory as NAME-crash-SHA1 (or -leak-, -timeout-) and shown.
#
# Environment:
#   corpora        the directory of the corpora (default: beside run.sh)
#   FUZZ_RUNS      runs instead of the target's default
#   FUZZ_TIMEOUT   seconds the whole run may take (default 600)
#
# Exit status (automake): 0 pass, 1 fail, 99 hard error.

LC_ALL=C
export LC_ALL

if [ $# -lt 1 ]; then
	echo "usage: run.sh TARGET [LIBFUZZER-OPTION...]" >&2
	exit 99
fi
prog=$1
shift
name=$(basename "$prog")
here=$(pwd)
case $prog in
/*) ;;
*) prog=$here/${prog#./} ;;
esac
src=$(cd "$(dirname "$0")" && pwd)
corpora=${corpora:-$src/corpus}

# Runs per target: together about a minute on two cores (make -j2 runs
# two targets at once).
case $name in
fuzz_line)	runs=100000; max_len=2048; dict= ;;
fuzz_octet)	runs=100000; max_len=2048; dict=$src/fuzz_octet.dict ;;
fuzz_format)	runs=100000; max_len=2048; dict= ;;
fuzz_config)	runs=80000; max_len=4096; dict=$src/fuzz_config.dict ;;
fuzz_syslog)	runs=100000; max_len=2048; dict=$src/fuzz_syslog.dict ;;
fuzz_proxy)	runs=100000; max_len=4200; dict=$src/fuzz_proxy.dict ;;
*)
	echo "run.sh: unknown target $name" >&2
	exit 99
	;;
esac
runs=${FUZZ_RUNS:-$runs}

if [ ! -x "$prog" ] || [ ! -d "$corpora/$name" ]; then
	echo "run.sh: $prog or $corpora/$name is missing" >&2
	exit 99
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tcplogd-$name.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 99' HUP INT TERM
mkdir "$tmp/corpus" || exit 99
cp "$corpora/$name"/* "$tmp/corpus/" || exit 99

# Run in $tmp with relative paths: fuzz_config's errors carry the path of
# its file, and what the errors say must not change between runs.
TCPLOGD_FUZZ_CONFIG=fuzz.conf
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=1
UBSAN_OPTIONS=${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}halt_on_error=1
UBSAN_OPTIONS=$UBSAN_OPTIONS:print_stacktrace=1
export TCPLOGD_FUZZ_CONFIG ASAN_OPTIONS UBSAN_OPTIONS

set -- -runs="$runs" -seed=1 -max_len="$max_len" -timeout=10 \
    -rss_limit_mb=2048 -reload=0 -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$here/$name-" \
    ${dict:+-dict="$dict"} "$@" corpus

rm -f "$here/$name"-crash-* "$here/$name"-leak-* "$here/$name"-timeout-* \
    "$here/$name"-oom-* "$here/$name"-slow-unit-*
# Without address space randomisation: libFuzzer's mutations take values
# from comparisons, pointers among them, and a run must not depend on
# where things were mapped.
norandom=
if setarch "$(uname -m)" -R true 2>/dev/null; then
	norandom="setarch $(uname -m) -R"
else
	echo "run.sh: setarch -R does not work here: runs may differ"
fi

echo "$name $*"
start=$(date +%s)
# shellcheck disable=SC2086 # $norandom is a command or nothing
(cd "$tmp" && exec timeout -k 10 "${FUZZ_TIMEOUT:-600}" $norandom "$prog" \
    "$@") >"$tmp/log" 2>&1
rc=$?
end=$(date +%s)

if [ "$rc" -eq 0 ] && grep -q '^Done [0-9]* runs' "$tmp/log"; then
	summary='INFO: Seed|INFO: seed corpus|#[0-9]+[[:space:]]+(INITED|DONE)'
	grep -E "^($summary|Done |stat::)" "$tmp/log"
	echo "PASS: $name: $runs runs in $((end - start)) s"
	exit 0
fi

tail -n 80 "$tmp/log"
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "FAIL: $name: not done after ${FUZZ_TIMEOUT:-600} s"
else
	echo "FAIL: $name: exit status $rc after $((end - start)) s"
fi
for f in "$here/$name"-crash-* "$here/$name"-leak-* "$here/$name"-timeout-* \
    "$here/$name"-oom-* "$here/$name"-slow-unit-*; do
	[ -f "$f" ] || continue
	echo "input kept as $f; reproduce with: $prog $f"
	od -A d -c "$f" | head -n 32
done
exit 1

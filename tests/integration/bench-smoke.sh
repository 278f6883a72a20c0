#!/bin/sh
# bench-smoke.sh: the benchmark scripts do not rot.  bench/run builds its
# C helpers (loadgen, check, floor, settle, syslogrecv) with cc into this
# test's directory and runs the tiny workload (4 connections x 1000
# lines) against the floor, tcplogd-stdout (also with CRLF) and
# tcplogd-file, and the RFC 5424 ones (tiny-octet-lf, tiny-octet,
# tiny-syslog-json: octet-counted into mode = octet-counted, and into
# mode = syslog with parse = syslog and JSON) against tcplogd-stdout;
# each prints one well-formed row with 0 errors.  Then bench/check, fed
# outputs with a line lost, two swapped, one twice, one changed, a line
# from the wrong peer, a disconnected record missing, and parsed syslog
# fields changed, lost or added, must find exactly those.  With OpenSSL,
# tiny-tls (TLS 1.3, a verified client certificate) against the TLS
# floor and tcplogd-stdout (skipped if tcplogd was built without it),
# and bench/check -V must find a connected record without TLS details.
# PROXY: tiny-proxy (loadgen -p v2 -a, proxy_protocol = v2, JSON)
# against tcplogd-stdout, and bench/check -p -a must find a record under
# the wrong client and one without "proxy"; with haproxy installed,
# tiny-haproxy (HAProxy in front of two tcplogd) gives a row whose
# records are in both.  Last,
# bench/compare runs the tiny workload twice on the floor and
# tcplogd-stdout, the sinks in turn, and writes its table and report.
# No timing is asserted, and Twisted, rsyslog and syslog-ng are not
# needed.  Skips when there is no cc, and under a wrapper: the
# scripts start tcplogd themselves, not under it, so the run would be
# the plain build's again.

TEST_TIMEOUT=90
# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

: "${top_srcdir:=$srcdir/../..}"
bench=$top_srcdir/bench
[ -f "$bench/run" ] || hard_error "no $bench/run"
command -v "${CC:-cc}" > /dev/null 2>&1 || skip "no C compiler (${CC:-cc})"
[ -z "$TCPLOGD_WRAPPER" ] ||
    skip "the benchmark scripts do not run tcplogd under TCPLOGD_WRAPPER"

# Everything the scripts make stays in $DIR (bench/compare's work
# directory goes in TMPDIR).
BENCH_BIN=$DIR/bin
BENCH_TMPDIR=$DIR
TMPDIR=$DIR
export BENCH_BIN BENCH_TMPDIR TMPDIR TCPLOGD

num='[0-9]+'
dec1='[0-9]+\.[0-9]'
dec2='[0-9]+\.[0-9]{2}'
dec3='[0-9]+\.[0-9]{3}'

# run_row SINK [ARGS...]: bench/run $workload (tiny) SINK; the row is
# $DIR/row.
workload=tiny
run_row()
{
	rr_sink=$1
	shift
	/bin/sh "$bench/run" "$@" "$workload" "$rr_sink" > "$DIR/row" \
	    2> "$DIR/run.err" ||
	    fail "bench/run $workload $rr_sink: exit $?: $(cat "$DIR/row" \
	    "$DIR/run.err")"
	[ "$(wc -l < "$DIR/row")" -eq 1 ] ||
	    fail "bench/run $workload $rr_sink: not one row: $(cat "$DIR/row")"
	grep -Eq "^\\| $workload \\| $rr_sink \\| $dec2 \\| $num \\| $dec1 \\| $dec3 \\| $dec3 \\| $dec1 \\| 0 \\| [^|]+ \\|\$" \
	    "$DIR/row" || fail "bench/run $workload $rr_sink: bad row or" \
	    "errors: $(cat "$DIR/row" "$DIR/run.err")"
	log "$(cat "$DIR/row")"
}

# The header has as many columns as a row.
/bin/sh "$bench/run" -H > "$DIR/header" || fail "bench/run -H failed"
[ "$(head -n 1 "$DIR/header" | tr -cd '|' | wc -c)" -eq 11 ] ||
    fail "header: $(cat "$DIR/header")"

run_row floor -k
kept=$(sed -n 's/^bench\/run: files kept in //p' "$DIR/run.err")
[ -f "$kept/out" ] || fail "bench/run -k kept no output: $(cat "$DIR/run.err")"
run_row tcplogd-stdout
BENCH_CRLF=1 run_row tcplogd-stdout
grep -q '| CRLF; ' "$DIR/row" || fail "BENCH_CRLF=1: $(cat "$DIR/row")"
run_row tcplogd-file -k
kept_t=$(sed -n 's/^bench\/run: files kept in //p' "$DIR/run.err")
[ -f "$kept_t/out" ] || fail "bench/run -k kept no output"

# check must see what is wrong: in the floor's output, c1 line 5 lost,
# c0 lines 10 and 11 swapped, c2 line 20 twice, c3 line 30 changed.
awk '
$1 ~ /^c1-l5$/ { next }
$1 ~ /^c0-l10$/ { held = $0; next }
$1 ~ /^c0-l11$/ { print; print held; next }
$1 ~ /^c2-l20$/ { print; print; next }
$1 ~ /^c3-l30$/ { sub(/.$/, "X"); print; next }
{ print }' "$kept/out" > "$DIR/bad"
"$BENCH_BIN/check" -n 4 -m 1000 -s 100 "$DIR/bad" > "$DIR/check.out" \
    2> "$DIR/check.err" && fail "check found nothing wrong"
grep -Fqx 'check: lines 4000 expected 4000 errors 5 (malformed 1 order 1 duplicate 1 missing 2 peer 0 events 0 fields 0)' \
    "$DIR/check.out" || fail "check: $(cat "$DIR/check.out" "$DIR/check.err")"
"$BENCH_BIN/check" -n 4 -m 1000 -s 100 "$kept/out" > "$DIR/check.out" ||
    fail "check: the good output: $(cat "$DIR/check.out")"

# And in tcplogd's: one disconnected record gone, one line from another
# connection's peer.
awk '
NR == FNR { if ($4 == "c0-l0") peer0 = $3; next }
/ disconnected / && !d++ { next }
$4 == "c2-l7" { $3 = peer0 }
{ print }' "$kept_t/out" "$kept_t/out" > "$DIR/bad_t"
"$BENCH_BIN/check" -f tcplogd -e -n 4 -m 1000 -s 100 "$DIR/bad_t" \
    > "$DIR/check.out" 2> "$DIR/check.err" && fail "check found nothing wrong"
grep -Eq 'errors [0-9]+ \(malformed 0 order 0 duplicate 0 missing 0 peer [1-9][0-9]* events [1-9]' \
    "$DIR/check.out" || fail "check: $(cat "$DIR/check.out" "$DIR/check.err")"
"$BENCH_BIN/check" -f tcplogd -e -n 4 -m 1000 -s 100 "$kept_t/out" \
    > "$DIR/check.out" || fail "check: tcplogd's output: $(cat "$DIR/check.out")"

# The RFC 5424 messages, LF-framed into mode = line, octet-counted into
# mode = octet-counted, and into mode = syslog parsed to JSON.
for workload in tiny-octet-lf tiny-octet tiny-syslog-json; do
	run_row tcplogd-stdout -k
done
kept_j=$(sed -n 's/^bench\/run: files kept in //p' "$DIR/run.err")
[ -f "$kept_j/out" ] || fail "bench/run -k kept no output"
# Which sink takes which workload.
/bin/sh "$bench/run" -a tiny-octet rsyslog || fail "bench/run -a: rsyslog"
/bin/sh "$bench/run" -a tiny-octet floor && fail "bench/run -a: floor"
/bin/sh "$bench/run" -a tiny syslog-ng && fail "bench/run -a: syslog-ng"

# check must see parsed fields gone wrong: c0 line 3's hostname changed,
# c1 line 4's msgid gone, one more field in c2 line 5's, c3 line 6's msg
# not its data's.
sed -e '/"c0-l3 /s/"hostname":"host"/"hostname":"hast"/' \
    -e '/"c1-l4 /s/"msgid":"ID47",//' \
    -e '/"c2-l5 /s/"syslog":{/"syslog":{"x":"-",/' \
    -e '/"c3-l6 /s/"msg":"c3-l6 /"msg":"c3-l6  /' \
    "$kept_j/out" > "$DIR/bad_j"
"$BENCH_BIN/check" -f tcplogd-json -e -o -y -n 4 -m 1000 -s 100 \
    "$DIR/bad_j" > "$DIR/check.out" 2> "$DIR/check.err" &&
    fail "check found nothing wrong"
grep -Fqx 'check: lines 4000 expected 4000 errors 4 (malformed 0 order 0 duplicate 0 missing 0 peer 0 events 0 fields 4)' \
    "$DIR/check.out" || fail "check: $(cat "$DIR/check.out" "$DIR/check.err")"

# TLS: loadgen -T with a client certificate, the TLS floor, tcplogd.
workload=tiny-tls
if ! pkg-config --exists openssl 2>/dev/null ||
    ! command -v openssl > /dev/null 2>&1; then
	log "no OpenSSL (libssl-dev, openssl): the TLS case is skipped"
else
	run_row floor
	grep -q '| TLSv1.3 [^|]*, client certificate; ' "$DIR/row" ||
	    fail "tiny-tls floor: $(cat "$DIR/row")"
	/bin/sh "$bench/run" -k tiny-tls tcplogd-stdout > "$DIR/row" \
	    2> "$DIR/run.err"
	rc=$?
	if [ "$rc" -eq 77 ]; then
		log "tiny-tls tcplogd-stdout: $(cat "$DIR/row")"
	else
		[ "$rc" -eq 0 ] && grep -Eq "^\\| tiny-tls \\| tcplogd-stdout \\| $dec2 \\| .*\\| 0 \\| TLSv1\\.3 [^|]*, client certificate; " \
		    "$DIR/row" || fail "bench/run tiny-tls tcplogd-stdout:" \
		    "exit $rc: $(cat "$DIR/row" "$DIR/run.err")"
		log "$(cat "$DIR/row")"
		kept_s=$(sed -n 's/^bench\/run: files kept in //p' \
		    "$DIR/run.err")
		sed '0,/ connected (/s/ connected (.*)$/ connected/' \
		    "$kept_s/out" > "$DIR/bad_s"
		"$BENCH_BIN/check" -f tcplogd -e -V -n 4 -m 1000 -s 100 \
		    "$DIR/bad_s" > "$DIR/check.out" 2> "$DIR/check.err" &&
		    fail "check -V found nothing wrong"
		grep -Fqx 'check: lines 4000 expected 4000 errors 1 (malformed 0 order 0 duplicate 0 missing 0 peer 0 events 1 fields 0)' \
		    "$DIR/check.out" ||
		    fail "check -V: $(cat "$DIR/check.out" "$DIR/check.err")"
	fi
fi

# PROXY v2 headers from loadgen, the clients they name in every record.
workload=tiny-proxy
run_row tcplogd-stdout -k
kept_p=$(sed -n 's/^bench\/run: files kept in //p' "$DIR/run.err")
[ -f "$kept_p/out" ] || fail "bench/run -k kept no output"
grep -q '"peer":"198\.51\.100\.1:1024","peer_ip":"198\.51\.100\.1","peer_port":1024,"proxy":"127\.0\.0\.1:' \
    "$kept_p/out" || fail "tiny-proxy: no proxied peer: $(head -n 2 \
    "$kept_p/out")"
/bin/sh "$bench/run" -a tiny-proxy floor && fail "bench/run -a: floor, PROXY"
# c2's last line under c3's client, c0 line 1 without "proxy".
sed -e '/"c2-l999 /s/198\.51\.100\.3:1024/198.51.100.4:1024/' \
    -e '/"c0-l1 /s/"proxy":"[^"]*",//' "$kept_p/out" > "$DIR/bad_p"
"$BENCH_BIN/check" -f tcplogd-json -e -p -a -n 4 -m 1000 -s 100 \
    "$DIR/bad_p" > "$DIR/check.out" 2> "$DIR/check.err" &&
    fail "check -p -a found nothing wrong"
if ! grep -Eq 'errors [0-9]+ \(malformed 0 order 0 duplicate 0 missing 0 peer [1-9][0-9]* ' \
    "$DIR/check.out" ||
    ! grep -q 'c2 from 198\.51\.100\.4:1024, not' "$DIR/check.err" ||
    ! grep -q 'no "proxy"' "$DIR/check.err"; then
	fail "check -p -a: $(cat "$DIR/check.out" "$DIR/check.err")"
fi
workload=tiny-haproxy
if command -v haproxy > /dev/null 2>&1; then
	run_row tcplogd-file
	grep -Eq '; HAProxy CPU [0-9.]+ s, records [1-9][0-9]* and [1-9][0-9]* in the two; health checks [0-9]+ \|$' \
	    "$DIR/row" || fail "tiny-haproxy: $(cat "$DIR/row")"
else
	log "no haproxy: the HAProxy case is skipped"
fi

BENCH_WARMUP_MB=0 /bin/sh "$bench/compare" -r 2 -W tiny \
    -S "floor tcplogd-stdout" -w "$DIR/report.md" > "$DIR/table" \
    2> "$DIR/compare.err" || fail "bench/compare: exit $?: $(tail -n 5 \
    "$DIR/compare.err")"
sed -n 's/^bench\/compare: tiny \([^ ]*\) (\(.*\))$/\1 \2/p' \
    "$DIR/compare.err" | tr '\n' ' ' > "$DIR/order"
[ "$(cat "$DIR/order")" = \
    "floor 1/2 tcplogd-stdout 1/2 floor 2/2 tcplogd-stdout 2/2 " ] ||
    fail "bench/compare: runs not in turn: $(cat "$DIR/order")"
for s in floor tcplogd-stdout; do
	grep -Eq "^\\| tiny \\| $s \\| .*\\| 0 \\| [^|]*median of 2 \\(CPU s of the 2: $dec3 least, $dec3 median, $dec3 most\\) \\|\$" \
	    "$DIR/table" || fail "bench/compare: no median row for $s:" \
	    "$(cat "$DIR/table")"
done
for want in '^## Targets' '^| tiny | tcplogd-stdout | '; do
	grep -q "$want" "$DIR/report.md" ||
	    fail "bench/compare -w: report: $(head -n 20 "$DIR/report.md")"
done
log "bench/compare: $(grep -c '^| tiny ' "$DIR/table") rows"
exit 0

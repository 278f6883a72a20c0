#!/bin/sh
# json.sh: format = json.  The exact objects for scripted clients with
# timestamps = no: connected; data with JSON escapes (quote, backslash,
# C0 as \b \f \n \r \t or \u00XX, DEL and C1 as \u00XX, U+2028/9), valid
# UTF-8 as is; data_base64 for records that are not valid UTF-8; the
# partial, truncated and split flags; disconnected with reason, records
# and bytes.  Every line parses alone with jq.  Then timestamps = yes:
# "time" first, RFC 3339 UTC with microseconds; a text listener next to
# a json one keeps the text format.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

config_global timestamps=no format=json
config_listener main max_line=32 overlong=truncate
config_listener sp max_line=8 overlong=split
start_daemon

# The input of main, one line per printf; the last has no LF.
{
	printf 'hello world\n'
	printf 'crlf\r\n'
	printf '\n'
	printf 'q " b \\ s / end\n'
	printf 'c0 \000\001\010\011\014\015\033\037 x\n'
	printf 'del \177 c1 \302\200\302\205\302\237\n'
	printf 'utf8 \303\251\342\202\254\360\237\230\200\n'
	printf 'sep \342\200\250\342\200\251\n'
	printf 'bad \377\n'
	printf 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\303\251zz\n'
	printf 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n'
	printf 'tail \303'
} > "$DIR/in.main"
{
	printf 'abcdefghijklmnopqrst\n'
	printf 'abcdefg\303\251hi\n'
	printf 'x\ty'
} > "$DIR/in.sp"

# b64 PRINTF-FORMAT: the base64 of those bytes.
b64()
{
	# shellcheck disable=SC2059 # the format is the data
	printf "$1" | base64 -w 0
}

# rec LISTENER PEER FIELDS: one expected object.
rec()
{
	printf '{"listener":"%s",%s,%s}\n' "$1" "$(jpeer "$2")" "$3"
}

tsend -v -f "$DIR/in.main" 127.0.0.1 "$(port_of main)" > "$DIR/main.out" ||
    fail "tcplogd-send failed"
pm=$(peer_of "$DIR/main.out")
wait_match "$OUT" "$(jpeer "$pm"),\"event\":\"disconnected\""
tsend -v -f "$DIR/in.sp" 127.0.0.1 "$(port_of sp)" > "$DIR/sp.out" ||
    fail "tcplogd-send failed"
ps=$(peer_of "$DIR/sp.out")
wait_match "$OUT" "$(jpeer "$ps"),\"event\":\"disconnected\""

{
	m() { rec main "$pm" "$1"; }
	m '"event":"connected"'
	m '"event":"data","data":"hello world"'
	m '"event":"data","data":"crlf"'
	m '"event":"data","data":""'
	m '"event":"data","data":"q \" b \\ s / end"'
	m '"event":"data","data":"c0 \u0000\u0001\b\t\f\r\u001b\u001f x"'
	m '"event":"data","data":"del \u007f c1 \u0080\u0085\u009f"'
	m "$(printf '"event":"data","data":"utf8 \303\251\342\202\254\360\237\230\200"')"
	m '"event":"data","data":"sep \u2028\u2029"'
	m "\"event\":\"data\",\"data_base64\":\"$(b64 'bad \377')\""
	m "\"event\":\"data\",\"data_base64\":\"$(b64 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\303')\",\"truncated\":true"
	m '"event":"data","data":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","truncated":true'
	m "\"event\":\"data\",\"data_base64\":\"$(b64 'tail \303')\",\"partial\":true"
	m "\"event\":\"disconnected\",\"reason\":\"closed by peer\",\"records\":12,\"bytes\":$(wc -c < "$DIR/in.main")"
	s() { rec sp "$ps" "$1"; }
	s '"event":"connected"'
	s '"event":"data","data":"abcdefgh","split":true'
	s '"event":"data","data":"ijklmnop","split":true'
	s '"event":"data","data":"qrst"'
	s "\"event\":\"data\",\"data_base64\":\"$(b64 'abcdefg\303')\",\"split\":true"
	s "\"event\":\"data\",\"data_base64\":\"$(b64 '\251hi')\""
	s '"event":"data","data":"x\ty","partial":true'
	s "\"event\":\"disconnected\",\"reason\":\"closed by peer\",\"records\":6,\"bytes\":$(wc -c < "$DIR/in.sp")"
} > "$DIR/expected"
expect_file "$DIR/expected" "$OUT"
check_json "$OUT"
# jq gives back the bytes of the valid UTF-8 records.
jq -j 'select(.peer == "'"$pm"'" and .event == "data") | (.data // "<b64>") + "\n"' \
    < "$OUT" > "$DIR/decoded" || fail "jq failed"
printf 'c0 \000\001\010\011\014\015\033\037 x\n' > "$DIR/c0"
grep -a '^c0 ' "$DIR/decoded" > "$DIR/c0.got"
cmp -s "$DIR/c0" "$DIR/c0.got" || fail "jq does not give back the C0 line"
stop_daemon
expect_file "$DIR/expected" "$OUT"

# 2. timestamps = yes: "time" first; a text listener alongside (to a
# file of its own: listeners that share an output agree on its format).
mv "$OUT" "$DIR/out1"
mv "$ERR" "$DIR/err1"
ts_re='[0-9]{4}-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{6}Z'
config_global timestamps=yes
config_listener j format=json
config_listener t output=file "file=$DIR/t.log"
start_daemon
printf 'one\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of j)" \
    > "$DIR/j.out" || fail "tcplogd-send failed"
pj=$(peer_of "$DIR/j.out")
printf 'two\n' | tsend -v -e half -f - 127.0.0.1 "$(port_of t)" \
    > "$DIR/t.out" || fail "tcplogd-send failed"
pt=$(peer_of "$DIR/t.out")
wait_match "$DIR/t.log" "^$ts_re t $pt disconnected "
wait_match "$OUT" "$(jpeer "$pj"),\"event\":\"disconnected\""
stop_daemon
grep -F "$(jpeer "$pj")" "$OUT" > "$DIR/j.recs"
check_json "$DIR/j.recs"
[ "$(wc -l < "$DIR/j.recs")" -eq 3 ] || fail "not 3 json records"
pj_re=$(printf '%s' "$pj" | sed 's/\./\\./g')
ts_pre="^\\{\"time\":\"$ts_re\",\"listener\":\"j\",$(jpeer "$pj_re"),"
for want in '"event":"connected"\}$' '"event":"data","data":"one"\}$' \
    '"event":"disconnected","reason":"closed by peer","records":1,"bytes":4\}$'; do
	grep -Eq "$ts_pre$want" "$DIR/j.recs" ||
	    fail "no record /$ts_pre$want/: $(cat "$DIR/j.recs")"
done
grep -Eq "^$ts_re t $pt: two\$" "$DIR/t.log" ||
    fail "the text listener: $(cat "$DIR/t.log")"
exit 0

#!/bin/sh
# delimiter.sh: mode = line with delimiter = nul and lf-or-nul, text and
# JSON, from the real daemon.  The exact records of scripted clients,
# sent whole and one byte a read (so every LF-NUL pair is cut apart):
# with nul, NUL ends a record and CR, LF are data; with lf-or-nul either
# ends one, the CR is dropped before LF only, and a delimiter right after
# one of the other kind makes no record.  A line too long is truncated at
# max_line.  Then thousands of generated lines in one go (the SIMD fast
# path), NUL-ended and LF-NUL-ended, every one exactly once and in order.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

need_jq

config_global timestamps=no
config_listener nul delimiter=nul max_line=16 overlong=truncate
config_listener lfnul delimiter=lf-or-nul max_line=16 overlong=truncate
# The JSON listeners share a file: an output has one format.
config_listener jnul delimiter=nul format=json output=file \
    "file=$DIR/json.out"
config_listener jlfnul delimiter=lf-or-nul format=json output=file \
    "file=$DIR/json.out"
config_listener bignul delimiter=nul
config_listener biglfnul delimiter=lf-or-nul
start_daemon

# send LISTENER INPUT TAG [TCPLOGD-SEND-ARGS...]: send INPUT to LISTENER;
# the records of that connection, once it is over, go to $DIR/got.TAG.
send()
{
	sd_l=$1
	sd_in=$2
	sd_tag=$3
	shift 3
	tsend -v "$@" -f "$sd_in" 127.0.0.1 "$(port_of "$sd_l")" \
	    > "$DIR/send.$sd_tag" || fail "tcplogd-send failed ($sd_tag)"
	sd_p=$(peer_of "$DIR/send.$sd_tag")
	[ -n "$sd_p" ] || fail "no peer in $DIR/send.$sd_tag"
	case $sd_l in
	j*)
		wait_match "$DIR/json.out" \
		    "$(jpeer "$sd_p"),\"event\":\"disconnected\""
		grep -F "$(jpeer "$sd_p")" "$DIR/json.out" > "$DIR/got.$sd_tag"
		;;
	*)
		wait_match "$OUT" "^$sd_l $sd_p disconnected "
		records_of "$OUT" "$sd_p" > "$DIR/got.$sd_tag"
		;;
	esac
	PEER=$sd_p
}

# check LISTENER INPUT RECORDS: INPUT sent whole and a byte a read gives
# the text records in the file RECORDS (the data after "LISTENER PEER"),
# then disconnected with the count of RECORDS.
check()
{
	ck_n=$(wc -l < "$3")
	for ck_how in whole bytes; do
		if [ "$ck_how" = whole ]; then
			send "$1" "$2" "$1.$ck_how"
		else
			send "$1" "$2" "$1.$ck_how" -k 1 -d 1
		fi
		{
			echo "$1 $PEER connected"
			sed "s/^/$1 $PEER/" "$3"
			echo "$1 $PEER disconnected (closed by peer) $ck_n" \
			    "records $(wc -c < "$2") bytes"
		} > "$DIR/want.$1.$ck_how"
		expect_file "$DIR/want.$1.$ck_how" "$DIR/got.$1.$ck_how"
	done
}

# 1. nul: NUL ends records, a CR before it is data, so is LF.
{
	printf 'one\000'
	printf 'two\r\000'
	printf '\000'
	printf 'lf\nin\r\n\000'
	printf 'esc \033 tab \t\000'
	printf '0123456789abcdefXYZ\000'
	printf 'tail\r'
} > "$DIR/in.nul"
{
	printf ': one\n'
	printf ': two\\x0d\n'
	printf ': \n'
	printf ': lf\\x0ain\\x0d\\x0a\n'
	printf ': esc \\x1b tab \\t\n'
	printf ' [truncated]: 0123456789abcdef\n'
	printf ' [partial]: tail\\x0d\n'
} > "$DIR/rec.nul"
check nul "$DIR/in.nul" "$DIR/rec.nul"

# 2. lf-or-nul: either ends records; pairs make one end.
{
	printf 'a\000\n'
	printf 'b\n\000'
	printf 'c\n\000\n'
	printf 'd\000\000'
	printf 'e\n\n'
	printf 'f\r\n'
	printf 'g\r\000'
	printf 'h\000\r\n'
	printf '<14>python msg\000'
	printf '0123456789abcdefXYZ\n\000'
	printf 'ok\r\n\000'
	printf 'tail'
} > "$DIR/in.lfnul"
{
	printf ': a\n'
	printf ': b\n'
	printf ': c\n'
	printf ': d\n'
	printf ': \n'
	printf ': e\n'
	printf ': \n'
	printf ': f\n'
	printf ': g\\x0d\n'
	printf ': h\n'
	printf ': \n'
	printf ': <14>python msg\n'
	printf ' [truncated]: 0123456789abcdef\n'
	printf ': ok\n'
	printf ' [partial]: tail\n'
} > "$DIR/rec.lfnul"
check lfnul "$DIR/in.lfnul" "$DIR/rec.lfnul"

# 3. JSON: the same rules, LF and CR in the data escaped.  jcheck
# LISTENER INPUT FIELDS: INPUT sent a byte a read gives the data records
# whose fields after "event":"data", are the lines of the file FIELDS.
jcheck()
{
	send "$1" "$2" "$1" -k 1 -d 1
	jc_bye="\"reason\":\"closed by peer\",\"records\":$(wc -l < "$3")"
	{
		jc() {
			printf '{"listener":"%s",%s,"event":%s}\n' \
			    "$1" "$(jpeer "$PEER")" "$2"
		}
		jc "$1" '"connected"'
		while read -r jc_f; do
			jc "$1" "\"data\",$jc_f"
		done < "$3"
		jc "$1" "\"disconnected\",$jc_bye,\"bytes\":$(wc -c < "$2")"
	} > "$DIR/want.$1"
	expect_file "$DIR/want.$1" "$DIR/got.$1"
	check_json "$DIR/got.$1"
}

printf 'a\nb\r\000"q"\000\000x' > "$DIR/in.jnul"
cat > "$DIR/rec.jnul" <<'EOF'
"data":"a\nb\r"
"data":"\"q\""
"data":""
"data":"x","partial":true
EOF
jcheck jnul "$DIR/in.jnul" "$DIR/rec.jnul"

printf 'm1\000\nm2\n\000m3\r\n\000\000\n' > "$DIR/in.jlfnul"
cat > "$DIR/rec.jlfnul" <<'EOF'
"data":"m1"
"data":"m2"
"data":"m3"
"data":""
EOF
jcheck jlfnul "$DIR/in.jlfnul" "$DIR/rec.jlfnul"

# 4. Many lines in large reads: NUL-ended to nul, LF-NUL-ended (and now
# and then NUL-LF-ended, CRLF-NUL-ended) to lf-or-nul.
n=$(load 5000 100)
awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "line %06d %s@", i, "0123456789abcdefghij"
}' | tr '@' '\000' > "$DIR/in.many.nul"
awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "line %06d %s%s", i, "0123456789abcdefghij",
		    (i % 7 == 0 ? "@\n" : i % 5 == 0 ? "\r\n@" : "\n@")
}' | tr '@' '\000' > "$DIR/in.many.lfnul"
awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++)
		printf ": line %06d 0123456789abcdefghij\n", i
}' > "$DIR/rec.many"
for l in bignul biglfnul; do
	send "$l" "$DIR/in.many.${l#big}" "many.$l"
	{
		echo "$l $PEER connected"
		sed "s/^/$l $PEER/" "$DIR/rec.many"
		echo "$l $PEER disconnected (closed by peer) $n records" \
		    "$(wc -c < "$DIR/in.many.${l#big}") bytes"
	} > "$DIR/want.many.$l"
	expect_file "$DIR/want.many.$l" "$DIR/got.many.$l"
done
awk -v n="$n" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "{\"listener\":\"jlfnul\",\"peer\":\"P\"," \
		    "\"event\":\"data\"," \
		    "\"data\":\"line %06d 0123456789abcdefghij\"}\n", i
}' > "$DIR/rec.many.json"
send jlfnul "$DIR/in.many.lfnul" many.jlfnul
grep -F '"event":"data"' "$DIR/got.many.jlfnul" |
    sed "s/$(jpeer_re "$PEER")/\"peer\":\"P\"/" > "$DIR/got.many.json"
expect_file "$DIR/rec.many.json" "$DIR/got.many.json"

stop_daemon
exit 0

#!/bin/sh
# raw.sh: in raw mode the data of a connection's records, unescaped and
# concatenated, is exactly what the client sent, whatever the TCP
# segmentation; no record is longer than max_line; the disconnect
# record counts the records and the bytes.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

# Every byte value, then random bytes.
i=0
while [ "$i" -lt 256 ]; do
	# shellcheck disable=SC2059 # the format is the octal escape
	printf "\\$(printf %o "$i")"
	i=$((i + 1))
done > "$DIR/all"
[ "$(wc -c < "$DIR/all")" -eq 256 ] || hard_error "cannot make all bytes"
head -c 50000 /dev/urandom > "$DIR/random" ||
    hard_error "cannot read /dev/urandom"
cat "$DIR/all" "$DIR/random" "$DIR/all" > "$DIR/in1"
printf 'a\nb\r\nc\\d\te\303\251f\000' > "$DIR/in2"

# check_raw FILE PEER MAX_LINE: the records of PEER in $OUT give back FILE.
check_raw()
{
	records_of "$OUT" "$2" > "$DIR/recs"
	od -An -v -tx1 "$1" | tr -s ' ' '\n' | sed '/^$/d' > "$DIR/want.hex"
	awk -v max="$3" -v hex="$DIR/got.hex" '
	function bad(msg) {
		print "record " NR ": " msg > "/dev/stderr"
		exit 1
	}
	BEGIN {
		for (i = 1; i < 256; i++)
			ord[sprintf("%c", i)] = i
	}
	NR == 1 {
		if ($3 != "connected" || NF != 3)
			bad("not a connected record: " $0)
		next
	}
	$3 == "disconnected" {
		last = $0
		next
	}
	{
		if (last != "")
			bad("data after disconnected")
		data = $0
		if (sub(/^[^ ]+ [^ ]+: /, "", data) != 1)
			bad("not a data record: " $0)
		n = 0
		len = length(data)
		for (i = 1; i <= len; i++) {
			ch = substr(data, i, 1)
			if (ch == "\\") {
				e = substr(data, i + 1, 1)
				if (e == "\\")
					h = "5c"
				else if (e == "t")
					h = "09"
				else if (e == "x") {
					h = substr(data, i + 2, 2)
					if (h !~ /^[0-9a-f][0-9a-f]$/)
						bad("bad escape \\x" h)
					i += 2
				} else
					bad("bad escape \\" e)
				i++
			} else {
				if (ord[ch] < 32 || ord[ch] == 127)
					bad("unescaped control byte")
				h = sprintf("%02x", ord[ch])
			}
			print h > hex
			n++
		}
		if (n == 0 || n > max)
			bad(n " bytes in a record (max_line " max ")")
		records++
		bytes += n
	}
	END {
		want = "(closed by peer) " records " records " bytes " bytes"
		sub(/^[^ ]+ [^ ]+ disconnected /, "", last)
		if (last != want)
			bad("disconnect record: " last ", want: " want)
	}' "$DIR/recs" || fail "records of $2 do not give back $1"
	[ -f "$DIR/got.hex" ] || : > "$DIR/got.hex"
	cmp -s "$DIR/want.hex" "$DIR/got.hex" ||
	    fail "records of $2 do not give back $1: $(cmp "$DIR/want.hex" \
	    "$DIR/got.hex" 2>&1)"
	rm -f "$DIR/got.hex"
}

# raw_session FILE SENDOPTS...: send FILE to listener raw, check it.
raw_session()
{
	rs_file=$1
	shift
	tsend -v "$@" -f "$rs_file" 127.0.0.1 "$(port_of raw)" \
	    > "$DIR/send.out" || fail "tcplogd-send $* failed"
	rs_peer=$(peer_of "$DIR/send.out")
	wait_match "$OUT" "^raw $rs_peer disconnected " 20
	check_raw "$rs_file" "$rs_peer" 100
}

config_global timestamps=no
config_listener raw mode=raw max_line=100
config_listener big mode=raw
start_daemon

raw_session "$DIR/in1"			# large writes
raw_session "$DIR/in1" -k 13		# small writes
raw_session "$DIR/in2" -k 1 -d 10	# one byte at a time, with stalls
raw_session "$DIR/in2" -k 3 -d 10 -e half

# The default max_line: 16384.
head -c 300000 /dev/urandom > "$DIR/in3"
tsend -v -f "$DIR/in3" 127.0.0.1 "$(port_of big)" > "$DIR/send.out" ||
    fail "tcplogd-send failed"
peer=$(peer_of "$DIR/send.out")
wait_match "$OUT" "^big $peer disconnected " 20
check_raw "$DIR/in3" "$peer" 16384

stop_daemon
exit 0

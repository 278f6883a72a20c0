#!/bin/sh
# format-data.sh: format = data writes only the received data, one
# record a line, escaped exactly as text output escapes it (a record is
# still one line), with no time, listener, peer, flags or connection
# events, even with timestamps = yes and events = yes.  A text listener
# given the same bytes shows the escapes are the same.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

config_global timestamps=yes events=yes
config_listener d format=data
config_listener t format=text output=file "file=$DIR/t.log" timestamps=no
start_daemon

# Plain lines, a tab, a backslash, CRLF (the CR goes), invalid UTF-8,
# an escape sequence, UTF-8, an empty line and a last line without LF
# (partial).
printf 'plain line\ttab\nback\\slash\ncr\r\n\377\376 bytes\n\033[31mred\ncaf\303\251\n\nend' \
    > "$DIR/in"
for l in d t; do
	tsend -v -e half -f "$DIR/in" 127.0.0.1 "$(port_of "$l")" \
	    > "$DIR/$l.send" || fail "$l: tcplogd-send failed"
done
pt=$(peer_of "$DIR/t.send")
wait_match "$DIR/t.log" "^t $pt disconnected "
wait_lines "$OUT" 8
stop_daemon

# What text writes after "t PEER[ [partial]]: ", and nothing else.
sed -n -E "s/^t $pt( \\[partial\\])?: //p" "$DIR/t.log" > "$DIR/want"
[ "$(wc -l < "$DIR/want")" -eq 8 ] ||
    fail "the text listener wrote $(wc -l < "$DIR/want") data records"
expect_file "$DIR/want" "$OUT"
# shellcheck disable=SC1003 # literal backslashes
printf '%s\n' 'plain line\ttab' 'back\\slash' 'cr' '\xff\xfe bytes' \
    '\x1b[31mred' "$(printf 'caf\303\251')" '' 'end' > "$DIR/want2"
expect_file "$DIR/want2" "$OUT"
grep -q 'connected' "$OUT" && fail "a connection event in a data output"
exit 0

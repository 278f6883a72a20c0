#!/bin/sh
# checkconfig.sh: -t on a good config prints "configuration OK" and exits
# 0 without binding; bad configs exit 78 with every error as
# "FILE:LINE: ..."; a missing config exits 78; a bad option 64; -V and
# -h exit 0.

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

cd "$DIR" || hard_error "cannot cd to $DIR"
# Error lines may carry the "tcplogd: " prefix of the diagnostics.
pre='^(tcplogd: )?'

run_tcplogd()
{
	# shellcheck disable=SC2086 # the wrapper is a command line
	$TCPLOGD_WRAPPER "$TCPLOGD" "$@" < /dev/null
}

# good NAME: config on stdin; -t must accept it.
good()
{
	cat > "$1.conf"
	run_tcplogd -t -f "$1.conf" > "$1.out" 2> "$1.err"
	g_rc=$?
	check_sanitizer "$1.err"
	[ "$g_rc" -eq 0 ] ||
	    fail "$1: -t exited $g_rc: $(cat "$1.err")"
	[ "$(cat "$1.out")" = "configuration OK" ] ||
	    fail "$1: -t printed: $(cat "$1.out")"
}

# bad NAME ERE...: config on stdin; -t must exit 78 and print a line
# matching each ERE (after the optional "tcplogd: ") on stderr.
bad()
{
	b_name=$1
	shift
	cat > "$b_name.conf"
	run_tcplogd -t -f "$b_name.conf" > "$b_name.out" 2> "$b_name.err"
	b_rc=$?
	check_sanitizer "$b_name.err"
	[ "$b_rc" -eq 78 ] ||
	    fail "$b_name: -t exited $b_rc, not 78: $(cat "$b_name.err")"
	grep -q 'configuration OK' "$b_name.out" &&
	    fail "$b_name: \"configuration OK\" for a bad config"
	for b_re in "$@"; do
		grep -Eq -e "$pre$b_re" "$b_name.err" ||
		    fail "$b_name: no error matching /$b_re/ in:" \
		    "$(cat "$b_name.err")"
	done
}

# 1. Good configs.
good ok1 <<'EOF'
# a comment
; another comment
[tcplogd]
max_connections = 100 ; an inline comment
syslog_ident = tcplogd-test
shutdown_timeout = 0
events = off
timestamps = no

[listener main]
listen = 127.0.0.1:0, [::1]:0
mode = raw
output = stdout, syslog
events = on
timestamps = auto
max_line = 67108864
overlong = split
max_connections = 2
syslog_facility = local7
syslog_priority = debug

[listener other.name_2-x]
listen = 127.0.0.1:0
events = true
timestamps = yes
max_line = 1
overlong = close
output = syslog
syslog_facility = user
syslog_priority = emerg

[listener b]
listen = 127.0.0.1:0
events = 0
overlong = truncate
mode = line
syslog_facility = daemon
syslog_priority = warning
EOF
good ok2 <<'EOF'
[listener a]
listen = *:0
[listener b]
listen = *:0
EOF

# -t binds nothing: a port in use does not matter, and the long option.
write_config
start_daemon
port=$(port_of main)
printf '[listener main]\nlisten = 127.0.0.1:%s\n' "$port" > inuse.conf
run_tcplogd --check-config --config inuse.conf > inuse.out 2> inuse.err ||
    fail "-t on a config whose address is in use: $(cat inuse.err)"
[ "$(cat inuse.out)" = "configuration OK" ] || fail "inuse: $(cat inuse.out)"
stop_daemon

# 2. Bad configs, one error each.
bad unknown_key 'unknown_key\.conf:4: bogus: ' <<'EOF'
[tcplogd]
[listener main]
listen = 127.0.0.1:0
bogus = 1
EOF
bad bad_mode 'bad_mode\.conf:3: mode: .*line.*raw' <<'EOF'
[listener main]
listen = 127.0.0.1:0
mode = fancy
EOF
bad hash_comment 'hash_comment\.conf:3: mode: ' <<'EOF'
[listener main]
listen = 127.0.0.1:0
mode = raw # not a comment
EOF
bad unknown_section 'unknown_section\.conf:4: ' <<'EOF'
[listener main]
listen = 127.0.0.1:0

[foo]
EOF
bad global_listen 'global_listen\.conf:2: listen: ' <<'EOF'
[tcplogd]
listen = 127.0.0.1:0
[listener main]
listen = 127.0.0.1:0
EOF
bad bad_name 'bad_name\.conf:3: ' <<'EOF'
[listener main]
listen = 127.0.0.1:0
[listener bad/name]
listen = 127.0.0.1:0
EOF
name64=$(printf '%064d' 0 | tr 0 a)
good name64 <<EOF
[listener $name64]
listen = 127.0.0.1:0
EOF
bad long_name 'long_name\.conf:1: ' <<EOF
[listener ${name64}a]
listen = 127.0.0.1:0
EOF
bad no_listen 'no_listen\.conf:4: listener lonely: no listen address$' <<'EOF'
[listener main]
listen = 127.0.0.1:0

[listener lonely]
mode = raw
EOF
bad empty_listener 'empty_listener\.conf:3: listener empty: no listen address$' <<'EOF'
[listener main]
listen = 127.0.0.1:0
[listener empty]
EOF
bad no_listener 'no_listener\.conf: no \[listener\] section$' <<'EOF'
[tcplogd]
max_connections = 5
EOF
printf '' | bad empty_file 'empty_file\.conf: no \[listener\] section$'
bad twice 'twice\.conf:4: mode: ' <<'EOF'
[listener main]
listen = 127.0.0.1:0
mode = raw
mode = line
EOF
bad same_addr 'same_addr\.conf:4: listen: ' <<'EOF'
[listener a]
listen = 127.0.0.1:5000
[listener b]
listen = 127.0.0.1:5000
EOF
bad star_addr 'star_addr\.conf:4: listen: ' <<'EOF'
[listener a]
listen = [::1]:5000
[listener b]
listen = *:5000
EOF
bad same_twice 'same_twice\.conf:2: listen: ' <<'EOF'
[listener a]
listen = 127.0.0.1:5000, 127.0.0.1:5000
EOF
long=$(printf '%0200d' 0)
bad long_line 'long_line\.conf:3: line too long \(more than 196 bytes\)$' <<EOF
[listener main]
listen = 127.0.0.1:0
syslog_priority = $long
EOF

# 3. Every error of a file, each with its own line, each once.
bad many \
    'many\.conf:2: max_connections: ' \
    'many\.conf:3: shutdown_timeout: ' \
    'many\.conf:6: max_line: ' \
    'many\.conf:7: events: ' \
    'many\.conf:8: timestamps: ' \
    'many\.conf:9: overlong: ' \
    'many\.conf:10: output: ' \
    'many\.conf:11: syslog_facility: ' \
    'many\.conf:12: syslog_priority: ' \
    'many\.conf:13: syslog_ident: ' \
    'many\.conf:15: listen: ' \
    'many\.conf:17: listen: ' \
    'many\.conf:19: listen: ' \
    'many\.conf:22: max_line: ' \
    'many\.conf:23: max_connections: ' <<'EOF'
[tcplogd]
max_connections = -1
shutdown_timeout = 3601
[listener main]
listen = 127.0.0.1:0
max_line = 0
events = maybe
timestamps = sometimes
overlong = drop
output = logfile
syslog_facility = local8
syslog_priority = loud
syslog_ident = daemon-wide-only
[listener a]
listen = 127.0.0.1:65536
[listener b]
listen = localhost:80
[listener c]
listen = 127.0.0.1
[listener d]
listen = 127.0.0.1:0
max_line = 67108865
max_connections = lots
EOF
for n in 2 3 6 7 8 9 10 11 12 13 15 17 19 22 23; do
	[ "$(grep -c "many\\.conf:$n: " many.err)" -eq 1 ] ||
	    fail "many: not exactly one error for line $n: $(cat many.err)"
done

# 4. A missing config file, with -t and without.
run_tcplogd -t -f missing.conf > missing.out 2> missing.err
rc=$?
[ "$rc" -eq 78 ] || fail "missing config with -t: exit $rc, not 78"
grep -Eq "${pre}missing\\.conf: cannot open: No such file or directory\$" \
    missing.err || fail "missing config: $(cat missing.err)"
run_tcplogd -f missing.conf -P ports2 > missing2.out 2> missing2.err
rc=$?
[ "$rc" -eq 78 ] || fail "missing config: exit $rc, not 78"
grep -q 'missing\.conf' missing2.err ||
    fail "missing config: $(cat missing2.err)"
[ ! -e ports2 ] || fail "a port file for a missing config"
check_sanitizer missing.err
check_sanitizer missing2.err

# 5. The command line.
for args in "-x" "--bogus" "-f" "-t extra-operand" "-P"; do
	# shellcheck disable=SC2086 # split the arguments
	run_tcplogd $args > opt.out 2> opt.err
	rc=$?
	[ "$rc" -eq 64 ] || fail "tcplogd $args: exit $rc, not 64"
	[ -s opt.err ] || fail "tcplogd $args: nothing on stderr"
	check_sanitizer opt.err
done
run_tcplogd -V > v.out 2> v.err || fail "tcplogd -V: exit $?"
grep -Eq '^tcplogd [0-9]' v.out || fail "tcplogd -V: $(cat v.out)"
run_tcplogd --version > v2.out 2> v.err || fail "tcplogd --version: exit $?"
cmp -s v.out v2.out || fail "-V and --version differ"
run_tcplogd -h > h.out 2> h.err || fail "tcplogd -h: exit $?"
cat h.out h.err | grep -q -e '-f' || fail "tcplogd -h: no usage: $(cat h.out)"
run_tcplogd --help > h2.out 2> h.err || fail "tcplogd --help: exit $?"
exit 0

#!/bin/sh
# manlint.sh: the generated man pages, tcplogd.8, tcplogd.conf.5 and
# tcplogctl.8, are clean under mandoc -Tlint -W warning (it prints
# nothing) and have every @...@ substituted.  Needs mandoc (Debian
# package mandoc).
#
# TCPLOGD_MANDIR: the directory of the generated pages (default: man/
# beside the src/ of $TCPLOGD, i.e. the build tree).

# shellcheck source=lib.sh
. "${srcdir:-$(dirname "$0")}/lib.sh"

command -v mandoc > /dev/null 2>&1 ||
    skip "mandoc is not installed (Debian: apt-get install mandoc)"

: "${TCPLOGD_MANDIR:=$(dirname "$TCPLOGD")/../man}"
for page in tcplogd.8 tcplogd.conf.5 tcplogctl.8; do
	p=$TCPLOGD_MANDIR/$page
	[ -f "$p" ] || hard_error "no $p: run make first"
	if grep -n '@[A-Za-z_]*@' "$p"; then
		fail "$p: unsubstituted @...@"
	fi
	mandoc -Tlint -W warning "$p" > "$DIR/lint.out" 2>&1
	rc=$?
	if [ "$rc" -ne 0 ] || [ -s "$DIR/lint.out" ]; then
		cat "$DIR/lint.out" >&2
		fail "mandoc -Tlint -W warning $page: exit $rc"
	fi
done
exit 0

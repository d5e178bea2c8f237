#!/bin/sh
# Lints every man page with mandoc; any warning fails that page. TAP output.

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${VMKIT_SRCDIR:-$here/..}
mandoc=${MANDOC:-mandoc}

if ! command -v "$mandoc" >/dev/null 2>&1; then
	echo "1..0 # SKIP mandoc not found (set MANDOC)"
	exit 0
fi

set -- "$srcdir"/man/*
if [ ! -e "$1" ]; then
	echo "1..1"
	echo "not ok 1 - man: no pages in '$srcdir/man'"
	exit 1
fi

echo "1..$#"
n=0
fail=0
for page in "$@"; do
	n=$((n + 1))
	name=man/${page##*/}
	out=$("$mandoc" -Tlint -Wwarning "$page" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		[ -n "$out" ] || out="$mandoc exited with status $rc"
		printf '%s\n' "$out" | sed 's/^/# /'
		fail=1
	fi
done
exit $fail

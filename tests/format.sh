#!/bin/sh
# Every C file of the tree is as clang-format leaves it (.clang-format).
# One TAP test per directory. Another clang-format major version lays
# out some constructs differently, so only the one the tree was
# formatted with (Debian 12's, 14) can judge it.

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${VMKIT_SRCDIR:-$here/..}
clang_format=${CLANG_FORMAT:-clang-format}
want=14

if ! command -v "$clang_format" >/dev/null 2>&1; then
	echo "1..0 # SKIP $clang_format not found (set CLANG_FORMAT)"
	exit 0
fi
major=$("$clang_format" --version | sed -n 's/.*version \([0-9]*\).*/\1/p')
if [ "$major" != "$want" ]; then
	echo "1..0 # SKIP $clang_format is version ${major:-unknown}; the tree is laid out by $want"
	exit 0
fi

cd "$srcdir" || exit 1
set -- lib/base lib/model lib/lock lib/host lib/state lib/flow cmd tests fuzz bench
echo "1..$#"
n=0
fail=0
for dir in "$@"; do
	n=$((n + 1))
	files=$(find "$dir" -name '*.[ch]' ! -path 'tests/mutants/*' | sort)
	out=$([ -z "$files" ] || "$clang_format" --dry-run -Werror $files 2>&1)
	if [ $? -eq 0 ]; then
		echo "ok $n - $dir"
	else
		echo "not ok $n - $dir"
		printf '%s\n' "$out" | grep 'error:' | head -20 | sed 's/^/# /'
		fail=1
	fi
done
exit $fail

#!/bin/sh
# The library's layers (HACKING.md): a file may include headers of its own
# layer and of the layers this table lists for it, never of a higher one.
# One TAP test per layer; a failure names the file, line and header.

here=$(cd "$(dirname "$0")" && pwd)
srcdir=${VMKIT_SRCDIR:-$here/..}

# layer: the other layers it may include. lock and host are the drivers;
# model includes host for the image chains its QEMU arguments name.
rules='base:
lock:base
host:base
model:base host
state:base host model lock
flow:base model lock host state
cmd:base model lock host state flow'

# Every header of the tree and the layer it lives in ("cmd" for cmd/*).
map=$(cd "$srcdir" && for h in lib/*/*.h cmd/*/*.h; do
	[ -e "$h" ] || continue
	case $h in
	lib/*) l=${h#lib/}; l=${l%%/*} ;;
	*) l=cmd ;;
	esac
	echo "${h##*/} $l"
done)

dup=$(printf '%s\n' "$map" | awk '{ n[$1]++ } n[$1] == 2 { print $1 }')

echo "1..$(printf '%s\n' "$rules" | wc -l)"
n=0
fail=0
printf '%s\n' "$rules" | {
	while IFS=: read -r layer allowed; do
		n=$((n + 1))
		case $layer in
		cmd) files=$(cd "$srcdir" && ls cmd/*/*.c cmd/*/*.h 2>/dev/null) ;;
		*) files=$(cd "$srcdir" && ls lib/"$layer"/*.c lib/"$layer"/*.h 2>/dev/null) ;;
		esac
		out=$(cd "$srcdir" && [ -n "$files" ] && grep -n '^#include "' $files /dev/null |
			awk -v map="$map" -v layer="$layer" -v allowed="$allowed" '
			BEGIN {
				m = split(map, rows, "\n")
				for (i = 1; i <= m; i++) { split(rows[i], f, " "); where[f[1]] = f[2] }
				ok[layer] = 1
				k = split(allowed, a, " ")
				for (i = 1; i <= k; i++) ok[a[i]] = 1
			}
			{
				split($0, p, ":")
				h = $0; sub(/^[^"]*"/, "", h); sub(/".*/, "", h)
				if (!(h in where)) next	# config.h and system headers
				if (!(where[h] in ok))
					printf "%s:%s: includes %s of layer %s\n", p[1], p[2], h, where[h]
			}')
		if [ -n "$dup" ]; then
			out="$out${out:+
}header names used twice: $dup"
		fi
		if [ -z "$out" ]; then
			echo "ok $n - layer $layer includes only ${allowed:-itself}"
		else
			echo "not ok $n - layer $layer includes only ${allowed:-itself}"
			printf '%s\n' "$out" | sed 's/^/# /'
			fail=1
		fi
	done
	exit $fail
}

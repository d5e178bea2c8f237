#!/bin/sh
# Runs one libFuzzer harness for a bounded time on a fresh copy of its
# seed corpus, so that the corpus in the tree only grows by hand.
#
#	run.sh HARNESS SEEDS WORKDIR SECONDS [DICT]
#
# WORKDIR gets corpus/ (the copy, grown by the run), artifacts/ (crash-*,
# leak-*, timeout-*, oom-* inputs) and fuzz.log. Prints one summary line
# and exits 1 when the harness found a crash; its output is in fuzz.log.
set -eu

[ $# -ge 4 ] || { echo "usage: run.sh HARNESS SEEDS WORKDIR SECONDS [DICT]" >&2; exit 2; }
harness=$1 seeds=$2 work=$3 seconds=$4 dict=${5:-}
name=$(basename "$harness")

rm -rf "$work"
mkdir -p "$work/corpus" "$work/artifacts"
cp "$seeds"/* "$work/corpus/"
work=$(cd "$work" && pwd)
nseeds=$(ls "$work/corpus" | wc -l)

# An absolute artifact prefix: fuzz-domain changes directory while it parses.
set -- -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/artifacts/"
[ -z "$dict" ] || set -- "$@" -dict="$dict"
start=$(date +%s)
rc=0
"$harness" "$@" "$work/corpus" >"$work/fuzz.log" 2>&1 || rc=$?
elapsed=$(( $(date +%s) - start ))

final() { sed -n "s/^stat::$1: *//p" "$work/fuzz.log" | tail -n 1; }
execs=$(final number_of_executed_units)
cov=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*/\1/p' "$work/fuzz.log")
crashes=$(ls "$work/artifacts" | wc -l)
printf '%s: %s executions in %ss, corpus %s -> %s inputs, coverage %s edges, %s crashes\n' \
	"$name" "${execs:-?}" "$elapsed" "$nseeds" "$(ls "$work/corpus" | wc -l)" "${cov:-?}" \
	"$crashes"
if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
	[ "$crashes" -ne 0 ] || echo "$name: exited with status $rc without a crash input" >&2
	grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' "$work/fuzz.log" >&2 || \
		tail -n 20 "$work/fuzz.log" >&2
	for a in "$work"/artifacts/*; do
		[ -e "$a" ] && echo "$name: reproduce with: $harness $a" >&2
	done
	exit 1
fi

#!/bin/bash
# make check: every test stage in turn, each with its own summary, then one
# closing line "check: N passed, N failed, N skipped" counting test cases
# (cmocka cases, septum-check cases, compart cases, system scenarios).
# Exit status is non-zero when any stage failed or reported a failure.
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
mkdir -p "$BUILD/check"
passed=0 failed=0 skipped=0 rc=0
start=$(date +%s)

add() { passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + ${3:-0})); }

# stage NAME COMMAND...: run it, keep its output in $BUILD/check/NAME.log.
stage() {
	local name=$1; shift
	local log="$BUILD/check/$name.log" t0=$(date +%s) src
	echo "=== $name: $*"
	"$@" 2>&1 | tee "$log"
	src=${PIPESTATUS[0]}
	echo "=== $name: exit $src, $(( $(date +%s) - t0 )) s"
	[ "$src" = 0 ] || rc=1
	return "$src"
}

# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)"
count_cmocka() {
	local p f
	p=$(grep -aoE '^\[  PASSED  \] [0-9]+' "$1" | awk '{s+=$NF} END {print s+0}')
	f=$(grep -aoE '^\[  FAILED  \] [0-9]+' "$1" | awk '{s+=$NF} END {print s+0}')
	add "$p" "$f"
}

# "...: N passed, N failed[, N skipped]" — the last such line of a log.
count_plain() {
	local line
	line=$(grep -aE '[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		echo "=== $2: no summary line: counted as 1 failure"
		add 0 1
		return
	fi
	add "$(sed -E 's/.* ([0-9]+) passed.*/\1/' <<<"$line")" \
	    "$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")" \
	    "$(grep -oE '[0-9]+ skipped' <<<"$line" | grep -oE '[0-9]+' || echo 0)"
}

stage build $MAKE all guests tools || { echo "check: 0 passed, 1 failed"; exit 1; }
stage layers $MAKE check-layers; count_plain "$BUILD/check/layers.log" layers
stage unit $MAKE unit; count_cmocka "$BUILD/check/unit.log"
# Each libFuzzer harness for a few seconds (make fuzz runs them for longer).
stage fuzz-smoke $MAKE fuzz-smoke; count_plain "$BUILD/check/fuzz-smoke.log" fuzz-smoke
stage septum-check $MAKE tools-check; count_plain "$BUILD/check/septum-check.log" septum-check
if [ -f guest/Makefile ]; then
	stage compart $MAKE -C guest check; count_plain "$BUILD/check/compart.log" compart
	# The same suite on a pure cgroup v2 kernel (Debian's, under QEMU TCG).
	stage compart-cgroup2 $MAKE -C guest check-qemu; count_plain "$BUILD/check/compart-cgroup2.log" compart-cgroup2
fi
stage system $MAKE system; count_plain "$BUILD/check/system.log" system
# Conformance guests bare and partitioned, in the same emulator (issue 12).
stage diff $MAKE system-diff; count_plain "$BUILD/check/diff.log" diff

echo "=== make check took $(( $(date +%s) - start )) s"
[ "$failed" = 0 ] || rc=1
echo "check: $passed passed, $failed failed, $skipped skipped"
exit "$rc"

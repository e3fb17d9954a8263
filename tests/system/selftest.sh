#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Self-test of the system-test harness, without emulators: every
# tests/system/selftest/CASE.log is a canned serial console (what Septum and
# the guests print, in the formats of kernel/ and tests/guests/) with a header
#   #! scenario: NAME          a scenario of tests/system/scenarios/, or
#                              selftest/FILE.scn: a scenario kept here (bad
#                              ones, for the parser's refusals)
#   #! verdict: PASS | FAIL: TEXT   the harness must pass it, or fail it with a
#                                   reason containing TEXT
# The case is judged with `run.sh --rejudge`. The good logs show that the real
# scenarios can be satisfied as written; the bad ones that each kind of
# assertion (order, forbid, status, missing log line, out-of-order expect)
# fails with a useful first mismatch.
#
#   tests/system/selftest.sh [--build DIR]

set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-build}
[[ ${1:-} == --build ]] && BUILD=$2
mkdir -p "$BUILD/system-selftest"
WORK=$(cd "$BUILD/system-selftest" && pwd)

pass=0 fail=0
for log in "$HERE"/selftest/*.log; do
	case_name=$(basename "$log" .log)
	scen=$(sed -n 's/^#! scenario: //p' "$log")
	want=$(sed -n 's/^#! verdict: //p' "$log")
	arg=$scen
	if [[ $scen == *.scn ]]; then
		arg="$HERE/$scen"
		scen=$(basename "$scen" .scn)
	fi
	dir="$WORK/$case_name"
	rm -rf "$dir"
	mkdir -p "$dir/system/$scen"
	grep -v '^#! ' "$log" >"$dir/system/$scen/serial.log"
	out=$("$HERE/run.sh" --build "$dir" --rejudge "$arg" 2>&1)
	line=$(grep -E "^(PASS|FAIL) $scen" <<<"$out" | head -n 1)
	if [[ $want == PASS ]]; then
		[[ $line == "PASS $scen"* ]] && ok=1 || ok=0
	else
		[[ $line == "FAIL $scen: "*"${want#FAIL: }"* ]] && ok=1 || ok=0
	fi
	if ((ok)); then
		pass=$((pass + 1))
		echo "ok   $case_name: $line"
	else
		fail=$((fail + 1))
		echo "BAD  $case_name: wanted \"$want\", harness said:"
		sed 's/^/     /' <<<"$out"
	fi
done
echo "harness selftest: $pass passed, $fail failed"
((fail == 0))

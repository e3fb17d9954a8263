#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# make soak: the 1000-cycle restart soak (tests/system/soak/restart-soak-1000.scn)
# judged by the system-test harness, plus its rate: the wall time from the
# crasher's first boot to its last, polled on the serial log once a second,
# as cycles per minute, and the heartbeat's gaps.
#
#   tests/system/soak.sh [--build DIR]

set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=build
[[ ${1:-} == --build ]] && BUILD=$2
SCN=$HERE/soak/restart-soak-1000.scn
LOG=$BUILD/system/restart-soak-1000/serial.log
CYCLES=1000

rm -f "$LOG"
"$HERE/run.sh" --build "$BUILD" -j 1 --engine bochs "$SCN" &
run=$!
t0="" t1=""
while kill -0 "$run" 2>/dev/null; do
	if [[ -z $t0 ]] && grep -aq "\[crash\] reboot: boot 0 of" "$LOG" 2>/dev/null; then
		t0=$(date +%s)
	fi
	if [[ -n $t0 && -z $t1 ]] && grep -aq "reboot: done after" "$LOG" 2>/dev/null; then
		t1=$(date +%s)
	fi
	sleep 1
done
wait "$run"
rc=$?
if [[ -n $t0 && -n $t1 && $t1 -gt $t0 ]]; then
	echo "soak: $CYCLES crash-restart cycles in $((t1 - t0)) s of wall time:" \
		"$((CYCLES * 60 / (t1 - t0))) cycles per minute (Bochs, 1 s polling)"
fi
grep -a "heartbeat: gaps" "$LOG" | sed 's/^/soak: /'
grep -a -E "restart 1\), Septum's heap|at the end Septum's heap" "$LOG" | sed 's/^.*INFO\] /soak: /'
exit $rc

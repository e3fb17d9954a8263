#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Boots one Septum configuration in Bochs + OVMF (4 CPUs with VT-x) and
# streams the serial console to the terminal until Bochs ends: the demo
# behind `make run`.
#
#   tests/system/boot.sh --config FILE [--build DIR] [--timeout SECONDS] [--memory MIB]
#
# The ESP, serial.log and bochs.log go to $BUILD/run/. Without --timeout the
# run lasts until Septum powers the machine off (or Ctrl-C). The machine has
# 1024 MiB of RAM unless --memory says otherwise (the demo's partitions
# take 336 MiB; OVMF and Septum need some too).

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
CONFIG=""
LIMIT=0
MEMORY=1024
MKESP=${MKESP:-tools/mkesp.sh}
OVMF_BOCHS=${OVMF_BOCHS:-/usr/share/qemu/OVMF.fd}
VGABIOS=${VGABIOS:-/usr/share/vgabios/vgabios.bin}

while (($#)); do
	case $1 in
	--config) CONFIG=$2; shift 2 ;;
	--build) BUILD=$2; shift 2 ;;
	--timeout) LIMIT=$2; shift 2 ;;
	--memory) MEMORY=$2; shift 2 ;;
	*) sed -n '4,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
	esac
done
[[ -n $CONFIG && -f $CONFIG ]] || { echo "boot.sh: --config FILE is required (got '${CONFIG}')" >&2; exit 2; }

mkdir -p "$BUILD/run"
BUILD_ABS=$(cd "$BUILD" && pwd)
DIR="$BUILD_ABS/run"
CONFIG_ABS=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")
rm -rf "$DIR/esp" "$DIR/esp.img"

(cd "$REPO" && "$MKESP" --config "$CONFIG_ABS" --out "$DIR" --efi "$BUILD_ABS/BOOTX64.EFI" \
	--core "$BUILD_ABS/septum.elf" --search "$BUILD_ABS/guests:$BUILD_ABS/images") || {
	echo "boot.sh: building the ESP failed" >&2
	exit 1
}

OVMF_BOCHS=$OVMF_BOCHS VGABIOS=$VGABIOS "$HERE/bochs-machine.sh" "$DIR" "$DIR/esp.img" "$MEMORY" tests/system/boot.sh
: >"$DIR/serial.log"

echo "boot.sh: booting $CONFIG in Bochs + OVMF (4 CPUs, VT-x); OVMF takes 20-30 s to reach Septum."
echo "boot.sh: serial log $DIR/serial.log, Bochs log $DIR/bochs.log"
if ((LIMIT > 0)); then
	SDL_VIDEODRIVER=dummy timeout -k 5 "$LIMIT" bochs -q -f "$DIR/bochsrc" -rc "$DIR/debugger.rc" \
		</dev/null >"$DIR/bochs.out" 2>&1 &
else
	SDL_VIDEODRIVER=dummy bochs -q -f "$DIR/bochsrc" -rc "$DIR/debugger.rc" \
		</dev/null >"$DIR/bochs.out" 2>&1 &
fi
EMU=$!
trap 'kill "$EMU" 2>/dev/null' INT TERM

# Stream the console as it grows; strip OVMF's VT100 escapes and CRs so the
# terminal is not repainted. tail ends when Bochs does.
tail -n +1 -f --pid="$EMU" "$DIR/serial.log" |
	sed -u -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Z0-9]//g' -e 's/\r//g'
wait "$EMU" 2>/dev/null
printf '\nboot.sh: Bochs ended; VM-entry failures and panics in the Bochs log, if any:\n'
# Bochs reports the shutdown port (how Septum powers off there) as a PANIC:
# that one is the normal end, not a failure.
grep -E 'VMFAIL|VMENTER FAIL|PANIC' "$DIR/bochs.log" | grep -v 'Shutdown port: shutdown requested' | tail -n 20
exit 0

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# Differential tests (docs/testing.md, "Differential tests"): each
# conformance guest (tests/guests/conformance/) is booted twice in the same
# Bochs machine (tests/system/bochs-machine.sh: OVMF, 4 skylake_x CPUs with
# VT-x) — bare, by GRUB from an EFI image of Debian's grub-efi-amd64-bin,
# and as the only partition of a Septum config — and the two sets of result
# lines ("conf GUEST: ID = VALUE") must be identical, except for the
# differences listed in tests/guests/conformance/allowed.txt: GUEST ID KIND
# REASON, KIND "deliberate" (Septum means it, docs/platform.md says why) or
# "bug" (a known fidelity bug, still to fix: the list is how it is tracked,
# like an expected failure). A difference not on that list fails the guest;
# so does a listed one that no longer shows (a fixed bug must leave the list
# in the same commit), and a run that does not reach "conf GUEST: end".
#
#   tests/system/diff.sh [--build DIR] [-j N] [--rejudge] [GUEST...]
#
# Output: one PASS/FAIL line per guest with the differing results, and the
# final line "diff: N passed, N failed". Run directories:
# $BUILD/diff/GUEST/{bare,septum}/ with serial.log and bochs.log, and
# results.txt (the extracted, sorted result lines).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build}
JOBS=2
REJUDGE=0
TIMEOUT=${DIFF_TIMEOUT:-240}
ALLOWED=$REPO/tests/guests/conformance/allowed.txt
guests=()

while (($#)); do
	case $1 in
	--build) BUILD=$2; shift 2 ;;
	-j) JOBS=$2; shift 2 ;;
	--rejudge) REJUDGE=1; shift ;;
	-h|--help) sed -n '4,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) guests+=("$1"); shift ;;
	esac
done
cd "$REPO"
BUILD=$(cd "$BUILD" && pwd)
[[ -f $ALLOWED ]] || { echo "diff.sh: $ALLOWED missing" >&2; exit 2; }
if ((${#guests[@]} == 0)); then
	for f in tests/guests/conformance/conf-*.c; do
		g=${f##*/}; guests+=("${g%.c}")
	done
fi

die() { echo "diff.sh: $*" >&2; exit 2; }

# The bare machine's ESP: GRUB as the removable-media boot loader, with its
# configuration and the kernel in GRUB's memdisk (grub-mkstandalone).
make_bare_esp() {
	local guest=$1 dir=$2
	cat >"$dir/grub.cfg" <<EOT
set timeout=0
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
multiboot2 /boot/$guest.elf $guest
boot
EOT
	grub-mkstandalone -O x86_64-efi --modules="multiboot2 serial normal" \
		--locales= --fonts= --themes= -o "$dir/BOOTX64.EFI" \
		"boot/grub/grub.cfg=$dir/grub.cfg" "boot/$guest.elf=$BUILD/guests/$guest.elf" ||
		die "grub-mkstandalone failed"
	rm -f "$dir/esp.img"
	dd if=/dev/zero of="$dir/esp.img" bs=1M count=64 status=none
	mformat -i "$dir/esp.img" -F :: >/dev/null
	mmd -i "$dir/esp.img" ::/EFI ::/EFI/BOOT
	mcopy -i "$dir/esp.img" "$dir/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
}

make_septum_esp() {
	local guest=$1 dir=$2
	cat >"$dir/septum.cfg" <<EOT
[partition $guest]
cpus    = 1
memory  = 32M
kernel  = $guest.elf
cmdline = $guest
EOT
	tools/mkesp.sh --config "$dir/septum.cfg" --out "$dir" --efi "$BUILD/BOOTX64.EFI" \
		--core "$BUILD/septum.elf" --search "$BUILD/guests" >/dev/null || die "mkesp failed"
}

# boot DIR: Bochs until the guest's end line (or Bochs' own end), under a hard timeout.
boot() {
	local dir=$1 guest=$2 pid t=0
	: >"$dir/serial.log"
	tests/system/bochs-machine.sh "$dir" "$dir/esp.img" 512 tests/system/diff.sh
	SDL_VIDEODRIVER=dummy timeout "$TIMEOUT" bochs -q -f "$dir/bochsrc" -rc "$dir/debugger.rc" \
		</dev/null >"$dir/bochs.out" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		if grep -aq "conf $guest: end" "$dir/serial.log"; then
			sleep 2
			kill "$pid" 2>/dev/null
			break
		fi
		sleep 1
		t=$((t + 1))
	done
	{ wait "$pid"; } 2>/dev/null   # no "Terminated" notice for the kill above
	return 0
}

# results LOG GUEST: the sorted result lines, with Septum's "[name] " tag removed.
results() {
	tr -d '\r' <"$1" | sed -E 's/^\[[^]]*\] //' | grep -aE "^conf $2: " | grep -av ': begin' | sort
}

run_guest() {
	local guest=$1 d=$BUILD/diff/$1
	mkdir -p "$d/bare" "$d/septum"
	if ((!REJUDGE)); then
		[[ -f $BUILD/guests/$guest.elf ]] || die "$BUILD/guests/$guest.elf missing (make guests)"
		make_bare_esp "$guest" "$d/bare"
		make_septum_esp "$guest" "$d/septum"
		boot "$d/bare" "$guest"
		boot "$d/septum" "$guest"
	fi
	results "$d/bare/serial.log" "$guest" >"$d/bare/results.txt"
	results "$d/septum/serial.log" "$guest" >"$d/septum/results.txt"
}

# judge GUEST: compares the two result sets against the allowed list.
judge() {
	local guest=$1 d=$BUILD/diff/$1 bad=() id seen
	local -A allowed=() kind=() bare=() septum=() ids=()
	for side in bare septum; do
		if ! grep -q "^conf $guest: end, " "$d/$side/results.txt"; then
			echo "FAIL $guest: the $side run did not reach 'conf $guest: end' (see $d/$side/serial.log)"
			return 1
		fi
	done
	while read -r g i k reason; do
		[[ -z $g || $g == \#* ]] && continue
		if [[ $k != deliberate && $k != bug ]] || [[ -z $reason ]]; then
			echo "FAIL $guest: allowed.txt: '$g $i $k': KIND must be deliberate or bug, then a reason"
			return 1
		fi
		[[ $g == "$guest" ]] && allowed[$i]=$reason && kind[$i]=$k
	done <"$ALLOWED"
	while IFS= read -r line; do
		id=${line#conf $guest: }; id=${id%% = *}
		bare[$id]=${line#* = }; ids[$id]=1
	done < <(grep -v ': end, ' "$d/bare/results.txt")
	while IFS= read -r line; do
		id=${line#conf $guest: }; id=${id%% = *}
		septum[$id]=${line#* = }; ids[$id]=1
	done < <(grep -v ': end, ' "$d/septum/results.txt")
	local n=0 ndel=0 nbug=0
	for id in "${!ids[@]}"; do
		n=$((n + 1))
		if [[ ${bare[$id]-<none>} == "${septum[$id]-<none>}" ]]; then
			[[ -n ${allowed[$id]-} ]] && bad+=("$id: allowed difference no longer shows (${bare[$id]-<none>}): drop it from allowed.txt")
			continue
		fi
		if [[ -n ${allowed[$id]-} ]]; then
			if [[ ${kind[$id]} == bug ]]; then nbug=$((nbug + 1)); else ndel=$((ndel + 1)); fi
			continue
		fi
		bad+=("$id: bare '${bare[$id]-<none>}', partitioned '${septum[$id]-<none>}'")
	done
	if ((${#bad[@]})); then
		echo "FAIL $guest: ${#bad[@]} of $n results differ"
		printf '    %s\n' "${bad[@]}" | sort
		return 1
	fi
	for id in "${!allowed[@]}"; do
		[[ -n ${ids[$id]-} ]] || bad+=("$id: listed in allowed.txt but no run printed it")
	done
	if ((${#bad[@]})); then
		echo "FAIL $guest: allowed.txt does not match"
		printf '    %s\n' "${bad[@]}" | sort
		return 1
	fi
	echo "PASS $guest ($n results: $((n - ndel - nbug)) agree, $ndel deliberate differences, $nbug known bugs)"
}

passed=0 failed=0
run_all() {
	local running=0
	for g in "${guests[@]}"; do
		run_guest "$g" &
		running=$((running + 1))
		if ((running >= JOBS)); then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
}
run_all
for g in "${guests[@]}"; do
	if judge "$g"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "diff: $passed passed, $failed failed"
((failed == 0))

#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# mkesp.sh — build Septum's EFI system partition, as a folder and as an image.
#
#   tools/mkesp.sh --config FILE --out DIR --efi BOOTX64.EFI --core septum.elf \
#                  --search DIR1:DIR2:...
#
# Creates
#   DIR/esp/      a folder for QEMU (-drive file=fat:rw:DIR/esp,format=raw)
#   DIR/esp.img   a 64 MB FAT32 image with the same content (Bochs, dd to a stick)
# holding
#   EFI/BOOT/BOOTX64.EFI   the loader (the removable-media default path, UEFI 2.9 3.5.1.1)
#   septum/septum.elf      the core
#   septum/septum.cfg      the config
#   septum/NAME            every file named by a `kernel = NAME` or `initrd = NAME`
#                          line of the config, taken from the first search directory
#                          that has it.
# The name scan is the loader's (boot/cfg_scan.c): blanks trimmed, '#' comments and
# [section] lines skipped; the real validation is septum-check's and the core's.
# Idempotent (both outputs are rebuilt from scratch, then moved into place), needs
# no root (mtools), and fails loudly on anything missing.
set -euo pipefail

prog=${0##*/}
die() { echo "$prog: error: $*" >&2; exit 1; }
usage() {
	sed -n '6,7p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

config='' out='' efi='' core='' search=''
while [ $# -gt 0 ]; do
	case $1 in
	--config) config=${2-}; shift 2 || usage ;;
	--out)    out=${2-};    shift 2 || usage ;;
	--efi)    efi=${2-};    shift 2 || usage ;;
	--core)   core=${2-};   shift 2 || usage ;;
	--search) search=${2-}; shift 2 || usage ;;
	-h|--help) usage ;;
	*) echo "$prog: unknown argument: $1" >&2; usage ;;
	esac
done
if [ -z "$config" ] || [ -z "$out" ] || [ -z "$efi" ] || [ -z "$core" ]; then usage; fi
[ -f "$config" ] || die "config $config not found"
[ -f "$efi" ] || die "loader $efi not found (make build/BOOTX64.EFI)"
[ -f "$core" ] || die "core $core not found (make build/septum.elf)"
for tool in mformat mmd mcopy; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install mtools)"
done

# Distinct kernel/initrd values, in order of appearance (same rules as cfg_scan.c).
image_names() {
	awk '
	{ sub(/\r$/, ""); line = $0; sub(/^[ \t]+/, "", line) }
	line == "" || line ~ /^#/ || line ~ /^\[/ { next }
	{
		eq = index(line, "="); if (!eq) next
		key = substr(line, 1, eq - 1); val = substr(line, eq + 1)
		gsub(/^[ \t]+|[ \t]+$/, "", key); gsub(/^[ \t]+|[ \t]+$/, "", val)
		if (key == "module") sub(/[ \t].*$/, "", val)   # module = FILE [ARGS]
		if ((key == "kernel" || key == "initrd" || key == "module") && val != "" && !(val in seen)) {
			seen[val] = 1; print val
		}
	}' "$1"
}

find_image() {
	local name=$1 dir
	local IFS=:
	for dir in $search; do
		[ -n "$dir" ] || continue
		if [ -f "$dir/$name" ]; then
			printf '%s\n' "$dir/$name"
			return 0
		fi
	done
	return 1
}

mkdir -p "$out"
tmp=$(mktemp -d "$out/.mkesp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- the folder
esp=$tmp/esp
mkdir -p "$esp/EFI/BOOT" "$esp/septum"
cp "$efi" "$esp/EFI/BOOT/BOOTX64.EFI"
cp "$core" "$esp/septum/septum.elf"
cp "$config" "$esp/septum/septum.cfg"
mapfile -t names < <(image_names "$config")
for name in "${names[@]}"; do
	case $name in
	*/*|*\\*|.|..) die "$config: image name '$name' must be a plain file name in \\septum\\" ;;
	esac
	[ ${#name} -lt 64 ] || die "$config: image name '$name' is longer than 63 characters"
	src=$(find_image "$name") || die "image '$name' named by $config not found in search path '$search'"
	cp "$src" "$esp/septum/$name"
done

# ---- the image: 64 MB FAT32 (mformat -F; FAT32 on a 16 MB image fails)
img=$tmp/esp.img
dd if=/dev/zero of="$img" bs=1M count=64 status=none
mformat -i "$img" -F -v SEPTUM ::
mmd -i "$img" ::/EFI ::/EFI/BOOT ::/septum
mcopy -i "$img" "$esp/EFI/BOOT/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$img" "$esp/septum/"* ::/septum/
# Read back what landed in the image: a silent mtools failure must not ship.
for f in EFI/BOOT/BOOTX64.EFI septum/septum.elf septum/septum.cfg "${names[@]/#/septum/}"; do
	mcopy -n -i "$img" "::/$f" "$tmp/check" 2>/dev/null || die "$f missing from $img after mcopy"
	cmp -s "$tmp/check" "$esp/$f" || die "$f differs in $img after mcopy"
	rm -f "$tmp/check"
done

# ---- replace the old outputs only now that both new ones are complete
rm -rf "$out/esp" "$out/esp.img"
mv "$esp" "$out/esp"
mv "$img" "$out/esp.img"
echo "$prog: $out/esp/ and $out/esp.img: loader, core, config, ${#names[@]} image(s)${names[*]:+: ${names[*]}}"

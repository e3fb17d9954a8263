#!/bin/sh
# Build a tiny initramfs (newc cpio, gzip) for Linux partitions from Debian's
# busybox-static and an init script.
# usage: tools/mkinitramfs.sh OUT INIT [EXTRA_FILE:DEST]...
set -eu
out=$1 init=$2
shift 2
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
cp "$init" "$root/init"
chmod 755 "$root/init"
for extra in "$@"; do
	src=${extra%%:*} dst=${extra#*:}
	mkdir -p "$root/$(dirname "$dst")"
	cp "$src" "$root/$dst"
done
mkdir -p "$(dirname "$out")"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out"
echo "mkinitramfs: $out ($(wc -c < "$out") bytes)"

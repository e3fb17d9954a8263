#!/bin/sh
# Fetch Debian's own kernel (the package linux-image-amd64 depends on, as
# shipped: no custom config, no patches) and put its bzImage at OUT.
# usage: tools/fetch-kernel.sh OUT     (cached: does nothing if OUT exists)
set -eu
out=$1
[ -s "$out" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "fetch-kernel: cannot resolve linux-image-amd64 (run apt-get update)" >&2; exit 1; }
(cd "$work" && apt-get download "$pkg" >/dev/null)
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/x"
mkdir -p "$(dirname "$out")"
cp "$work"/x/boot/vmlinuz-* "$out"
echo "fetch-kernel: $pkg -> $out"

#!/bin/sh
# Fetch Debian's own kernel (the package linux-image-amd64 depends on, as
# shipped: no custom config, no patches) and put its bzImage at OUT.
# usage: tools/fetch-kernel.sh OUT     (cached: does nothing if OUT exists)
set -eu
out=$1
[ -s "$out" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
resolve() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'; }
fetch() { pkg=$(resolve) && [ -n "$pkg" ] && (cd "$work" && apt-get download "$pkg" >/dev/null 2>&1); }
# Stale package lists name a kernel the archive no longer has: refresh once.
if ! fetch; then
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq
	fetch || { echo "fetch-kernel: cannot download linux-image-amd64's kernel (${pkg:-unresolved})" >&2; exit 1; }
fi
dpkg-deb -x "$work"/"$pkg"_*.deb "$work/x"
mkdir -p "$(dirname "$out")"
cp "$work"/x/boot/vmlinuz-* "$out"
echo "fetch-kernel: $pkg -> $out"

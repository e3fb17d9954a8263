#!/bin/sh
# The two commands of README.md, for a fresh Debian 12 machine:
#   tools/dev.sh run     install what is missing, build, boot configs/default.cfg
#                        under Bochs + OVMF (VT-x with EPT) and show the consoles
#   tools/dev.sh check   install what is missing, build, run every test (make check)
# Packages come from Debian only (apt-get, as root or through sudo).
set -eu
cd "$(dirname "$0")/.."

# Why each package is here: README.md, "Dependencies".
PKGS="make gcc libc6-dev binutils xz-utils
gnu-efi newlib-source libcmocka-dev clang libclang-rt-14-dev
bochs bochsbios vgabios bochs-sdl qemu-system-x86 ovmf mtools dosfstools grub-efi-amd64-bin grub-common
busybox-static cpio libseccomp-dev libjansson-dev libcap-dev pkg-config iproute2 python3
podman conmon crun containerd runc"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "dev.sh: installing:$missing"
	SUDO=""
	[ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi

case "${1:-}" in
run)   shift; exec make run "$@" ;;
check) shift; exec make check "$@" ;;
setup) exit 0 ;;
*)     echo "usage: tools/dev.sh run|check|setup [make variables]" >&2; exit 2 ;;
esac

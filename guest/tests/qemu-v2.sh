#!/bin/bash
# The compart suite on a pure cgroup v2 kernel: Debian's kernel (the one
# linux-image-amd64 depends on, fetched with apt-get download) booted under
# QEMU TCG with an initramfs that carries compart-static, busybox, bash and
# tests/run-tests.sh. cgroup v1 is disabled (cgroup_no_v1=all) and only
# cgroup2 is mounted, so every limit goes through the v2 backend.
#
# usage: qemu-v2.sh COMPART_STATIC WORKDIR [UNIT_TEST_PROGRAM...]
# Output: the guest's test lines, then the guest's summary line as the last
# line; exit status non-zero on any failure or if the guest gave no summary.
set -eu
S=$(readlink -f "${1:?compart-static}")
W=${2:?work dir}
mkdir -p "$W"
W=$(readlink -f "$W")
HERE=$(dirname "$(readlink -f "$0")")
shift 2
UNITS=("$@")
T0=$(date +%s)

# ------------------------------------------------------------ kernel
if [ ! -f "$W/vmlinuz" ]; then
	pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')
	[ -n "$pkg" ] || { echo "compart: 0 passed, 1 failed, 0 skipped (no kernel package found)"; exit 1; }
	ls "$W/${pkg}"_*.deb >/dev/null 2>&1 || (cd "$W" && apt-get download "$pkg" >/dev/null 2>&1)
	rm -rf "$W/kpkg"
	dpkg-deb -x "$W/${pkg}"_*.deb "$W/kpkg"
	cp "$W"/kpkg/boot/vmlinuz-* "$W/vmlinuz"
fi

# --------------------------------------------------------- initramfs
R=$W/initramfs
rm -rf "$R"
mkdir -p "$R"/{bin,sbin,proc,sys,dev,tmp,run,etc,newroot,compart}
cp /bin/busybox "$R/bin/busybox"
for a in $(/bin/busybox --list); do
	[ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
done
# bash for the test script and util-linux setpriv (busybox's cannot change
# uid) for the rootless test, with the libraries they need
rm -f "$R/bin/bash" "$R/bin/setpriv"
# (the cmocka unit programs come along with theirs: no static libcmocka)
for f in /bin/bash /usr/bin/setpriv $(ldd /bin/bash /usr/bin/setpriv "${UNITS[@]}" | grep -o '/[^ :]*'); do
	mkdir -p "$R$(dirname "$f")"
	cp -L "$f" "$R$f"
done
ln -sf /usr/bin/setpriv "$R/bin/setpriv"
# containerd, ctr, its runc shim, runc (the reference) and script(1) (ctr -t) for the client
# tests (clients.sh), where installed; podman stays on the build host (its
# storage and conmon want more of a system than this initramfs has)
if [ "${COMPART_QEMU_CLIENTS:-1}" = 1 ]; then
	for b in containerd ctr containerd-shim-runc-v2 runc script; do
		p=$(command -v $b) || continue
		for f in "$p" $(ldd "$p" | grep -o '/[^ :]*'); do
			mkdir -p "$R$(dirname "$f")"
			cp -L "$f" "$R$f"
		done
	done
fi
cp "$S" "$R/compart/compart-static"
cp "$HERE/run-tests.sh" "$HERE/clients.sh" "$R/compart/"
units=""
for u in "${UNITS[@]}"; do
	cp "$u" "$R/compart/"
	units="$units /compart/${u##*/}"
done
echo "export COMPART_UNIT='${units# }'" >"$R/compart/env"
cat >"$R/init" <<'EOF'
#!/bin/sh
# Stage 1 copies the initramfs into a tmpfs and switches to it: pivot_root(2)
# refuses to move away from the initramfs "rootfs", containers need it.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
if [ ! -e /stage2 ]; then
	mount -t proc proc /proc
	mount -t devtmpfs dev /dev
	mount -t tmpfs -o size=600m root /newroot
	cp -a /bin /sbin /lib /lib64 /usr /etc /compart /init /newroot/ 2>/dev/null
	mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run
	touch /newroot/stage2
	mount --move /dev /newroot/dev
	umount /proc
	exec switch_root /newroot /init
fi
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tmpfs tmp /tmp
mkdir -p /dev/pts && mount -t devpts -o ptmxmode=0666 devpts /dev/pts
hostname qemu-v2
echo "# guest: $(uname -r), cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
. /compart/env
CI=true /bin/bash /compart/run-tests.sh /compart/compart-static /tmp/check </dev/null
echo "compart-qemu-exit: $?"
sync
poweroff -f
EOF
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) >"$W/initramfs.gz"

# ------------------------------------------------------------ boot
# 2 vCPUs (the cpuset test wants CPU 0 of several), no network card, serial
# on stdout; panic=-1 plus -no-reboot turn a kernel panic into a QEMU exit.
timeout -k 10 600 qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m 1024 -nic none \
	-display none -monitor none -serial stdio -no-reboot \
	-kernel "$W/vmlinuz" -initrd "$W/initramfs.gz" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 cgroup_no_v1=all" </dev/null |
	tr -d '\r' >"$W/serial.log" || true
grep -v -e '^compart: [0-9]* passed' -e '^compart-qemu-exit' "$W/serial.log" | grep -v '^\[' || true
echo "# qemu-v2: $(($(date +%s) - T0)) s including boot"
line=$(grep -a '^compart: [0-9]* passed, [0-9]* failed, [0-9]* skipped$' "$W/serial.log" | tail -1)
if [ -z "$line" ]; then
	echo "compart: 0 passed, 1 failed, 0 skipped"
	exit 1
fi
echo "$line"
echo "$line" | grep -q ' 0 failed'

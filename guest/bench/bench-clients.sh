#!/bin/bash
# Benchmark, not a test (issue 11): wall time of `podman run --rm IMAGE true`
# and `ctr run --rm IMAGE ID true` with compart, crun and runc as the OCI
# runtime, interleaved (compart, crun, runc, compart, ...) after one untimed
# warm-up each, in one run. Uses the client set-up of tests/clients.sh
# (podman with its own storage, cgroupfs, netns none; containerd started
# here with its own root and socket, stopped by PID). Results:
# docs/benchmarks.md.
#
# usage: bench-clients.sh COMPART BENCHTIME WORKDIR   (BENCH_RUNS, default 15)
set -u
C=$(readlink -f "${1:?compart}")
BT=$(readlink -f "${2:?benchtime}")
W=${3:?work dir}
RUNS=${BENCH_RUNS:-15}
HERE=$(dirname "$(readlink -f "$0")")
mkdir -p "$W"
W=$(readlink -f "$W")
ROOTFS=$W/rootfs
T0=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "bench-clients: needs root"; exit 1; }
for b in podman conmon containerd ctr crun runc; do
	command -v $b >/dev/null || { echo "bench-clients: $b missing (tools/dev.sh installs it)"; exit 1; }
done
rm -rf "$ROOTFS" "$W"/times.*
mkdir -p "$ROOTFS"/{bin,proc,dev,sys,tmp,etc}
cp /bin/busybox "$ROOTFS/bin/"
for a in $("$ROOTFS/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$ROOTFS/bin/$a"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$ROOTFS/etc/passwd"

# shellcheck source=../tests/clients.sh
. "$HERE/../tests/clients.sh"
rm -rf "$CW"
podman_runroot && podman_setup 2>/dev/null || { echo "bench-clients: podman set-up failed"; exit 1; }
podman_ref # sets REF: crun, wrapped on a hybrid host
CRUN=$REF
containerd_start || { echo "bench-clients: containerd did not start"; exit 1; }

declare -A BIN=([compart]=$C [crun]=$CRUN [runc]=$(command -v runc))
RTS=(compart crun runc)

pm_cmd() { # RUNTIME_BINARY
	echo env CONTAINERS_CONF="$CW/containers.conf" CONTAINERS_STORAGE_CONF="$CW/storage.conf" \
		podman --root "$CW/pm-root" --runroot "$PM_RUN" --tmpdir "$CW/pm-tmp" \
		--cgroup-manager cgroupfs --events-backend file --storage-driver vfs \
		--runtime "$1" run --rm "$IMG" true
}

one() { # CLIENT RUNTIME I
	local b=${BIN[$2]}
	if [ "$1" = podman ]; then
		# shellcheck disable=SC2046
		"$BT" "$W/times.$1.$2" $(pm_cmd "$b") >/dev/null 2>>"$W/log.$1.$2"
	else
		"$BT" "$W/times.$1.$2" ctr -a "$CTRD_SOCK" -n compart-test run --rm \
			--snapshotter native --runc-binary "$b" "$IMG" "b-$2-$3" true \
			>/dev/null 2>>"$W/log.$1.$2"
	fi
}

for client in podman ctr; do
	for rt in "${RTS[@]}"; do one $client $rt 0; done # warm-up
	rm -f "$W"/times.$client.*
	for i in $(seq "$RUNS"); do
		for rt in "${RTS[@]}"; do one $client $rt "$i"; done
	done
done
containerd_stop
podman_cleanup

# n min p25 median p75 max (ns) of the successful runs
stats() {
	awk '$2 == 0 { print $1 }' "$1" | sort -n | awk '{ v[NR] = $1 }
	function rank(p,  k) { k = int(p * NR); if (k < p * NR) k++; if (k < 1) k = 1; return v[k] }
	END {
		if (NR == 0) { print 0, 0, 0, 0, 0, 0; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print NR, v[1], rank(0.25), med, rank(0.75), v[NR]
	}'
}

echo "# $(date -u), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS runs each, interleaved"
echo "# crun: $CRUN"
for client in podman ctr; do
	cmed=0
	printf '%-7s %-8s %4s %8s %8s %8s %8s %8s %9s %s\n' client runtime runs median min p25 p75 max /compart failed
	for rt in "${RTS[@]}"; do
		read -r n mn p25 med p75 mx < <(stats "$W/times.$client.$rt")
		[ "$rt" = compart ] && cmed=$med
		bad=$(awk '$2 != 0' "$W/times.$client.$rt" | wc -l)
		awk -v c="$client" -v r="$rt" -v n="$n" -v a="$med" -v b="$mn" -v p="$p25" -v q="$p75" \
			-v x="$mx" -v cm="$cmed" -v f="$bad" 'BEGIN {
			printf "%-7s %-8s %4d %8.1f %8.1f %8.1f %8.1f %8.1f %9.2f %d\n", c, r, n, a / 1e6,
				b / 1e6, p / 1e6, q / 1e6, x / 1e6, (cm > 0 ? a / cm : 0), f }'
	done
done
echo "# (ms; /compart: this runtime's median / compart's; whole benchmark $(($(date +%s) - T0)) s)"

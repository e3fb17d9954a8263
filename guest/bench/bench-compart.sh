#!/bin/bash
# bench-compart: start-to-exit latency and peak RSS of `RUNTIME run ID` for
# compart, crun and runc on one bundle (busybox-static rootfs, /bin/true),
# interleaved round-robin in the same run. A benchmark, not a test: nothing
# is asserted about the numbers. Exit status is non-zero only if a runtime
# failed to run the container (or the benchmark could not be set up); the
# failing runtime is named.
#
# usage: bench-compart.sh COMPART_BINARY BENCHTIME_BINARY WORKDIR
# env:   BENCH_RUNS  measured runs per runtime (default 30; the issue asks >= 20)
#
# Run as root. Each run is timed by benchtime (benchtime.c): CLOCK_MONOTONIC
# around posix_spawn()..wait4() of the runtime, nothing subtracted; peak RSS
# is wait4()'s ru_maxrss (the runtime's processes and the container's).
set -u
RUNTIMES=(compart crun runc)
RUNS=${BENCH_RUNS:-30}
T=30  # seconds any single runtime call may take before it counts as failed

# ------------------------------------------------------------------ inner
# The measuring loop. Runs in the benchmark's mount namespace (see main);
# the outer part below prepares the bundle before, and checks for leaks and
# prints the table after.
inner() {
	local w=$1 b=$1/bundle rt i id rc
	local -A failed=() nfail=()

	rt_cmd() { # RUNTIME: the argv prefix it is invoked with, state under $w
		case $1 in
		compart) echo "$C --root $w/state/compart" ;;
		crun) echo "crun --root $w/state/crun" ;;
		runc) echo "runc --root $w/state/runc" ;;
		esac
	}
	# one timed run; appends to $w/times.RT (or $w/warmup.RT), log in $w/log.RT
	one() { # RT ID OUTFILE
		local cmd
		read -ra cmd <<<"$(rt_cmd "$1")"
		timeout -k 5 $T "$BT" "$3" "${cmd[@]}" run --bundle "$b" "$2" \
			</dev/null >>"$w/log.$1" 2>&1
	}
	# `run` deletes the container and its cgroups when it exits; what it
	# left is recorded in $w/leftovers and removed, so the next run starts
	# clean. Under the hybrid wrapper /sys/fs/cgroup/unified is a plain
	# directory of the /sys/fs/cgroup tmpfs: a leftover there is no cgroup,
	# just a directory (crun 1.8 makes ID/cgroup.procs there and keeps it).
	after() { # RT ID
		local cmd d
		read -ra cmd <<<"$(rt_cmd "$1")"
		if "${cmd[@]}" state "$2" </dev/null >/dev/null 2>&1; then
			echo "LEFTOVER: $1 left container $2 after run; deleting it"
			echo "$1 container" >>"$w/leftovers"
			"${cmd[@]}" delete --force "$2" </dev/null >>"$w/log.$1" 2>&1
		fi
		while read -r d; do
			if [ "$(stat -fc %T "$d")" = tmpfs ]; then
				echo "$1 directory ${d%/*}/ID (tmpfs, not a cgroup)" >>"$w/leftovers"
				rm -rf -- "$d"
			else
				echo "$1 cgroup ${d%/*}/ID" >>"$w/leftovers"
				rmdir -- "$d"
			fi
		done < <(find /sys/fs/cgroup -mindepth 1 -depth -type d -name "$2" 2>/dev/null)
	}

	# One untimed warm-up run each (page cache, and it shows early whether
	# the runtime accepts the bundle at all).
	for rt in "${RUNTIMES[@]}"; do
		id=$PREFIX-$rt-warmup
		if ! one "$rt" "$id" "$w/warmup.$rt"; then
			failed[$rt]=1
			echo "$rt" >>"$w/failed"
			echo "FAILED: $rt could not run the container (warm-up); its output:"
			sed 's/^/    /' "$w/log.$rt" | tail -20
		fi
		after "$rt" "$id"
	done

	# Baseline: the same timer around the host's /bin/true, no container.
	for ((i = 1; i <= RUNS; i++)); do
		"$BT" "$w/times.baseline" /bin/true
	done

	"$FLOOR" "$w/bundle/rootfs" /bin/true >/dev/null 2>&1 # warm-up
	for ((i = 1; i <= RUNS; i++)); do
		# the start floor (startfloor.c), in the same round
		"$BT" "$w/times.floor" "$FLOOR" "$w/bundle/rootfs" /bin/true >>"$w/log.floor" 2>&1
		for rt in "${RUNTIMES[@]}"; do
			[ -n "${failed[$rt]:-}" ] && continue
			id=$PREFIX-$rt-$i
			one "$rt" "$id" "$w/times.$rt"
			rc=$?
			if [ $rc -ne 0 ]; then
				echo "$rt" >>"$w/failed"
				echo "FAILED: $rt run $i exited $rc; last output:"
				tail -5 "$w/log.$rt" | sed 's/^/    /'
				# a broken runtime must not stretch the benchmark by
				# RUNS timeouts
				nfail[$rt]=$((${nfail[$rt]:-0} + 1))
				[ "${nfail[$rt]}" -lt 3 ] || {
					failed[$rt]=1
					echo "FAILED: $rt failed 3 times; not measured further"
				}
			fi
			after "$rt" "$id"
		done
	done
	wc -l </proc/self/mountinfo >"$w/mounts.inner.after"
	find /sys/fs/cgroup -mindepth 1 -type d -name "$PREFIX-*" >"$w/cgroups.inner.after" 2>/dev/null
}

# ------------------------------------------------------------------ outer
die() { echo "bench-compart: $*" >&2; exit 1; }

# busybox-static rootfs with every applet linked (bin/true among them)
setup_rootfs() { # DIR
	local bb=/bin/busybox a
	# a dynamic executable has a PT_INTERP program header (ELF spec, Program Header)
	if [ ! -x $bb ] || readelf -lW $bb 2>/dev/null | grep -q 'program interpreter'; then
		die "/bin/busybox missing or not static (apt-get install busybox-static)"
	fi
	rm -rf "$1"
	mkdir -p "$1"/{bin,proc,dev,sys,tmp,etc,root}
	cp $bb "$1/bin/busybox"
	for a in $("$1/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$1/bin/$a"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$1/etc/passwd"
	echo "root:x:0:" >"$1/etc/group"
}

# The bundle's config.json: what `crun spec`/`runc spec` generate, minus
# what compart refuses (docs/compart.md): process.terminal true, the
# "cgroup" mount, linux.resources.devices, and the spec's ambient set
# (compart refuses ambient capabilities that are not also inheritable, as
# the kernel would; crun and runc skip them silently). An explicit seccomp profile is
# given so that all three runtimes compile and load the same filter (without
# one, compart loads its default profile and crun/runc load none); its deny
# list is compart's default profile (lib/security.c).
write_config() { # FILE
	local deny='"acct","add_key","bpf","clock_adjtime","clock_settime","delete_module",
	"finit_module","fsconfig","fsmount","fsopen","fspick","init_module","iopl","ioperm",
	"kcmp","kexec_file_load","kexec_load","keyctl","lookup_dcookie","mount",
	"mount_setattr","move_mount","name_to_handle_at","open_by_handle_at","open_tree",
	"perf_event_open","pivot_root","process_vm_readv","process_vm_writev","quotactl",
	"reboot","request_key","setns","settimeofday","swapoff","swapon","syslog","umount2",
	"unshare","userfaultfd","adjtimex"'
	local caps='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE"]'
	cat >"$1" <<EOF
{
 "ociVersion": "1.0.2",
 "process": {
  "terminal": false,
  "user": {"uid": 0, "gid": 0},
  "args": ["/bin/true"],
  "env": ["PATH=/bin", "HOME=/root"],
  "cwd": "/",
  "capabilities": {"bounding": $caps, "effective": $caps, "inheritable": [],
                   "permitted": $caps},
  "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
  "noNewPrivileges": true
 },
 "root": {"path": "rootfs", "readonly": true},
 "hostname": "bench",
 "mounts": [
  {"destination": "/proc", "type": "proc", "source": "proc"},
  {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
   "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
  {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
   "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]},
  {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
   "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
  {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
   "options": ["nosuid", "noexec", "nodev"]},
  {"destination": "/sys", "type": "sysfs", "source": "sysfs",
   "options": ["nosuid", "noexec", "nodev", "ro"]}
 ],
 "linux": {
  "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"},
                 {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
  "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
                  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                  "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
  "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                    "/proc/sysrq-trigger"],
  "seccomp": {
   "defaultAction": "SCMP_ACT_ALLOW",
   "architectures": ["SCMP_ARCH_X86_64"],
   "syscalls": [{"names": [$deny], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]
  }
 }
}
EOF
}

# Debian's crun and runc, installed if missing (and said so)
ensure_runtime() { # NAME
	command -v "$1" >/dev/null && return 0
	echo "note: $1 not installed; installing Debian's package with apt-get"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1"; } \
		>/dev/null 2>&1
	command -v "$1" >/dev/null && echo "note: installed $1 with apt-get" && return 0
	echo "FAILED: $1 is not installed and apt-get could not install it"
	return 1
}

cgroup_mode() {
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo v2
	elif [ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo "hybrid (v2 at /sys/fs/cgroup/unified, controllers:" \
			"'$(cat /sys/fs/cgroup/unified/cgroup.controllers)'; the rest v1)"
	else
		echo v1
	fi
}

pkg_version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"; }

compart_version() {
	local top=$1 src="guest/lib guest/cli guest/include" v
	# shellcheck disable=SC2086 # $src is a list of paths
	v=$(git -C "$top" log -1 --format='%h (%cs)' -- $src 2>/dev/null) || v=""
	[ -n "$v" ] || { echo "working tree (no git)"; return; }
	# shellcheck disable=SC2086
	git -C "$top" diff --quiet HEAD -- $src 2>/dev/null || v="$v + uncommitted changes"
	echo "git $v"
}

# sorted values (one per line) -> "n min p25 median p75 p90 max"; nearest-rank
# percentiles (the ceil(p*n)-th smallest), median the mean of the middle two
# when n is even
stats() {
	sort -n | awk '{ v[NR] = $1 }
	function rank(p,  k) { k = int(p * NR); if (k < p * NR) k++; if (k < 1) k = 1; return v[k] }
	END {
		if (NR == 0) { print 0; exit }
		med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print NR, v[1], rank(0.25), med, rank(0.75), rank(0.90), v[NR]
	}'
}

# the table: latency in ms, peak RSS in MiB, ratios of the medians vs compart
report() { # WORKDIR
	local w=$1 rt n mn p25 med p75 p90 mx rmin rmed rmax cmed=0 crss=0 fmed=0 r1 r2 r3
	# the floor's median first: every row's ratio to it
	[ -s "$w/times.floor" ] &&
		read -r _ _ _ fmed _ _ _ < <(awk '$2 == 0 { print $1 }' "$w/times.floor" | stats)
	printf '%-9s %4s %8s %8s %8s %8s %8s %8s %9s %7s | %8s %8s %8s %9s\n' \
		runtime runs median min p25 p75 p90 max "/compart" "/floor" \
		"RSS med" "RSS min" "RSS max" "/compart"
	printf '%-9s %4s %8s %8s %8s %8s %8s %8s %9s %7s | %8s %8s %8s %9s\n' \
		"" "" ms ms ms ms ms ms "" "" MiB MiB MiB ""
	for rt in "${RUNTIMES[@]}" floor baseline; do
		[ -s "$w/times.$rt" ] || { printf '%-9s %4s  (no successful run)\n' "$rt" 0; continue; }
		read -r n mn p25 med p75 p90 mx < <(awk '$2 == 0 { print $1 }' "$w/times.$rt" | stats)
		read -r _ rmin _ rmed _ _ rmax < <(awk '$2 == 0 { print $3 }' "$w/times.$rt" | stats)
		if [ "$rt" = compart ]; then cmed=$med crss=$rmed; fi
		r1=$(awk -v a="$med" -v c="$cmed" 'BEGIN { if (c > 0) printf "%.2f", a / c; else print "-" }')
		r2=$(awk -v a="$rmed" -v c="$crss" 'BEGIN { if (c > 0) printf "%.2f", a / c; else print "-" }')
		r3=$(awk -v a="$med" -v c="$fmed" 'BEGIN { if (c > 0) printf "%.2f", a / c; else print "-" }')
		[ "$rt" = baseline ] && r1=- r2=- r3=-
		[ "$rt" = floor ] && r1=- r2=-
		awk -v rt="$rt" -v n="$n" -v r1="$r1" -v r2="$r2" -v r3="$r3" \
			-v a="$med" -v b="$mn" -v c="$p25" -v d="$p75" -v e="$p90" -v f="$mx" \
			-v g="$rmed" -v h="$rmin" -v i="$rmax" 'BEGIN {
			printf "%-9s %4d %8.2f %8.2f %8.2f %8.2f %8.2f %8.2f %9s %7s | %8.1f %8.1f %8.1f %9s\n",
				rt, n, a / 1e6, b / 1e6, c / 1e6, d / 1e6, e / 1e6, f / 1e6, r1, r3,
				g / 1024, h / 1024, i / 1024, r2 }'
	done
}

# Leftover state, cgroups, mounts, processes of this benchmark (IDs start
# with $PREFIX); anything found is reported and removed.
leak_check() { # WORKDIR MOUNTS_BEFORE
	local w=$1 leaks=0 left d p rt
	for rt in "${RUNTIMES[@]}"; do
		for d in "$w/state/$rt"/*; do
			[ -e "$d" ] || continue
			echo "LEAK: $rt state $d"; leaks=$((leaks + 1))
		done
	done
	while read -r d; do
		echo "LEAK: cgroup $d"; leaks=$((leaks + 1))
		rmdir "$d" 2>/dev/null
	done < <(find /sys/fs/cgroup -mindepth 1 -depth -type d -name "*$PREFIX-*" 2>/dev/null)
	[ "$(wc -l </proc/self/mountinfo)" -eq "$2" ] ||
		{ echo "LEAK: host mounts $2 -> $(wc -l </proc/self/mountinfo)"; leaks=$((leaks + 1)); }
	while read -r d; do
		echo "LEAK: cgroup (benchmark namespace) $d"; leaks=$((leaks + 1))
	done < <(cat "$w/cgroups.inner.after" 2>/dev/null)
	if [ -s "$w/mounts.inner.after" ] &&
		[ "$(cat "$w/mounts.inner.after")" -ne "$(cat "$w/mounts.inner.before")" ]; then
		echo "LEAK: benchmark mount namespace mounts $(cat "$w/mounts.inner.before") -> $(cat "$w/mounts.inner.after")"
		leaks=$((leaks + 1))
	fi
	for p in /proc/[0-9]*; do
		tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -q -- "$PREFIX-" || continue
		echo "LEAK: process ${p#/proc/}: $(tr '\0' ' ' <"$p/cmdline")"
		leaks=$((leaks + 1))
	done
	echo "after each run (untimed): RUNTIME state ID, find /sys/fs/cgroup -name ID; left behind by \`run\`, then removed:"
	for rt in "${RUNTIMES[@]}"; do
		left=$(grep -c "^$rt " "$w/leftovers" 2>/dev/null)
		echo "  $rt: ${left:-0}$( [ "${left:-0}" -gt 0 ] && grep "^$rt " "$w/leftovers" |
			cut -d' ' -f2- | sort | uniq -c | sed 's/^ */; /' | tr -d '\n')"
	done
	echo "leak check at the end: $leaks leftover(s) (state dirs; cgroups named $PREFIX-* in the" \
		"host and the benchmark mount namespace; mount counts of both; processes)"
}

main() {
	local start w mode rt mounts_before rc failed_rts=""
	start=$(date +%s%N)
	[ $# -eq 3 ] || die "usage: bench-compart.sh COMPART BENCHTIME WORKDIR"
	[ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, cgroups, pivot_root)"
	[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS must be a positive integer, not '$RUNS'"
	[ "$RUNS" -ge 20 ] || echo "note: BENCH_RUNS=$RUNS is below the 20 runs issue 4 asks for"
	C=$(readlink -f "$1") BT=$(readlink -f "$2") w=$3
	[ -x "$C" ] || die "no compart binary $1"
	[ -x "$BT" ] || die "no benchtime binary $2"
	for rt in crun runc; do ensure_runtime "$rt" || failed_rts+=" $rt"; done
	[ -z "$failed_rts" ] || die "runtime(s) not available:$failed_rts"

	mkdir -p "$w"
	w=$(readlink -f "$w")
	rm -rf "$w/bundle" "$w/state" "$w"/times.* "$w"/warmup.* "$w"/log.* "$w"/mounts.* "$w"/cgroups.* \
		"$w/failed" "$w/leftovers"
	mkdir -p "$w/bundle" "$w"/state/{compart,crun,runc}
	chmod 755 "$w" "$w/bundle"
	setup_rootfs "$w/bundle/rootfs"
	write_config "$w/bundle/config.json"
	PREFIX=bench$$
	FLOOR=$(dirname "$BT")/startfloor
	[ -x "$FLOOR" ] || die "no startfloor binary next to $BT"
	export C BT PREFIX RUNS FLOOR

	mode=$(cgroup_mode)
	echo "== bench-compart: $(date -u)"
	echo "machine: $(nproc) CPUs, $(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')," \
		"kernel $(uname -r), cgroups $mode; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "compart: $C, $(compart_version "$(dirname "$(readlink -f "$0")")/../..")"
	echo "crun:    $(command -v crun), $(crun --version | head -1) (Debian $(pkg_version crun))"
	echo "runc:    $(command -v runc), $(runc --version | head -1) (Debian $(pkg_version runc))"
	echo "bundle:  $w/bundle (busybox-static rootfs, process /bin/true, same config.json for all)"
	echo "runs:    $RUNS measured per runtime after 1 warm-up each, round-robin ${RUNTIMES[*]}"

	mounts_before=$(wc -l </proc/self/mountinfo)
	local body
	# shellcheck disable=SC2016 # "$W" is expanded by the inner shell
	body=$(declare -f inner)'; inner "$W"'
	if [[ $mode == hybrid* ]]; then
		# Debian's crun refuses hybrid cgroups; it runs in a mount namespace
		# without the (controller-less) v2 mount. All three runtimes get the
		# same: one private mount namespace for the whole benchmark, made
		# once, outside the timed interval.
		echo "invoked: all three inside one mount namespace made by" \
			"\`unshare --mount --propagation private\`, /sys/fs/cgroup/unified unmounted there" \
			"(crun refuses hybrid cgroups otherwise; same for all for fairness), then per run:"
	else
		echo "invoked: in the host's mount namespace (no wrapper needed with cgroups $mode), per run:"
	fi
	echo "         benchtime -> compart --root $w/state/compart run --bundle $w/bundle ID"
	echo "         benchtime -> crun --root $w/state/crun run --bundle $w/bundle ID"
	echo "         benchtime -> runc --root $w/state/runc run --bundle $w/bundle ID"
	echo "         (stdin /dev/null; after each run, untimed: RUNTIME state ID must fail, else delete --force)"
	# shellcheck disable=SC2016 # expanded by the inner shell
	if [[ $mode == hybrid* ]]; then
		W=$w RUNTIMES_S="${RUNTIMES[*]}" T=$T unshare --mount --propagation private -- bash -c '
			set -u; RUNTIMES=($RUNTIMES_S)
			umount /sys/fs/cgroup/unified || { echo "FAILED: cannot umount /sys/fs/cgroup/unified"; exit 1; }
			wc -l </proc/self/mountinfo >"$W/mounts.inner.before"
			'"$body"
	else
		W=$w RUNTIMES_S="${RUNTIMES[*]}" T=$T bash -c '
			set -u; RUNTIMES=($RUNTIMES_S)
			wc -l </proc/self/mountinfo >"$W/mounts.inner.before"
			'"$body"
	fi
	echo
	report "$w"
	echo "(latency: wall clock of \`RUNTIME run ID\` start to exit, CLOCK_MONOTONIC; RSS: wait4 ru_maxrss;"
	echo " /compart: this runtime's median / compart's median; /floor: over the start floor's (startfloor.c:"
	echo " clone with the same namespaces, mount /proc, pivot_root, exec); baseline: the timer around the host's /bin/true)"
	leak_check "$w" "$mounts_before"
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); total time $((($(date +%s%N) - start) / 1000000000)) s"

	rc=0
	if [ -s "$w/failed" ]; then
		while read -r rt; do
			echo "bench-compart: FAILED: $rt failed to run the container" \
				"($(grep -cx "$rt" "$w/failed") failure(s); output in $w/log.$rt)"
		done < <(sort -u "$w/failed")
		rc=1
	fi
	return $rc
}

main "$@"

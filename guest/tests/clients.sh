# compart driven by real OCI clients (issue 11): Debian's podman (conmon)
# and containerd (ctr), each case run with a reference runtime first (crun
# for podman, runc for containerd) and then with compart, in the same run.
# A case fails when the reference passes it and compart does not; when the
# reference fails too it is skipped with both reasons. Sourced by
# run-tests.sh (uses its t/pass/fail/skip, $C, $W and $ROOTFS).
#
# Everything lives under $W/clients: podman's --root/--runroot/--tmpdir,
# containerd's root, state and socket (containerd is started here and
# stopped by its PID). No network: podman runs with netns none, containerd
# has no CRI plugin, images are imported from the busybox rootfs.

CW=$W/clients
CLIENT_T=60 # seconds any single client call may take

# vs_ref FN: FN uses $RT (the runtime binary) and $RN (its name)
vs_ref() {
	local fn=$1 rref=1 why=""
	if [ -n "$REF" ]; then
		RT=$REF RN=$REFNAME REASON=""
		"$fn"
		rref=$?
		why=$REASON
	fi
	RT=$C RN=compart REASON=""
	"$fn" && return 0
	if [ -n "$REF" ] && [ $rref -ne 0 ]; then
		REASON="the reference $REFNAME fails too ($why); compart: $REASON"
		return 77
	fi
	return 1
}

# ------------------------------------------------------------ podman

pm() {
	CONTAINERS_CONF=$CW/containers.conf CONTAINERS_STORAGE_CONF=$CW/storage.conf \
		timeout -k 5 $CLIENT_T podman --root "$CW/pm-root" --runroot "$PM_RUN" \
		--tmpdir "$CW/pm-tmp" --cgroup-manager cgroupfs --events-backend file \
		--storage-driver vfs --runtime "$RT" "$@"
}

IMG=localhost/compart-bb:1

# podman refuses a runroot longer than 50 characters: a short one in /tmp
PM_RUN=""

# in the caller's shell, not in podman_setup's $(...) subshell
podman_runroot() { PM_RUN=$(mktemp -d /tmp/compart-pm.XXXXXX); }

podman_setup() {
	mkdir -p "$CW"
	# podman's default nofile (1048576) needs CAP_SYS_RESOURCE, which root
	# lacks on some build hosts
	cat >"$CW/containers.conf" <<-EOF
	[containers]
	netns = "none"
	default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	EOF
	printf '[storage]\ndriver = "vfs"\nrunroot = "%s"\ngraphroot = "%s"\n' \
		"$PM_RUN" "$CW/pm-root" >"$CW/storage.conf"
	tar -C "$ROOTFS" -c . | RT=$C pm import - $IMG >/dev/null
}

# The reference: crun; on a hybrid host it needs its own mount namespace
# without the v2 mount (EMULATORS.md "Build machine quirks").
podman_ref() {
	REF="" REFNAME=""
	command -v crun >/dev/null || return 0
	REF=$(command -v crun) REFNAME=crun
	if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] && mountpoint -q /sys/fs/cgroup/unified; then
		REF=$CW/crun-hybrid
		printf '#!/bin/sh\nexec unshare -m sh -c %s crun "$@"\n' \
			"'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun \"\$@\"'" >"$REF"
		chmod +x "$REF"
	fi
}

pm_echo() {
	OUT=$(pm run --rm $IMG echo hello 2>&1)
	[ "$OUT" = hello ] || { REASON="got '$OUT'"; return 1; }
}

pm_exit() {
	OUT=$(pm run --rm $IMG sh -c 'exit 3' 2>&1)
	RC=$?
	[ $RC -eq 3 ] || { REASON="status $RC, want 3 ($OUT)"; return 1; }
}

pm_stdin() {
	OUT=$(printf 'line one\nline two\n' | pm run --rm -i $IMG sh -c 'wc -l; echo done' 2>&1)
	[ "$(echo $OUT)" = "2 done" ] || { REASON="got '$OUT'"; return 1; }
}

pm_run_tty() {
	OUT=$(pm run --rm -t $IMG sh -c 'tty; test -t 0 && echo t0' 2>&1 | tr -d '\r')
	echo "$OUT" | grep -q '^/dev/pts/[0-9]' && echo "$OUT" | grep -q '^t0$' ||
		{ REASON="got '$OUT'"; return 1; }
}

pm_detach() {
	pm rm -f pm-d-$RN >/dev/null 2>&1
	OUT=$(pm run -d --name pm-d-$RN $IMG sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' 2>&1) ||
		{ REASON="run -d: $OUT"; return 1; }
	OUT=$(pm ps --format '{{.Names}} {{.Status}}' 2>&1)
	echo "$OUT" | grep -q "^pm-d-$RN Up" || { REASON="ps: $OUT"; return 1; }
}

pm_exec() {
	OUT=$(pm exec pm-d-$RN sh -c 'echo in $(hostname); exit 4' 2>&1)
	RC=$?
	[ $RC -eq 4 ] && echo "$OUT" | grep -q '^in ' || { REASON="status $RC, got '$OUT'"; return 1; }
}

pm_exec_tty() {
	OUT=$(pm exec -t pm-d-$RN tty 2>&1 | tr -d '\r')
	echo "$OUT" | grep -q '^/dev/pts/[0-9]' || { REASON="got '$OUT'"; return 1; }
}

pm_stop() {
	pm stop -t 10 pm-d-$RN >/dev/null 2>&1 || { REASON="stop failed"; return 1; }
	OUT=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' pm-d-$RN 2>&1)
	[ "$OUT" = "exited 7" ] || { REASON="after stop (TERM, trapped: exit 7): '$OUT'"; return 1; }
}

pm_stop_kill() {
	# sleep as pid 1 ignores TERM: stop must fall back to KILL (137)
	pm run -d --name pm-k-$RN $IMG sleep 100 >/dev/null 2>&1 || { REASON="run -d failed"; return 1; }
	pm stop -t 1 pm-k-$RN >/dev/null 2>&1 || { REASON="stop failed"; return 1; }
	OUT=$(pm inspect --format '{{.State.Status}} {{.State.ExitCode}}' pm-k-$RN 2>&1)
	pm rm pm-k-$RN >/dev/null 2>&1
	[ "$OUT" = "exited 137" ] || { REASON="after stop: '$OUT'"; return 1; }
}

pm_rm() {
	pm rm pm-d-$RN >/dev/null 2>&1 || { REASON="rm failed"; return 1; }
	pm container exists pm-d-$RN && { REASON="still exists after rm"; return 1; }
	return 0
}

# the limits seen inside (v1 or v2 files) and on the host, in the cgroup
# the container's process is in
pm_limits() {
	local pid cg f
	pm rm -f pm-l-$RN >/dev/null 2>&1
	OUT=$(pm run -d --name pm-l-$RN --memory 64m --pids-limit 20 $IMG sleep 100 2>&1) ||
		{ REASON="run -d: $OUT"; return 1; }
	OUT=$(pm exec pm-l-$RN sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max' 2>&1)
	pid=$(pm inspect --format '{{.State.Pid}}' pm-l-$RN)
	cg=""
	for f in memory/memory.limit_in_bytes pids/pids.max memory.max pids.max; do
		local ctl=${f%%/*} rel
		[ "$ctl" = "$f" ] && ctl="" # v2
		rel=$(awk -F: -v c="$ctl" '($2 == c) || (c == "" && $1 == 0) || index(","$2",", ","c",") {print $3; exit}' /proc/$pid/cgroup)
		[ -r "/sys/fs/cgroup/${ctl:+$ctl/}$rel/${f##*/}" ] && cg="$cg $(cat "/sys/fs/cgroup/${ctl:+$ctl/}$rel/${f##*/}")"
	done
	pm rm -f pm-l-$RN >/dev/null 2>&1
	[ "$(echo $OUT)" = "67108864 20" ] || { REASON="inside: '$OUT'"; return 1; }
	[ "$(echo $cg)" = "67108864 20" ] || { REASON="on the host: '$cg'"; return 1; }
}

# what --read-only (tmpfs with tmpcopyup), --user, --cap-drop, --sysctl and
# --device put in the config
pm_options() {
	OUT=$(pm run --rm --read-only --user 1000:1000 --cap-drop all --sysctl net.ipv4.ip_default_ttl=33 \
		--device /dev/fuse $IMG sh -c 'id -u; cat /proc/sys/net/ipv4/ip_default_ttl; touch /x 2>/dev/null || echo ro; touch /tmp/y && echo tmp-rw; grep CapEff /proc/self/status | tr -d "\t"; ls -l /dev/fuse | cut -c1' 2>&1)
	expect_out "$(printf '1000\n33\nro\ntmp-rw\nCapEff:0000000000000000\nc')" "$OUT"
}

# --privileged: every capability, every host device node (replacing the
# default ones), no seccomp
pm_privileged() {
	OUT=$(pm run --rm --privileged $IMG sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status | tr -d "\t"; ls -l /dev/null | cut -c1-10' 2>&1)
	echo "$OUT" | grep -q '^Seccomp:0$' && echo "$OUT" | grep -q '^crw-rw-rw-$' &&
		[ "$(echo "$OUT" | grep CapEff)" = "CapEff:$(grep CapBnd /proc/self/status | tr -d '\t' | cut -d: -f2)" ] ||
		{ REASON="got '$OUT'"; return 1; }
}

podman_tests() {
	local why=""
	command -v podman >/dev/null && command -v conmon >/dev/null ||
		why="podman or conmon not in PATH (tools/dev.sh installs them; the QEMU initramfs does not carry them)"
	[ -z "$why" ] && ! mkdir -p /sys/fs/cgroup/pids/compart-probe 2>/dev/null &&
		! mkdir -p /sys/fs/cgroup/compart-probe 2>/dev/null && why="cgroups not writable here"
	rmdir /sys/fs/cgroup/pids/compart-probe /sys/fs/cgroup/compart-probe 2>/dev/null
	if [ -z "$why" ] && ! { podman_runroot && OUT=$(podman_setup 2>&1); }; then
		why="podman import failed: $OUT"
	fi
	if [ -n "$why" ]; then
		podman_cleanup
		skip "podman (all cases)" "$why"
		return
	fi
	podman_ref
	echo "# podman $(podman --version | awk '{print $3}'), reference ${REFNAME:-none}"
	t "podman run --rm echo" vs_ref pm_echo
	t "podman run: exit status 3 propagated" vs_ref pm_exit
	t "podman run -i with piped stdin" vs_ref pm_stdin
	t "podman run -t (console socket)" vs_ref pm_run_tty
	t "podman run -d, ps shows Up" vs_ref pm_detach
	t "podman exec: output and status" vs_ref pm_exec
	t "podman exec -t" vs_ref pm_exec_tty
	t "podman stop: TERM trapped, exit status 7" vs_ref pm_stop
	t "podman stop: KILL after the timeout, 137" vs_ref pm_stop_kill
	t "podman rm" vs_ref pm_rm
	t "podman --memory 64m --pids-limit 20 inside and on the host" vs_ref pm_limits
	t "podman --read-only --user --cap-drop --sysctl --device" vs_ref pm_options
	t "podman --privileged" vs_ref pm_privileged
	podman_cleanup
}

podman_cleanup() {
	[ -n "$PM_RUN" ] || return 0
	RT=$C pm rm -fa >/dev/null 2>&1
	rm -rf "$PM_RUN"
	PM_RUN=""
}

# --------------------------------------------------------- containerd

CTRD_PID=""

# containerd's sockets in a short directory: a unix socket path has at
# most 107 characters, and the work dir may be deep
CTRD_SOCK=""

ctr_() { timeout -k 5 $CLIENT_T ctr -a "$CTRD_SOCK" -n compart-test "$@"; }

# An OCI image layout (image-spec image-layout.md) of the rootfs: one
# layer, its config, the manifest, and index.json naming it.
oci_archive() {
	local d=$CW/oci b=$CW/oci/blobs/sha256 l c m
	rm -rf "$d" && mkdir -p "$b"
	tar -C "$ROOTFS" -cf "$CW/layer.tar" .
	l=$(sha256sum "$CW/layer.tar" | cut -d' ' -f1)
	mv "$CW/layer.tar" "$b/$l"
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin"],"Cmd":["sh"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$l" >"$CW/blob"
	c=$(sha256sum "$CW/blob" | cut -d' ' -f1)
	mv "$CW/blob" "$b/$c"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$c" "$(stat -c %s "$b/$c")" "$l" "$(stat -c %s "$b/$l")" >"$CW/blob"
	m=$(sha256sum "$CW/blob" | cut -d' ' -f1)
	mv "$CW/blob" "$b/$m"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"1"}}]}' \
		"$m" "$(stat -c %s "$b/$m")" "$IMG" >"$d/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$d/oci-layout"
	tar -C "$d" -cf "$CW/image.tar" .
}

containerd_start() {
	mkdir -p "$CW/ctrd"
	CTRD_SOCK=$(mktemp -d /tmp/compart-ctrd.XXXXXX)/sock || return 1
	cat >"$CW/ctrd/config.toml" <<-EOF
	version = 2
	root = "$CW/ctrd/root"
	state = "$CW/ctrd/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
	[grpc]
	  address = "$CTRD_SOCK"
	[ttrpc]
	  address = "$CTRD_SOCK.ttrpc"
	EOF
	containerd --config "$CW/ctrd/config.toml" >"$CW/ctrd/log" 2>&1 &
	CTRD_PID=$!
	for _ in $(seq 100); do
		[ -S "$CTRD_SOCK" ] && ctr_ version >/dev/null 2>&1 && break
		sleep 0.1
	done
	ctr_ version >/dev/null 2>&1 || { echo "containerd did not come up: $(tail -3 "$CW/ctrd/log")"; return 1; }
	oci_archive && ctr_ image import "$CW/image.tar" >/dev/null
}

containerd_stop() {
	if [ -n "$CTRD_PID" ]; then
		kill "$CTRD_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$CTRD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$CTRD_PID" 2>/dev/null
		wait "$CTRD_PID" 2>/dev/null
	fi
	CTRD_PID=""
	[ -n "$CTRD_SOCK" ] && rm -rf "${CTRD_SOCK%/sock}"
	CTRD_SOCK=""
}

crun_() { ctr_ run --snapshotter native --runc-binary "$RT" "$@"; }

# the task's state in `ctr task ls`
task_status() { ctr_ task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }

ct_run() {
	OUT=$(crun_ --rm $IMG ct-c1-$RN echo hello 2>&1)
	[ "$OUT" = hello ] || { REASON="got '$OUT'"; return 1; }
}

ct_exit() {
	OUT=$(crun_ --rm $IMG ct-c2-$RN sh -c 'echo out; exit 3' 2>&1)
	RC=$?
	[ $RC -eq 3 ] && [ "$OUT" = out ] || { REASON="status $RC, got '$OUT'"; return 1; }
}

ct_detach() {
	OUT=$(crun_ -d --memory-limit 67108864 $IMG ct-d-$RN sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' 2>&1) ||
		{ REASON="run -d: $OUT"; return 1; }
	[ "$(task_status ct-d-$RN)" = RUNNING ] || { REASON="task ls: $(ctr_ task ls 2>&1)"; return 1; }
}

ct_exec() {
	OUT=$(ctr_ task exec --exec-id e1 ct-d-$RN sh -c 'echo in $$; exit 4' 2>&1)
	RC=$?
	[ $RC -eq 4 ] && echo "$OUT" | grep -q '^in ' || { REASON="status $RC, got '$OUT'"; return 1; }
}

ct_pause() {
	ctr_ task pause ct-d-$RN || { REASON="pause failed"; return 1; }
	[ "$(task_status ct-d-$RN)" = PAUSED ] || { REASON="after pause: $(task_status ct-d-$RN)"; return 1; }
	ctr_ task resume ct-d-$RN || { REASON="resume failed"; return 1; }
	[ "$(task_status ct-d-$RN)" = RUNNING ] || { REASON="after resume: $(task_status ct-d-$RN)"; return 1; }
}

ct_memory() {
	local pid rel f
	pid=$(ctr_ task ls | awk -v id=ct-d-$RN '$1 == id {print $2}')
	rel=$(awk -F: '$2 == "memory" || $1 == 0 {print $3; exit}' /proc/$pid/cgroup)
	for f in "/sys/fs/cgroup/memory$rel/memory.limit_in_bytes" "/sys/fs/cgroup$rel/memory.max"; do
		[ -r "$f" ] && OUT=$(cat "$f") && break
	done
	[ "$OUT" = 67108864 ] || { REASON="memory limit on the host: '$OUT'"; return 1; }
}

ct_kill() {
	ctr_ task kill ct-d-$RN || { REASON="kill failed"; return 1; }
	for _ in $(seq 50); do [ "$(task_status ct-d-$RN)" = STOPPED ] && break; sleep 0.1; done
	[ "$(task_status ct-d-$RN)" = STOPPED ] || { REASON="after kill: $(task_status ct-d-$RN)"; return 1; }
	OUT=$(ctr_ task delete ct-d-$RN 2>&1) || { REASON="task delete: $OUT"; return 1; }
	ctr_ container rm ct-d-$RN || { REASON="container rm failed"; return 1; }
}

# ctr -t wants a console on its stdin: script(1) gives it one
ct_tty() {
	command -v script >/dev/null || { REASON="no script(1) to give ctr a terminal"; return 77; }
	OUT=$(timeout -k 5 $CLIENT_T script -qec "ctr -a $CTRD_SOCK -n compart-test run -t --rm --snapshotter native --runc-binary $RT $IMG ct-t-$RN sh -c 'tty; exit 2'" /dev/null </dev/null)
	RC=$?
	# the terminal's NUL comes back echoed as "^@"
	OUT=$(printf '%s\n' "$OUT" | tr -d '\r' | sed 's/\^@//g')
	echo "$OUT" | grep -q '^/dev/pts/[0-9]' && [ "$RC" -eq 2 ] || { REASON="status $RC, got '$OUT'"; return 1; }
}

# compart's refusal reaches the user: the shim reads it from --log (JSON)
ct_error() {
	OUT=$(crun_ --rm --memory-limit 1000 $IMG ct-e-compart true 2>&1)
	RC=$?
	ctr_ container rm ct-e-compart >/dev/null 2>&1
	[ $RC -ne 0 ] && echo "$OUT" | grep -q "OCI runtime create failed: create: config.json: 'linux.resources.memory.limit' = 1000 is impossible" ||
		{ REASON="rc $RC: $OUT"; return 1; }
	[ ! -e /run/containerd/runc/compart-test/ct-e-compart ] || { REASON="compart state left behind"; return 1; }
}

containerd_tests() {
	local why=""
	command -v containerd >/dev/null && command -v ctr >/dev/null ||
		why="containerd or ctr not in PATH (tools/dev.sh installs them)"
	# not in $(...): containerd's PID must reach containerd_stop
	if [ -z "$why" ] && ! containerd_start >"$CW/ctrd-start.log" 2>&1; then
		why="containerd could not start here: $(tail -3 "$CW/ctrd-start.log")"
	fi
	if [ -n "$why" ]; then
		containerd_stop
		skip "containerd (all cases)" "$why"
		return
	fi
	REF="" REFNAME=""
	command -v runc >/dev/null && REF=$(command -v runc) REFNAME=runc
	echo "# containerd $(containerd --version | awk '{print $3}'), reference ${REFNAME:-none}"
	t "ctr run --rm echo" vs_ref ct_run
	t "ctr run --rm: output and exit status 3" vs_ref ct_exit
	t "ctr run -d, task ls RUNNING" vs_ref ct_detach
	t "ctr task exec: output and status" vs_ref ct_exec
	t "ctr task pause/resume" vs_ref ct_pause
	t "ctr --memory-limit on the host" vs_ref ct_memory
	t "ctr task kill, delete, container rm" vs_ref ct_kill
	t "ctr run -t (console socket)" vs_ref ct_tty
	RT=$C RN=compart
	t "ctr shows compart's refusal, read from --log" ct_error
	containerd_stop
}

# nothing the clients started may outlive them (containerd, shims, conmon)
clients_gone() {
	local left="" p
	for _ in $(seq 50); do
		left=""
		for p in /proc/[0-9]*; do
			grep -qaF -e "$CW" -e compart-test "$p/cmdline" 2>/dev/null && left="$left ${p#/proc/}:$(cat "$p/comm" 2>/dev/null)"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
	done
	REASON="still running:$left"
	return 1
}

client_tests() {
	rm -rf "$CW"
	mkdir -p "$CW"
	podman_tests
	containerd_tests
	t "clients: containerd stopped, no shim or conmon left" clients_gone
}

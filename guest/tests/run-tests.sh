#!/bin/bash
# compart system tests: real containers on this host, from a busybox-static
# rootfs built here. Run as root (CI is root). One line per check:
#   ok - NAME | FAIL - NAME: why | SKIP - NAME: why
# and exactly one summary line at the end:
#   compart: N passed, N failed, N skipped
# Exit status: non-zero if anything failed.
#
# usage: run-tests.sh COMPART_BINARY WORKDIR
set -u
C=$(readlink -f "${1:?compart binary}")
W=${2:?work dir}
mkdir -p "$W"
W=$(readlink -f "$W")
STATE=$W/state
ROOTFS=$W/rootfs
PASSED=0 FAILED=0 SKIPPED=0
T=20  # seconds any single compart call may take

pass() { PASSED=$((PASSED + 1)); echo "ok - $1"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL - $1: $2"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP - $1: $2"; }
summary() {
	echo "compart: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" -eq 0 ]
	exit $?
}

# run a test function: 0 pass, 77 skip (REASON says why), else fail
t() {
	local name=$1 rc
	shift
	REASON=""
	"$@"
	rc=$?
	if [ $rc -eq 0 ]; then pass "$name"
	elif [ $rc -eq 77 ]; then skip "$name" "$REASON"
	else fail "$name" "${REASON:-exit $rc}"; fi
}

cpt() { timeout -k 5 $T "$C" --root "$STATE" "$@" </dev/null; }

# little-endian unsigned integer of $3 bytes at offset $2 of file $1
le() { od -An -tu$3 -j"$2" -N"$3" "$1" | tr -d ' '; }

# An ELF with a PT_INTERP program header needs a dynamic loader (ELF-64
# object file format: e_phoff at 32, e_phentsize at 54, e_phnum at 56;
# PT_INTERP = 3). file(1) is not everywhere (e.g. the QEMU initramfs).
has_interp() {
	local off n sz i
	off=$(le "$1" 32 8) sz=$(le "$1" 54 2) n=$(le "$1" 56 2)
	for ((i = 0; i < n; i++)); do
		[ "$(le "$1" $((off + i * sz)) 4)" = 3 ] && return 0
	done
	return 1
}

if [ "$(id -u)" -ne 0 ]; then
	skip "all" "needs root (namespaces, cgroups, pivot_root)"
	summary
fi

# ------------------------------------------------------------ setup
setup_rootfs() {
	local bb=/bin/busybox a
	[ -x $bb ] || { echo "no /bin/busybox (install busybox-static)"; return 1; }
	has_interp $bb && { echo "/bin/busybox is not static (install busybox-static)"; return 1; }
	rm -rf "$ROOTFS"
	mkdir -p "$ROOTFS"/{bin,proc,dev,sys,tmp,etc,root}
	cp $bb "$ROOTFS/bin/busybox"
	for a in $("$ROOTFS/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$ROOTFS/bin/$a"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$ROOTFS/etc/passwd"
	echo "root:x:0:" >"$ROOTFS/etc/group"
	chmod 755 "$W" "$ROOTFS"
}

# Leftovers of an interrupted earlier run are deleted first.
for d in "$STATE"/*/; do
	[ -d "$d" ] && "$C" --root "$STATE" delete --force "$(basename "$d")" </dev/null >/dev/null 2>&1
done
rm -rf "$STATE" "$W/bundles"
if ! msg=$(setup_rootfs 2>&1); then
	fail "setup" "$msg"
	summary
fi
MOUNTS_BEFORE=$(wc -l </proc/self/mountinfo)

NS='{"type":"pid"},{"type":"mount"},{"type":"network"},{"type":"uts"},{"type":"ipc"},{"type":"cgroup"}'
USERNS='{"type":"user"},'$NS
MAPS='"uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],"gidMappings":[{"containerID":0,"hostID":100000,"size":65536}]'

# json-quote a shell script as ["sh","-c","..."]
sh_args() { printf '["sh","-c","%s"]' "$(printf %s "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

# bundle NAME ARGS_JSON [PROCESS_EXTRA] [LINUX_EXTRA] [TOP_EXTRA] [NAMESPACES]
bundle() {
	local d=$W/bundles/$1
	mkdir -p "$d"
	cat >"$d/config.json" <<EOF
{
 "ociVersion": "1.0.2",
 "root": {"path": "$ROOTFS", "readonly": true},
 "process": {"args": $2, "env": ["PATH=/bin", "HOME=/root"], "cwd": "/"${3:+, $3}},
 "hostname": "compart-test",
 "linux": {"namespaces": [${6:-$NS}]${4:+, $4}}${5:+, $5}
}
EOF
	echo "$d"
}

# crun NAME SCRIPT [extras...]: run a shell script container; sets OUT ERR RC
crun() {
	local name=$1 script=$2 b
	shift 2
	b=$(bundle "$name" "$(sh_args "$script")" "$@")
	OUT=$(cpt run --bundle "$b" "ct-$name" 2>"$W/err")
	RC=$?
	ERR=$(cat "$W/err")
}

# true once PID has exited (gone, or a zombie its new parent has yet to reap)
gone() {
	local st
	for _ in $(seq 60); do
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.05
	done
	return 1
}

# pids whose comm is $1 (pgrep is not in every busybox)
procs_named() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat $p/comm 2>/dev/null)" = "$1" ] && echo "${p#/proc/}"
	done
}

expect_out() { # expected actual
	[ "$2" = "$1" ] && return 0
	REASON="expected '$1', got '$2' (rc $RC, stderr: ${ERR:0:200})"
	return 1
}

# ------------------------------------------------------------ tests
test_static() {
	local s="${C%/*}/compart-static"
	[ -x "$s" ] || { REASON="$s missing"; return 1; }
	has_interp "${C%/*}/compart-static" && { REASON="$s has an ELF interpreter"; return 1; }
	has_interp /bin/bash || { REASON="PT_INTERP check cannot see bash's loader"; return 1; }
	"$s" info | grep -q '^cgroups: ' || { REASON="compart-static info failed"; return 1; }
}

# COMPART_UNIT: the cmocka programs (make check builds them), one check each
test_unit() {
	local o
	o=$("$1" 2>&1)
	if [ $? -ne 0 ]; then
		REASON=$(echo "$o" | grep -E 'FAILED|Failure|lacks|refused' | head -5 | tr '\n' ' ')
		return 1
	fi
	echo "# ${1##*/}: $(echo "$o" | grep -F '[  PASSED  ]')"
}

test_info() {
	local o
	o=$(cpt info) || { REASON="info failed"; return 1; }
	echo "$o" | grep -q '^hypervisor: ' && echo "$o" | grep -q '^cgroups: ' ||
		{ REASON="unexpected: $o"; return 1; }
	echo "# $(echo "$o" | tr '\n' ';')"
}

test_pid1() { crun pid1 'echo $$'; expect_out 1 "$OUT"; }

test_host_pids_invisible() {
	crun pids 'ls -d /proc/[0-9]* | wc -l'
	# sh (1) and ls: the host's hundreds of processes must not show
	[ "$RC" -eq 0 ] && [ "$OUT" -le 3 ] || { REASON="saw $OUT pids (rc $RC, $ERR)"; return 1; }
}

test_hostname() {
	local before
	before=$(hostname)
	crun uts 'hostname'
	expect_out compart-test "$OUT" && expect_out "$before" "$(hostname)"
}

test_ro_rootfs() {
	crun ro 'touch /ro-test 2>&1; echo rc=$?'
	[ ! -e "$ROOTFS/ro-test" ] || { REASON="file appeared in the rootfs"; rm -f "$ROOTFS/ro-test"; return 1; }
	echo "$OUT" | grep -q 'Read-only file system' && echo "$OUT" | grep -q 'rc=1' ||
		{ REASON="touch did not fail read-only: $OUT"; return 1; }
}

test_rootfs_isolated() {
	echo secret >"$W/host-only"
	crun iso "cat $W/host-only 2>/dev/null; test -e /work -o -e $W; echo \$?"
	rm -f "$W/host-only"
	expect_out 1 "$OUT"
}

test_loopback_only() {
	crun net 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ip link show lo | grep -c "UP"'
	expect_out "$(printf 'lo\n1')" "$OUT"
}

test_caps_default() {
	# OCI default: CAP_AUDIT_WRITE(29) CAP_KILL(5) CAP_NET_BIND_SERVICE(10)
	crun caps 'grep -E "^Cap(Eff|Prm|Bnd|Inh|Amb)" /proc/self/status | tr -d "\t" | tr "\n" " "'
	expect_out "CapInh:0000000000000000 CapPrm:0000000020000420 CapEff:0000000020000420 CapBnd:0000000020000420 CapAmb:0000000000000000 " "$OUT"
}

test_caps_none_nnp() {
	crun capsnone 'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status | tr -d "\t" | tr "\n" " "' \
		'"noNewPrivileges": true, "capabilities": {"bounding": [], "effective": [], "permitted": []}'
	expect_out "CapEff:0000000000000000 CapBnd:0000000000000000 NoNewPrivs:1 " "$OUT"
}

test_seccomp_errno() {
	crun sc 'mkdir /tmp/x 2>&1; echo rc=$?; grep ^Seccomp: /proc/self/status | tr -d "\t"' '' \
		'"seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 95}]}' \
		'"mounts": [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "mode=1777"]}]'
	# errno 95 = EOPNOTSUPP, "Operation not supported"
	echo "$OUT" | grep -q "Operation not supported" && echo "$OUT" | grep -q 'rc=1' &&
		echo "$OUT" | grep -q 'Seccomp:2' || { REASON="got: $OUT / $ERR"; return 1; }
}

test_seccomp_default() {
	# unshare(CLONE_NEWUSER) needs no capability: EPERM here is the profile
	crun scdef 'unshare -U true 2>&1; echo rc=$?; grep ^Seccomp: /proc/self/status | tr -d "\t"'
	echo "$OUT" | grep -q "Operation not permitted" && echo "$OUT" | grep -q 'Seccomp:2' ||
		{ REASON="got: $OUT / $ERR"; return 1; }
}

test_exit_code() {
	crun exit 'exit 42'
	[ "$RC" -eq 42 ] || { REASON="rc $RC, want 42 ($ERR)"; return 1; }
}

test_exec_failure() {
	local b
	b=$(bundle nosuch '["/bin/no-such-program"]')
	OUT=$(cpt run --bundle "$b" ct-nosuch 2>&1)
	RC=$?
	[ $RC -ne 0 ] && echo "$OUT" | grep -q 'exec /bin/no-such-program: No such file' ||
		{ REASON="rc $RC: $OUT"; return 1; }
}

test_rlimit_oom_adj() {
	crun rlim 'ulimit -n; ulimit -Hn; cat /proc/self/oom_score_adj' \
		'"rlimits": [{"type": "RLIMIT_NOFILE", "soft": 100, "hard": 200}], "oomScoreAdj": 500'
	expect_out "$(printf '100\n200\n500')" "$OUT"
}

test_masked_readonly_dev() {
	crun paths 'wc -c </proc/kallsyms; ls /proc/tty | wc -l; echo 1 >/proc/sys/kernel/domainname 2>/dev/null; echo w=$?; ls /dev | tr "\n" " "' \
		'' '"maskedPaths": ["/proc/kallsyms", "/proc/tty"], "readonlyPaths": ["/proc/sys"]'
	expect_out "$(printf '0\n0\nw=1\nfd full null ptmx pts random shm stderr stdin stdout tty urandom zero ')" "$OUT"
}

test_userns() {
	local b pid uid ex
	b=$(bundle userns "$(sh_args 'cat /proc/self/uid_map | tr -s " "; id -u; sleep 30')" '' "$MAPS" '' "$USERNS")
	cpt create --bundle "$b" --pid-file "$W/userns.pid" ct-userns >"$W/userns.out" 2>&1 ||
		{ REASON="create: $(cat "$W/userns.out")"; return 1; }
	pid=$(cat "$W/userns.pid")
	cpt start ct-userns
	for _ in $(seq 100); do [ "$(wc -l <"$W/userns.out")" -ge 2 ] && break; sleep 0.05; done
	uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")
	# exec joins the user namespace first, then the ones it owns
	RC=0
	ex=$(cpt exec ct-userns sh -c 'id -u; hostname' 2>&1) || RC=$?
	cpt delete --force ct-userns
	OUT=$(cat "$W/userns.out")
	expect_out "$(printf ' 0 100000 65536\n0')" "$OUT" && expect_out 100000 "$uid" &&
		expect_out "$(printf '0\ncompart-test')" "$ex"
}

# rootless: the same binary run by an unprivileged user (nobody), mapping
# only its own uid/gid; no cgroup (none is delegated), ps/kill via the pid ns
test_rootless() {
	local b st sp u=65534
	# a path, not a name: busybox timeout would run its own setpriv applet
	sp=$(readlink -f "$(command -v setpriv)")
	[ -n "$sp" ] && "$sp" --help 2>&1 | grep -q -- --reuid ||
		{ REASON="no setpriv(1) with --reuid to drop to an unprivileged user"; return 77; }
	st=$W/rootless-state
	mkdir -p "$st" && chown $u:$u "$st"
	b=$(bundle rootless "$(sh_args 'id -u; cat /proc/self/uid_map | tr -s " "; echo $$; grep CapEff /proc/self/status | tr -d "\t"')" '' \
		"\"uidMappings\":[{\"containerID\":0,\"hostID\":$u,\"size\":1}],\"gidMappings\":[{\"containerID\":0,\"hostID\":$u,\"size\":1}]" '' "$USERNS")
	OUT=$(timeout -k 5 $T "$sp" --reuid=$u --regid=$u --clear-groups "$C" --root "$st" run --bundle "$b" ct-rootless 2>&1 </dev/null)
	RC=$?
	if echo "$OUT" | grep -q 'clone with namespaces: Operation not permitted'; then
		REASON="this host forbids unprivileged user namespaces: $OUT"
		return 77
	fi
	expect_out "$(printf '0\n 0 65534 1\n1\nCapEff:0000000020000420')" "$OUT" || return 1
	[ -z "$(ls -A "$st")" ] || { REASON="rootless state left: $(ls -A "$st")"; return 1; }
	rmdir "$st"
	# and a limit it cannot apply is refused by name, not ignored
	b=$(bundle rootlesslim '["true"]' '' \
		"\"resources\": {\"pids\": {\"limit\": 10}}, \"uidMappings\":[{\"containerID\":0,\"hostID\":$u,\"size\":1}],\"gidMappings\":[{\"containerID\":0,\"hostID\":$u,\"size\":1}]" '' "$USERNS")
	mkdir -p "$st" && chown $u:$u "$st"
	OUT=$(timeout -k 5 $T "$sp" --reuid=$u --regid=$u --clear-groups "$C" --root "$st" run --bundle "$b" ct-rootlesslim 2>&1 </dev/null)
	RC=$?
	[ $RC -ne 0 ] && echo "$OUT" | grep -q 'linux.resources cannot be applied (not root' ||
		{ REASON="rootless limit: rc $RC: $OUT"; return 1; }
	[ -z "$(ls -A "$st")" ] || { REASON="rootless state left: $(ls -A "$st")"; return 1; }
	rmdir "$st"
}

test_lifecycle() {
	local b pid s
	b=$(bundle life "$(sh_args 'trap "exit 42" TERM; while :; do sleep 0.1; done')")
	cpt create --bundle "$b" --pid-file "$W/life.pid" ct-life >"$W/life.out" 2>&1 ||
		{ REASON="create failed: $(cat "$W/life.out")"; return 1; }
	pid=$(cat "$W/life.pid")
	s=$(cpt state ct-life)
	echo "$s" | grep -q '"status": "created"' && echo "$s" | grep -q "\"pid\": $pid" ||
		{ REASON="state after create: $s"; return 1; }
	cpt list | grep -q "^ct-life .*created" || { REASON="list: $(cpt list)"; return 1; }
	cpt start ct-life || { REASON="start failed"; return 1; }
	cpt state ct-life | grep -q '"status": "running"' || { REASON="not running after start"; return 1; }
	cpt start ct-life 2>/dev/null && { REASON="second start accepted"; return 1; }
	OUT=$(cpt exec ct-life sh -c 'echo $$; exit 3')
	RC=$?
	[ $RC -eq 3 ] && [ "$OUT" -gt 1 ] || { REASON="exec: rc $RC out $OUT"; return 1; }
	cpt ps ct-life | grep -q "^$pid " || { REASON="ps lacks $pid: $(cpt ps ct-life)"; return 1; }
	cpt delete ct-life 2>/dev/null && { REASON="delete of a running container accepted"; return 1; }
	cpt kill ct-life TERM || { REASON="kill failed"; return 1; }
	for _ in $(seq 50); do cpt state ct-life | grep -q '"status": "stopped"' && break; sleep 0.1; done
	cpt state ct-life | grep -q '"status": "stopped"' || { REASON="not stopped after TERM"; return 1; }
	cpt exec ct-life true 2>/dev/null && { REASON="exec into stopped container accepted"; return 1; }
	cpt delete ct-life || { REASON="delete failed"; return 1; }
	cpt state ct-life 2>/dev/null && { REASON="state still there"; return 1; }
	gone "$pid" || { REASON="pid $pid survived"; return 1; }
}

test_force_delete_after_crash() {
	local b pid
	b=$(bundle crash "$(sh_args 'sleep 60')")
	cpt create --bundle "$b" --pid-file "$W/crash.pid" ct-crash >/dev/null 2>&1 || { REASON="create"; return 1; }
	cpt start ct-crash
	pid=$(cat "$W/crash.pid")
	cpt kill --all ct-crash KILL || { REASON="kill --all"; return 1; }
	cpt delete --force ct-crash || { REASON="delete --force"; return 1; }
	gone "$pid" || { REASON="pid $pid survived"; return 1; }
	# a create that crashed before its init existed: state says "creating"
	mkdir -p "$STATE/ct-half"
	echo '{"id":"ct-half","pid":0,"starttime":0,"bundle":"/x","created":"","cgroup_mode":"none","cgroup_path":"compart/ct-half","annotations":{}}' >"$STATE/ct-half/state.json"
	cpt state ct-half | grep -q '"status": "creating"' || { REASON="half state: $(cpt state ct-half)"; return 1; }
	cpt delete ct-half 2>/dev/null && { REASON="delete without force accepted"; return 1; }
	cpt delete --force ct-half && [ ! -e "$STATE/ct-half" ] || { REASON="half state not cleaned"; return 1; }
}

# A limit the host cannot apply makes compart refuse with "cannot be
# applied": that is a SKIP with compart's own reason, never a pass.
skip_if_unenforceable() {
	if echo "$ERR" | grep -q 'cannot be applied'; then
		REASON="host cannot enforce it: $ERR"
		return 0
	fi
	return 1
}

test_memory_oom() {
	crun mem 'dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd=$?' '' \
		'"resources": {"memory": {"limit": 16777216}}'
	skip_if_unenforceable && return 77
	expect_out "dd=137" "$OUT" || return 1
	echo "$ERR" | grep -q 'OOM-killed' || { REASON="no OOM report: $ERR"; return 1; }
}

test_fork_bomb() {
	# bounded "bomb": if the limit did not hold the host would only get 64 sleeps
	# the inner shell dies at its first failed fork; counting uses builtins only
	crun pidslim 'sh -c "for i in \$(seq 1 64); do sleep 3 & done" 2>/dev/null; set -- /proc/[0-9]*; echo $#' '' \
		'"resources": {"pids": {"limit": 16}}'
	skip_if_unenforceable && return 77
	[ "$RC" -eq 0 ] && [ "$OUT" -le 16 ] && [ "$OUT" -ge 10 ] ||
		{ REASON="saw $OUT processes with pids.limit 16 (rc $RC, $ERR)"; return 1; }
}

test_cpu_quota() {
	local b f n
	b=$(bundle cpuq "$(sh_args 'while :; do :; done')" '' \
		'"resources": {"cpu": {"quota": 10000, "period": 100000}}')
	if ! cpt create --bundle "$b" ct-cpuq >/dev/null 2>"$W/err"; then
		ERR=$(cat "$W/err")
		skip_if_unenforceable && return 77
		REASON="create: $ERR"
		return 1
	fi
	cpt start ct-cpuq
	sleep 1
	for f in /sys/fs/cgroup/cpu/compart/ct-cpuq/cpu.stat /sys/fs/cgroup/compart/ct-cpuq/cpu.stat; do
		[ -r $f ] && n=$(awk '/^nr_throttled/ {print $2}' $f) && break
	done
	cpt delete --force ct-cpuq
	[ "${n:-0}" -gt 0 ] || { REASON="busy loop never throttled (nr_throttled=${n:-none})"; return 1; }
}

test_cpuset() {
	crun cpuset 'grep Cpus_allowed_list /proc/self/status | tr -d "\t"' '' \
		'"resources": {"cpu": {"cpus": "0"}}'
	skip_if_unenforceable && return 77
	expect_out "Cpus_allowed_list:0" "$OUT"
}

# bad input: each a clear message, non-zero status, nothing left behind
bad() { # name, expected message regex, then compart args
	local name=$1 re=$2
	shift 2
	OUT=$(cpt "$@" 2>&1)
	RC=$?
	[ $RC -ne 0 ] || { REASON="accepted"; return 1; }
	echo "$OUT" | grep -Eq "$re" || { REASON="message '$OUT' lacks /$re/"; return 1; }
	[ ! -e "$STATE/ct-$name" ] || { REASON="state left behind"; return 1; }
	! ls -d /sys/fs/cgroup/*/compart/ct-$name /sys/fs/cgroup/compart/ct-$name 2>/dev/null | grep -q . ||
		{ REASON="cgroup left behind"; return 1; }
}

bad_bundle() { # name, regex, config text
	mkdir -p "$W/bundles/$1"
	printf '%s' "$3" >"$W/bundles/$1/config.json"
	bad "$1" "$2" run --bundle "$W/bundles/$1" "ct-$1"
}

good_json() { # replace the marker @X@ in a valid config with $1
	local j
	j=$(cat "$(bundle tmpl '["true"]')/config.json")
	printf '%s' "${j/\"hostname\": \"compart-test\",/$1}"
}

test_bad_missing_bundle() { bad nob "bundle '$W/nowhere'" run --bundle "$W/nowhere" ct-nob; }
test_bad_malformed() { bad_bundle malformed 'config.json: line [0-9]+' '{"ociVersion": "1.0.2", "root": '; }
test_bad_unknown_field() {
	bad_bundle unknown "unsupported field 'linux.intelRdt'" \
		"$(good_json '"hostname": "x",' | sed 's/"linux": {/"linux": {"intelRdt": {"closID": "x"}, /')"
}
test_bad_unknown_top() {
	bad_bundle unknowntop "'hooks.poststop\[0\].timeout' must be 1..3600 seconds" \
		"$(good_json '"hooks": {"poststop": [{"path": "/bin/true", "timeout": 0}]}, "hostname": "x",')"
}
test_bad_memory() {
	bad_bundle badmem "memory.limit' = 1000 is impossible" \
		"$(good_json '"hostname": "x",' | sed 's/"linux": {/"linux": {"resources": {"memory": {"limit": 1000}}, /')"
}
test_bad_pids() {
	bad_bundle badpids "pids.limit' = 0 is impossible" \
		"$(good_json '"hostname": "x",' | sed 's/"linux": {/"linux": {"resources": {"pids": {"limit": 0}}, /')"
}
test_bad_cpuset() {
	bad_bundle badcpus "CPU/node 4096 does not exist" \
		"$(good_json '"hostname": "x",' | sed 's/"linux": {/"linux": {"resources": {"cpu": {"cpus": "0,4096"}}, /')"
}
test_bad_rootfs() {
	bad_bundle norootfs "root.path '/nonexistent/rootfs': No such file" \
		"$(good_json '"hostname": "x",' | sed "s|\"path\": \"$ROOTFS\"|\"path\": \"/nonexistent/rootfs\"|")"
}
test_bad_terminal() {
	bad_bundle term "process.terminal is set: compart run needs --console-socket" \
		"$(good_json '"hostname": "x",' | sed 's/"cwd": "\/"/"cwd": "\/", "terminal": true/')"
}
test_bad_id() { bad badid "container id '../x' is invalid" run --bundle "$W/bundles/tmpl" ../x; }
test_bad_duplicate() {
	local b
	b=$(bundle dup "$(sh_args 'sleep 30')")
	cpt create --bundle "$b" ct-dup >/dev/null 2>&1 || { REASON="first create failed"; return 1; }
	OUT=$(cpt create --bundle "$b" ct-dup 2>&1)
	RC=$?
	cpt delete --force ct-dup
	[ $RC -ne 0 ] && echo "$OUT" | grep -q "container 'ct-dup' already exists" || { REASON="rc $RC: $OUT"; return 1; }
}
test_bad_unknown_container() { bad ghost "container 'ct-ghost' does not exist" kill ct-ghost KILL; }

# runc's CLI semantics the clients depend on
test_log_json() {
	local b
	rm -f "$W/log.json"
	b=$(bundle logbad '["true"]' '' '"resources": {"pids": {"limit": 0}}')
	OUT=$(timeout -k 5 $T "$C" --root "$STATE" --log "$W/log.json" --log-format json create --bundle "$b" ct-logbad 2>&1 </dev/null)
	RC=$?
	[ $RC -ne 0 ] || { REASON="create accepted"; return 1; }
	grep -q '^{"level": *"error", *"msg": *"create: config.json: .linux.resources.pids.limit. = 0 is impossible' "$W/log.json" &&
		grep -q '"time": *"20' "$W/log.json" || { REASON="log: $(cat "$W/log.json")"; return 1; }
	[ ! -e "$STATE/ct-logbad" ] || { REASON="state left behind"; return 1; }
}

test_runc_semantics() {
	local b pid
	cpt delete --force ct-never-was || { REASON="delete --force of a missing container failed"; return 1; }
	b=$(bundle sem "$(sh_args 'exit 0')")
	cpt create --bundle "$b" --pid-file "$W/sem.pid" ct-sem >/dev/null 2>&1 || { REASON="create"; return 1; }
	pid=$(cat "$W/sem.pid")
	# no monitor: the init's parent is gone, it was reparented
	[ "$(awk '{print $4}' /proc/$pid/stat)" != "$$" ] || { REASON="init still our child?"; return 1; }
	cpt start ct-sem
	for _ in $(seq 50); do cpt state ct-sem | grep -q '"status": "stopped"' && break; sleep 0.05; done
	OUT=$(cpt kill ct-sem KILL 2>&1)
	RC=$?
	cpt delete ct-sem
	[ $RC -ne 0 ] && echo "$OUT" | grep -q 'container not running' || { REASON="kill of an exited container: rc $RC '$OUT'"; return 1; }
	# runc deletes a created (never started) container without --force
	cpt create --bundle "$b" --pid-file "$W/sem.pid" ct-sem2 >/dev/null 2>&1 || { REASON="create 2"; return 1; }
	cpt delete ct-sem2 || { REASON="delete of a created container refused"; return 1; }
	gone "$(cat "$W/sem.pid")" || { REASON="created container's init survived delete"; return 1; }
	"$C" --version | grep -q '^compart version' || { REASON="--version"; return 1; }
	"$C" features | grep -q '"ociVersionMax"' || { REASON="features"; return 1; }
	OUT=$("$C" --systemd-cgroup list 2>&1) && { REASON="--systemd-cgroup accepted"; return 1; }
	echo "$OUT" | grep -q 'systemd-cgroup is not supported' || { REASON="--systemd-cgroup: $OUT"; return 1; }
}

# set-up errors fail create itself (not the container's stderr after start)
test_setup_error_at_create() {
	mkdir -p "$W/bundles/lateerr"
	good_json '"hostname": "x",' | sed 's|"cwd": "/"|"cwd": "/no/such/dir"|' >"$W/bundles/lateerr/config.json"
	OUT=$(cpt create --bundle "$W/bundles/lateerr" ct-lateerr 2>&1)
	RC=$?
	[ $RC -ne 0 ] && echo "$OUT" | grep -q 'process.cwd /no/such/dir' || { REASON="rc $RC: $OUT"; return 1; }
	[ ! -e "$STATE/ct-lateerr" ] || { REASON="state left behind"; return 1; }
}

test_pause_update() {
	local b n1 n2
	b=$(bundle pause "$(sh_args 'i=0; while :; do i=$((i+1)); echo $i >/tmp/n; done')" '' '' \
		'"mounts": [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]')
	cpt create --bundle "$b" ct-pause >/dev/null 2>&1 || { REASON="create"; return 1; }
	cpt start ct-pause
	cpt pause ct-pause || { REASON="pause failed"; cpt delete --force ct-pause; return 1; }
	cpt state ct-pause | grep -q '"status": "paused"' || { REASON="state not paused"; cpt delete --force ct-pause; return 1; }
	n1=$(cpt exec ct-pause cat /tmp/n 2>&1) # exec into a paused container is refused
	cpt resume ct-pause || { REASON="resume failed"; cpt delete --force ct-pause; return 1; }
	cpt state ct-pause | grep -q '"status": "running"' || { REASON="not running after resume"; cpt delete --force ct-pause; return 1; }
	cpt update --pids-limit 33 ct-pause || { REASON="update failed"; cpt delete --force ct-pause; return 1; }
	n2=$(cat /sys/fs/cgroup/pids/compart/ct-pause/pids.max /sys/fs/cgroup/compart/ct-pause/pids.max 2>/dev/null)
	cpt delete --force ct-pause
	echo "$n1" | grep -q 'is paused' || { REASON="exec while paused: $n1"; return 1; }
	[ "$n2" = 33 ] || { REASON="pids.max after update: $n2"; return 1; }
}

test_client_config() {
	# what podman emits: a cgroup mount, deny-all device rules, i386/x32 seccomp
	# /dev/fuse (c 10:229, opened by anyone) is made from linux.devices but
	# not allowed by the device rules: opening it must fail
	crun clientcfg 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max; head -c1 /dev/null && echo devnull-ok; cat /proc/sys/net/ipv4/ip_default_ttl; ls -l /dev/fuse | cut -c1; sh -c ": </dev/fuse" 2>&1 | grep -o "not permitted"' '' \
		'"devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}], "resources": {"pids": {"limit": 50}, "devices": [{"allow": false, "access": "rwm"}]}, "sysctl": {"net.ipv4.ip_default_ttl": "42"}, "seccomp": {"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]}' \
		'"mounts": [{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro", "nosuid"]}, {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro", "nosuid"]}]'
	skip_if_unenforceable && return 77
	expect_out "$(printf '50\ndevnull-ok\n42\nc\nnot permitted')" "$OUT"
}

test_hooks() {
	local b h=$W/hookout bb='"path": "/bin/busybox"'
	rm -rf "$h" && mkdir -p "$h"
	b=$(bundle hooks "$(sh_args 'cat /hookout/sc; hostname')" '' '' \
		"\"mounts\": [{\"destination\": \"/hookout\", \"type\": \"bind\", \"source\": \"$h\", \"options\": [\"bind\"]}],
		 \"hooks\": {
		  \"prestart\": [{$bb, \"args\": [\"sh\", \"-c\", \"cat > $h/prestart\"]}],
		  \"createRuntime\": [{$bb, \"args\": [\"sh\", \"-c\", \"hostname > $h/cr\"]}],
		  \"createContainer\": [{$bb, \"args\": [\"sh\", \"-c\", \"hostname > /hookout/cc\"], \"timeout\": 5}],
		  \"startContainer\": [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"echo start-hook > /hookout/sc\"]}],
		  \"poststart\": [{$bb, \"args\": [\"sh\", \"-c\", \"echo ok > $h/poststart\"]}],
		  \"poststop\": [{$bb, \"args\": [\"sh\", \"-c\", \"cat > $h/poststop\"]}]}")
	cpt create --bundle "$b" --pid-file "$W/hooks.pid" ct-hooks >"$W/hooks.out" 2>&1 ||
		{ REASON="create: $(cat "$W/hooks.out")"; return 1; }
	grep -q '"status": "created"' "$h/prestart" && grep -q "\"pid\": $(cat "$W/hooks.pid")" "$h/prestart" ||
		{ REASON="prestart state: $(cat "$h/prestart")"; cpt delete --force ct-hooks; return 1; }
	cpt start ct-hooks
	for _ in $(seq 50); do cpt state ct-hooks | grep -q '"status": "stopped"' && break; sleep 0.05; done
	cpt delete ct-hooks
	expect_out "$(hostname)" "$(cat "$h/cr")" && expect_out compart-test "$(cat "$h/cc")" &&
		expect_out "$(printf 'start-hook\ncompart-test')" "$(cat "$W/hooks.out")" &&
		expect_out ok "$(cat "$h/poststart")" || return 1
	grep -q '"id": "ct-hooks"' "$h/poststop" || { REASON="poststop: $(cat "$h/poststop")"; return 1; }
	# a failing prestart hook fails create, and nothing is left
	b=$(bundle hookfail '["true"]' '' '' '"hooks": {"prestart": [{"path": "/bin/busybox", "args": ["false"]}]}')
	bad hookfail 'hooks.prestart\[0\] /bin/busybox failed \(exit status 1\)' create --bundle "$b" ct-hookfail
}

# the config `runc spec` generates (cgroup mount, deny-all devices, ambient
# capabilities that are not inheritable), terminal off, runs as it is
test_runc_spec() {
	local d=$W/bundles/runcspec
	command -v runc >/dev/null || { REASON="runc not installed"; return 77; }
	rm -rf "$d" && mkdir -p "$d"
	(cd "$d" && runc spec) || { REASON="runc spec failed"; return 1; }
	sed -i "s|\"terminal\": true|\"terminal\": false|; s|\"path\": \"rootfs\"|\"path\": \"$ROOTFS\"|; s|\"sh\"$|\"sh\", \"-c\", \"grep CapEff /proc/self/status; hostname\"|" "$d/config.json"
	OUT=$(cpt run --bundle "$d" ct-runcspec 2>&1)
	expect_out "$(printf 'CapEff:\t0000000020000420\nrunc')" "$OUT"
}

# --preserve-fds, --no-pivot, and a network namespace joined by path
test_create_options() {
	local b pid ns
	echo preserved >"$W/fd3"
	b=$(bundle fds "$(sh_args 'cat <&3; ls /proc/self/fd | wc -l')")
	OUT=$(timeout -k 5 $T "$C" --root "$STATE" run --preserve-fds 1 --bundle "$b" ct-fds 3<"$W/fd3" 4<"$W/fd3" 2>&1 </dev/null)
	# fds 0-3 and the one ls opens: fd 4 was not preserved
	expect_out "$(printf 'preserved\n5')" "$OUT" || return 1
	OUT=$(timeout -k 5 $T "$C" --root "$STATE" run --no-pivot --bundle "$(bundle nopivot "$(sh_args 'echo $$; ls /')")" ct-nopivot 2>&1 </dev/null)
	echo "$OUT" | head -1 | grep -qx 1 && echo "$OUT" | grep -qx bin || { REASON="--no-pivot: $OUT"; return 1; }
	# tmpcopyup (podman --read-only): a writable /etc that still has passwd
	OUT=$(cpt run --bundle "$(bundle copyup "$(sh_args 'head -c5 /etc/passwd; touch /etc/new && echo w')" '' '' \
		'"mounts": [{"destination": "/etc", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "mode=755"]}]')" ct-copyup 2>&1)
	expect_out "$(printf 'root:w')" "$OUT" || return 1
	b=$(bundle nsowner "$(sh_args 'sleep 30')")
	cpt create --bundle "$b" --pid-file "$W/nsowner.pid" ct-nsowner >/dev/null 2>&1 || { REASON="create"; return 1; }
	pid=$(cat "$W/nsowner.pid")
	ns=$(readlink /proc/$pid/ns/net)
	b=$(bundle nsjoin "$(sh_args 'readlink /proc/self/ns/net')" '' '' '' \
		"{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/$pid/ns/net\"},{\"type\":\"uts\"},{\"type\":\"ipc\"}")
	OUT=$(cpt run --bundle "$b" ct-nsjoin 2>&1)
	cpt delete --force ct-nsowner
	expect_out "$ns" "$OUT"
}

# blockIO throttling, seen in the container's own cgroup (v1 or v2 file)
test_blkio() {
	local dev maj min
	dev=$(cat /sys/block/*/dev 2>/dev/null | head -1)
	[ -n "$dev" ] || { REASON="no block device to throttle"; return 77; }
	maj=${dev%:*} min=${dev#*:}
	crun blkio 'cat /sys/fs/cgroup/blkio/blkio.throttle.read_bps_device 2>/dev/null || cat /sys/fs/cgroup/io.max' '' \
		"\"resources\": {\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": $maj, \"minor\": $min, \"rate\": 1048576}]}}" \
		'"mounts": [{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["ro"]}, {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["ro"]}]'
	skip_if_unenforceable && return 77
	echo "$OUT" | grep -Eq "^$maj:$min (rbps=)?1048576( |\$)" || { REASON="got '$OUT' ($ERR)"; return 1; }
}

. "$(dirname "$0")/clients.sh"

test_no_leaks() {
	local left
	left=$(ls -A "$STATE" 2>/dev/null)
	[ -z "$left" ] || { REASON="state left: $left"; return 1; }
	left=$(ls -d /sys/fs/cgroup/*/compart/ct-* /sys/fs/cgroup/compart/ct-* 2>/dev/null)
	[ -z "$left" ] || { REASON="cgroups left: $left"; return 1; }
	left=$(grep -c "$W" /proc/self/mountinfo)
	[ "$left" -eq 0 ] && [ "$(wc -l </proc/self/mountinfo)" -eq "$MOUNTS_BEFORE" ] ||
		{ REASON="host mounts changed: $left under $W"; return 1; }
	# monitors exit right after their container; give them a moment
	for _ in $(seq 40); do [ -z "$(procs_named compart)" ] && break; sleep 0.05; done
	left=$(procs_named compart)
	[ -z "$left" ] || { REASON="compart processes left: $left"; return 1; }
	left=$(for p in /proc/[0-9]*; do [ "$(readlink $p/exe 2>/dev/null)" = "$ROOTFS/bin/busybox" ] && echo ${p#/proc/}; done)
	[ -z "$left" ] || { REASON="container processes left: $left"; return 1; }
}

echo "# compart tests: $C, work dir $W, kernel $(uname -r)"
if [ -n "${COMPART_UNIT:-}" ]; then
	for u in $COMPART_UNIT; do t "unit tests ${u##*/} (cmocka)" test_unit "$u"; done
else
	skip "unit tests" "COMPART_UNIT not set (no cmocka build here)"
fi
t "compart-static is a static binary" test_static
t "info reports hypervisor and cgroup mode" test_info
t "container process is pid 1" test_pid1
t "host processes invisible" test_host_pids_invisible
t "hostname isolated" test_hostname
t "read-only rootfs" test_ro_rootfs
t "rootfs isolated from host files" test_rootfs_isolated
t "network: loopback only, up" test_loopback_only
t "capabilities reduced to the OCI default" test_caps_default
t "capabilities emptied, no_new_privs" test_caps_none_nnp
t "seccomp (config) fails with errnoRet" test_seccomp_errno
t "seccomp default profile denies unshare" test_seccomp_default
t "exit code propagated by run" test_exit_code
t "exec failure reported" test_exec_failure
t "rlimits and oom_score_adj" test_rlimit_oom_adj
t "masked/readonly paths, minimal /dev" test_masked_readonly_dev
t "user namespace with uid/gid maps" test_userns
t "rootless (unprivileged user, own uid mapped)" test_rootless
t "create/state/start/exec/ps/kill/delete lifecycle" test_lifecycle
t "delete --force after a compart crash" test_force_delete_after_crash
t "memory hog is OOM-killed and reported" test_memory_oom
t "fork loop (64 forks) stopped by pids.limit 16" test_fork_bomb
t "cpu quota throttles a busy loop" test_cpu_quota
t "cpuset restricts CPUs" test_cpuset
t "bad input: missing bundle" test_bad_missing_bundle
t "bad input: malformed JSON" test_bad_malformed
t "bad input: unknown linux field" test_bad_unknown_field
t "bad input: hook without a valid timeout" test_bad_unknown_top
t "bad input: impossible memory limit" test_bad_memory
t "bad input: impossible pids limit" test_bad_pids
t "bad input: non-existent CPU" test_bad_cpuset
t "bad input: non-existent rootfs" test_bad_rootfs
t "bad input: terminal without a console socket" test_bad_terminal
t "bad input: invalid id" test_bad_id
t "bad input: duplicate id" test_bad_duplicate
t "bad input: unknown container" test_bad_unknown_container
t "--log FILE --log-format json: errors as JSON lines" test_log_json
t "runc semantics: delete --force, kill, --version, features" test_runc_semantics
t "set-up errors fail create" test_setup_error_at_create
t "pause/resume (freezer) and update" test_pause_update
t "hooks: each kind, in its namespace, with the state" test_hooks
t "the config runc spec generates runs unchanged (terminal off)" test_runc_spec
t "--preserve-fds, --no-pivot, tmpcopyup, a namespace joined by path" test_create_options
t "blockIO read throttle in the container's cgroup" test_blkio
t "client config: cgroup mount, device rules, sysctl, x86 arches" test_client_config
if [ "${COMPART_CLIENTS:-1}" = 1 ]; then
	client_tests
else
	skip "podman and containerd" "COMPART_CLIENTS=0"
fi
t "no leaked state, cgroups, mounts or processes" test_no_leaks
summary

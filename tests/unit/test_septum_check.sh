#!/bin/bash
# Command-line checks of build/septum-check: exit status, the exact
# "FILE:LINE: reason" text on stderr, the plan on stdout, usage errors, and
# image checks against tiny ELF files made here with as/ld.
#
# usage: tests/unit/test_septum_check.sh [path/to/septum-check]   (from the repo root)
set -u
bin=${1:-build/septum-check}
[ -x "$bin" ] || { echo "test_septum_check: no $bin (make tools)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0

# expect NAME STATUS STDOUT-SUBSTRING STDERR-EXACT -- ARGS...
# An empty expected stdout/stderr text is not checked ("" for stderr means empty).
expect() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4 rc out err
	shift 5
	out=$("$bin" "$@" 2>"$tmp/err"); rc=$?
	err=$(cat "$tmp/err")
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $name: status $rc, want $want_rc (stderr: $err)"; failed=$((failed + 1)); return
	fi
	if [ -n "$want_out" ] && [[ "$out" != *"$want_out"* ]]; then
		echo "FAIL $name: stdout lacks '$want_out':"; echo "$out"; failed=$((failed + 1)); return
	fi
	if [ "$want_err" != "*" ] && [ "$err" != "$want_err" ]; then
		echo "FAIL $name: stderr '$err', want '$want_err'"; failed=$((failed + 1)); return
	fi
	echo "ok   $name"; pass=$((pass + 1))
}

def=configs/examples/test-guests.cfg
expect default 0 "hello            1          0x0000000001000000-0x0000000001ffffff 16 MiB    hello.elf" "" -- $def
expect default-heartbeat 0 "heartbeat        2          0x0000000002000000-0x0000000002ffffff 16 MiB    heartbeat.elf" "" -- $def
expect default-not-checked 0 "images: not checked" "" -- $def
expect demo 0 "linux0           0-1" "" -- configs/default.cfg
expect help 0 "Default: one block of 1G at 16M" "" -- --help

# Each example states, in a comment, the septum-check line that accepts it.
for f in configs/examples/*.cfg; do
	line=$(sed -n 's/^#   septum-check //p' "$f" | head -n 1)
	[ -n "$line" ] || { echo "FAIL $f: no '#   septum-check ...' line"; failed=$((failed + 1)); continue; }
	# shellcheck disable=SC2086 # the options are meant to split
	expect "example $(basename "$f")" 0 "valid" "" -- $line
done

# Machine facts: CPUs that do not exist, memory that does not fit.
expect cpu-missing 1 "" "$def:12: cpus: CPU 2 does not exist (this machine has 2 CPUs)" -- --cpus 2 $def
expect ram-short 1 "" "$def:13: memory: 16 MiB does not fit (largest free block left: 4 MiB)" -- --ram 20M $def
expect ram-two-blocks 0 "heartbeat        2          0x0000000100000000-0x0000000100ffffff" "" -- \
	--ram 16M@16M --ram 16M@4G $def
expect ram-chained 0 "0x1000000-0x1ffffff (16 MiB), 0x2000000-0x2ffffff (16 MiB)" "" -- --ram 16M --ram 16M $def

# SMT: the model machine's cores have --threads-per-core threads; a core's
# threads stay in one partition unless both say smt = shared-core-ok.
expect core-map 0 "  package 0 core 0: CPU 0 (idle), CPU 1 (hello)" "" -- --threads-per-core 2 $def
expect core-map-smt1 0 "  package 0 core 2: CPU 2 (heartbeat)" "" -- $def
printf '[partition a]\ncpus = 2\nmemory = 16M\nkernel = a.elf\n[partition b]\ncpus = 3\nmemory = 2M\nkernel = b.elf\n' >"$tmp/smt.cfg"
expect smt-split 1 "" "$tmp/smt.cfg:6: cpus: package 0 core 1 split: CPU 2 to 'a', CPU 3 to 'b' (SMT siblings; smt = shared-core-ok in both allows it)" -- --threads-per-core 2 "$tmp/smt.cfg"
expect smt-split-no-smt 0 "valid, 2 partitions" "" -- "$tmp/smt.cfg"
printf '[partition a]\ncpus = 2\nmemory = 16M\nkernel = a.elf\nsmt = shared-core-ok\n[partition b]\ncpus = 3\nmemory = 2M\nkernel = b.elf\nsmt = shared-core-ok\n' >"$tmp/smt-ok.cfg"
expect smt-shared-warns 0 "  package 0 core 1: CPU 2 (a), CPU 3 (b)" "$tmp/smt-ok.cfg: warning: package 0 core 1 is shared: CPU 2 to 'a', CPU 3 to 'b' (smt = shared-core-ok): SMT siblings can read each other's L1D, CPU buffers and branch predictions" -- --threads-per-core 2 "$tmp/smt-ok.cfg"
expect bad-threads 2 "" "*" -- --threads-per-core 0 $def

# Config errors reach stderr as FILE:LINE: reason.
printf '[partition a]\ncpus = 1\nmemory = 16M\nkernel = a.elf\n[partition b]\ncpus = 0-1\nmemory = 2M\nkernel = b.elf\n' >"$tmp/shared.cfg"
expect cpu-shared 1 "" "$tmp/shared.cfg:6: cpus: CPU 1 is already given to partition 'a' (line 2)" -- "$tmp/shared.cfg"
printf '[partition a]\ncpus = 1\nmemory = 16M\nkernel = a.elf\nshoe = 42\n' >"$tmp/key.cfg"
expect unknown-key 1 "" "$tmp/key.cfg:5: unknown key 'shoe'" -- "$tmp/key.cfg"
printf '# nothing\n' >"$tmp/empty.cfg"
expect no-partition 1 "" "$tmp/empty.cfg: no partition defined (expected at least one [partition NAME] section)" -- "$tmp/empty.cfg"

# The keys of guest OS partitions: restart policy, PCI passthrough, modules.
printf '[partition a]\ncpus = 1\nmemory = 16M\nkernel = a.elf\npci = 00:1f.3\ndma = unconfined\n[partition b]\ncpus = 2\nmemory = 2M\nkernel = b.elf\npci = 00:02.0, 00:1F.3\n' >"$tmp/pci.cfg"
expect pci-shared 1 "" "$tmp/pci.cfg:11: pci: 00:1f.3 is already given to partition 'a' (line 5)" -- "$tmp/pci.cfg"
printf '[partition a]\ncpus = 1\nmemory = 16M\nkernel = a.elf\non_crash = reboot\n' >"$tmp/crash.cfg"
expect on-crash-bad 1 "" "$tmp/crash.cfg:5: on_crash: unknown action 'reboot' (expected restart or stop)" -- "$tmp/crash.cfg"
printf '[partition a]\ncpus = 1\nmemory = 16M\nkernel = a.elf\non_reboot = stop\non_crash = restart\npci = 00:1f.3\ndma = unconfined\nmodule = m.bin x y\nmodule = m.bin\n' >"$tmp/keys.cfg"
expect keys-ok 0 "$tmp/keys.cfg: valid, 1 partition" "" -- "$tmp/keys.cfg"

# Usage errors: status 2.
expect no-args 2 "" "*" --
expect two-files 2 "" "*" -- $def $def
expect bad-cpus 2 "" "*" -- --cpus 0 $def
expect bad-cpus-65 2 "" "*" -- --cpus 65 $def
expect bad-ram 2 "" "*" -- --ram lots $def
expect ram-overlap 2 "" "*" -- --ram 64M@16M --ram 16M@32M $def
expect unknown-option 2 "" "*" -- --frobnicate $def
expect missing-config 2 "" "septum-check: $tmp/none.cfg: No such file or directory" -- "$tmp/none.cfg"

# Images: real (tiny) ELF executables, a missing one, a broken one.
if command -v as >/dev/null && command -v ld >/dev/null; then
	mkdir -p "$tmp/img"
	printf '.globl _start\n_start: hlt\n jmp _start\n' | as -o "$tmp/t.o" -
	ld -static -z noexecstack -z max-page-size=4096 -Ttext=0x200000 -e _start -o "$tmp/img/hello.elf" "$tmp/t.o"
	expect image-missing 1 "" "$def:14: kernel: file 'heartbeat.elf' not found" -- --images "$tmp/img" $def
	cp "$tmp/img/hello.elf" "$tmp/img/heartbeat.elf"
	expect images-ok 0 "images: every kernel, initrd and module found in $tmp/img" "" -- --images "$tmp/img" $def
	echo junk >"$tmp/img/hello.elf"
	expect image-broken 1 "" "*" -- --images "$tmp/img" $def
	grep -q "^$def:9: kernel: 'hello.elf': " "$tmp/err" && { echo "ok   image-broken-line"; pass=$((pass + 1)); } ||
		{ echo "FAIL image-broken-line: $(cat "$tmp/err")"; failed=$((failed + 1)); }
	ld -static -z noexecstack -z max-page-size=4096 -Ttext=0x2000000 -e _start -o "$tmp/img/hello.elf" "$tmp/t.o"
	expect image-too-big 1 "" "*" -- --images "$tmp/img" $def
	grep -q "^$def:9: kernel: 'hello.elf': .*fit" "$tmp/err" && { echo "ok   image-too-big-line"; pass=$((pass + 1)); } ||
		{ echo "FAIL image-too-big-line: $(cat "$tmp/err")"; failed=$((failed + 1)); }

	# Multiboot kernels (v1 and v2 headers) with modules; modules on an ELF kernel.
	mkdir -p "$tmp/mb"
	printf '.long 0x1badb002, 0, -0x1badb002\n.globl _start\n_start: hlt\n jmp _start\n' | as --32 -o "$tmp/mb1.o" -
	ld -m elf_i386 -static -z noexecstack -z max-page-size=4096 -Ttext=0x200000 -e _start -o "$tmp/mb/mb1.elf" "$tmp/mb1.o"
	printf '.balign 8\n.long 0xe85250d6, 0, 24, -(0xe85250d6 + 24)\n.short 0, 0\n.long 8\n.globl _start\n_start: hlt\n jmp _start\n' |
		as --32 -o "$tmp/mb2.o" -
	ld -m elf_i386 -static -z noexecstack -z max-page-size=4096 -Ttext=0x200000 -e _start -o "$tmp/mb/mb2.elf" "$tmp/mb2.o"
	cp "$tmp/img/heartbeat.elf" "$tmp/mb/plain.elf"
	echo "first line" >"$tmp/mb/mod.txt"
	printf '[partition a]\ncpus = 1\nmemory = 4M\nkernel = mb1.elf\nmodule = mod.txt one two\nmodule = mod.txt\n'\
'[partition b]\ncpus = 2\nmemory = 4M\nkernel = mb2.elf\nmodule = mod.txt\non_reboot = stop\non_crash = restart\npci = 00:03.0\ndma = unconfined\n' >"$tmp/mb.cfg"
	expect multiboot-ok 0 "images: every kernel, initrd and module found in $tmp/mb" "" -- --images "$tmp/mb" "$tmp/mb.cfg"
	sed 's/kernel = mb2.elf/kernel = plain.elf/' "$tmp/mb.cfg" >"$tmp/mb-elf.cfg"
	expect module-on-elf 1 "" "$tmp/mb-elf.cfg:11: module: kernel 'plain.elf' is not a multiboot kernel (only multiboot kernels take modules)" -- \
		--images "$tmp/mb" "$tmp/mb-elf.cfg"
	sed 's/^module = mod.txt$/module = gone.bin x/' "$tmp/mb.cfg" >"$tmp/mb-gone.cfg"
	expect module-missing 1 "" "$tmp/mb-gone.cfg:6: module: file 'gone.bin' not found" -- --images "$tmp/mb" "$tmp/mb-gone.cfg"
	printf '\x02\xb0\xad\x1b\x00\x00\x00\x00' >"$tmp/mb/badsum.elf"
	sed 's/kernel = mb1.elf/kernel = badsum.elf/' "$tmp/mb.cfg" >"$tmp/mb-bad.cfg"
	expect multiboot-bad-checksum 1 "" "*" -- --images "$tmp/mb" "$tmp/mb-bad.cfg"
else
	echo "skip image checks: no as/ld"
fi

echo "septum-check: $pass passed, $failed failed"
[ "$failed" = 0 ]

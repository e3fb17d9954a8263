# System tests: whole configurations booted in emulators (tests/system/).
#
#   make system         every scenario (Bochs + OVMF with VT-x, and QEMU + OVMF)
#   make system-bochs   the Bochs scenarios only
#   make system-qemu    the QEMU (no VT-x) scenario only
#   make run            boot $(CONFIG) in Bochs and stream the consoles live
#   make system-diff    the differential tests: each conformance guest booted
#                       bare (GRUB) and as a partition, results compared
#                       (tests/system/diff.sh; GUESTS="conf-cr" limits it)
#   make system-selftest  the harness judged on canned serial logs (no emulator,
#                       a few seconds); `system` runs it first
#   make soak           the 1000-cycle restart soak (tests/system/soak.sh, a few
#                       minutes; make check runs scenarios/restart-soak.scn, 30)
#
# SCENARIOS="two-healthy probe-vmx" limits a run; SYSTEM_JOBS sets how many
# emulators run at once (default 2: one per core; Bochs is single-threaded).
# Run directories with serial.log and bochs.log: $(BUILD)/system/NAME/.
# docs/testing.md explains the scenario format.

SYSTEM_PREREQS := $(BUILD)/septum.elf $(BUILD)/BOOTX64.EFI guests images
SYSTEM_JOBS ?= 2
SCENARIOS ?=

system-selftest:
	tests/system/selftest.sh --build $(BUILD)

system: $(SYSTEM_PREREQS) system-selftest
	tests/system/run.sh --build $(BUILD) -j $(SYSTEM_JOBS) $(SCENARIOS)

GUESTS ?=
system-diff: $(SYSTEM_PREREQS)
	tests/system/diff.sh --build $(BUILD) -j $(SYSTEM_JOBS) $(GUESTS)

system-bochs: $(SYSTEM_PREREQS)
	tests/system/run.sh --build $(BUILD) -j $(SYSTEM_JOBS) --engine bochs $(SCENARIOS)

system-qemu: $(SYSTEM_PREREQS)
	tests/system/run.sh --build $(BUILD) -j $(SYSTEM_JOBS) --engine qemu $(SCENARIOS)

soak: $(SYSTEM_PREREQS)
	tests/system/soak.sh --build $(BUILD)

run: $(SYSTEM_PREREQS)
	tests/system/boot.sh --build $(BUILD) --config $(CONFIG)

.PHONY: system system-diff system-bochs system-qemu system-selftest soak run

/* SPDX-License-Identifier: MIT */
/*
 * Applying the transient-execution mitigation set (kernel/spec.c chooses
 * it): per-CPU SPEC_CTRL values, the flags vmx/entry.S tests, IBPB at a
 * partition (re)start. Usable from assembly for the offsets.
 */
#ifndef VMX_SPEC_HW_H
#define VMX_SPEC_HW_H

/* struct percpu offsets the exit stub uses through %gs (static asserts in
 * vmx/spec_hw.c keep them true). */
#define PERCPU_SPEC_CTRL_GUEST 8
#define PERCPU_SPEC_CTRL_HOST  16

#define MSR_IA32_SPEC_CTRL  0x48
#define MSR_IA32_PRED_CMD   0x49
#define MSR_IA32_ARCH_CAP   0x10a
#define MSR_IA32_FLUSH_CMD  0x10b
#define PRED_CMD_IBPB       1
#define FLUSH_CMD_L1D       1

#ifndef __ASSEMBLY__
/* SPEC_F_* of <septum/spec.h>: set once on the boot CPU, before any VM
 * entry, read by every exit and entry. */
extern unsigned spec_entry_flags;

/* On every CPU once VMX is on (the first call, on the boot CPU, chooses the
 * set and logs it): Septum's SPEC_CTRL value, the guest's reset to 0. */
void spec_cpu_init(void);

/* Right before a CPU launches a partition, at its start and every restart:
 * IBPB, and the guest's SPEC_CTRL value back to its reset value 0. */
void spec_partition_start(void);
#endif

#endif /* VMX_SPEC_HW_H */

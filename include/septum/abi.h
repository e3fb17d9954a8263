/* SPDX-License-Identifier: MIT */
/*
 * Septum guest ABI: CPUID leaves and hypercalls.
 *
 * This header is the contract between Septum and the software running in a
 * partition (test guests, compart, later paravirtual drivers). It is plain C,
 * depends only on <stdint.h>, and is versioned: SEPTUM_ABI_VERSION changes
 * whenever a leaf or a call changes meaning. docs/hypercalls.md is the prose
 * version of this file.
 */
#ifndef SEPTUM_ABI_H
#define SEPTUM_ABI_H

#include <stdint.h>

#define SEPTUM_ABI_MAJOR 1
#define SEPTUM_ABI_MINOR 1
#define SEPTUM_ABI_VERSION ((SEPTUM_ABI_MAJOR << 16) | SEPTUM_ABI_MINOR)

/*
 * CPUID leaves (hypervisor range, Intel SDM Vol. 2A CPUID: leaves
 * 0x40000000-0x4FFFFFFF are reserved for software use; CPUID.1:ECX[31] is
 * set by Septum so guests know to look there).
 *
 * 0x40000000: EAX = highest Septum leaf (SEPTUM_CPUID_MAX)
 *             EBX,ECX,EDX = "Sept" "umSe" "ptum" -> "SeptumSeptum"
 * 0x40000001: EAX = SEPTUM_ABI_VERSION
 *             EBX = partition id (0-based, config order)
 *             ECX = index of this vCPU inside the partition (0 = BSP)
 *             EDX = number of vCPUs of the partition
 * 0x40000002: EAX,EBX,ECX,EDX = partition name bytes 0..15  (NUL padded)
 * 0x40000003: EAX,EBX,ECX,EDX = partition name bytes 16..31 (NUL padded)
 * 0x40000004: EAX = how many times the partition has been restarted
 *             (on_reboot / on_crash = restart); EBX,ECX,EDX = 0   [ABI 1.1]
 */
#define SEPTUM_CPUID_BASE      0x40000000u
#define SEPTUM_CPUID_INFO      0x40000001u
#define SEPTUM_CPUID_NAME0     0x40000002u
#define SEPTUM_CPUID_NAME1     0x40000003u
#define SEPTUM_CPUID_BOOT      0x40000004u
#define SEPTUM_CPUID_MAX       SEPTUM_CPUID_BOOT
#define SEPTUM_CPUID_SIG_EBX   0x74706553u /* "Sept" */
#define SEPTUM_CPUID_SIG_ECX   0x65536d75u /* "umSe" */
#define SEPTUM_CPUID_SIG_EDX   0x6d757470u /* "ptum" */
#define SEPTUM_NAME_MAX        32          /* bytes, including the NUL */

/*
 * Hypercalls: VMCALL from CPL 0 (VMCALL at CPL > 0 gets #UD).
 *   in:  RAX = call number, RDI = arg0, RSI = arg1, RDX = arg2
 *        (32-bit guests: EAX, EDI, ESI, EDX; upper halves are ignored)
 *   out: RAX = result (>= 0) or a negative SEPTUM_E* error code.
 * All other registers are preserved. Guest-physical buffers must lie wholly
 * inside the partition's RAM or the call fails with -SEPTUM_EFAULT.
 */
enum septum_hypercall {
	SEPTUM_HC_VERSION        = 0, /* -> SEPTUM_ABI_VERSION */
	SEPTUM_HC_CONSOLE_WRITE  = 1, /* arg0 = gpa, arg1 = len (<= SEPTUM_CONSOLE_MAX) -> len */
	SEPTUM_HC_PARTITION_EXIT = 2, /* arg0 = status (0..255); does not return */
	SEPTUM_HC_PARTITION_INFO = 3, /* arg0 = gpa of struct septum_partition_info, arg1 = its size -> bytes written */
};

#define SEPTUM_CONSOLE_MAX 4096u

#define SEPTUM_EINVAL  22 /* bad argument value */
#define SEPTUM_EFAULT  14 /* buffer not inside the partition's RAM */
#define SEPTUM_ENOSYS  38 /* unknown call number */

struct septum_partition_info {
	uint32_t abi_version;          /* SEPTUM_ABI_VERSION */
	uint32_t partition_id;
	uint32_t vcpu_index;
	uint32_t vcpu_count;
	uint64_t ram_size;             /* bytes of guest RAM, starting at GPA 0 */
	char     name[SEPTUM_NAME_MAX];
	char     cmdline[256];         /* the config's cmdline, NUL terminated */
};
_Static_assert(sizeof(struct septum_partition_info) == 312, "ABI size");

/* QEMU isa-debug-exit convention: a byte/word/dword written to this port ends
 * the partition with that value as its exit status. */
#define SEPTUM_TEST_EXIT_PORT 0xf4

/* Measurement mark: a write to this port logs the partition's VM-exit counts
 * so far ("partition NAME: mark N: exits: ..."), N being the value written.
 * Usable from user space with ioperm(2); one exit per mark. make bench uses
 * it to cut a run into phases. */
#define SEPTUM_MARK_PORT 0xf5

#endif /* SEPTUM_ABI_H */

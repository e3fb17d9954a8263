/* SPDX-License-Identifier: MIT */
/*
 * x86 architectural constants, defined once for the core, both vendor
 * backends, the host tests and their fakes: control and flags register
 * bits, MSR numbers, exception vectors. Layouts only, no code. Sources:
 * Intel SDM Vol. 3A §2.5 (control registers), Vol. 4 (MSRs), Vol. 3A §6.3.1
 * (vectors); the AMD APM Vol. 2 agrees on every value here.
 */
#ifndef HW_X86_H
#define HW_X86_H

#ifndef BIT
#define BIT(n) (1ull << (n))
#endif

/* Control registers */
#define CR0_PE  BIT(0)
#define CR0_MP  BIT(1)
#define CR0_ET  BIT(4)
#define CR0_NE  BIT(5)
#define CR0_WP  BIT(16)
#define CR0_NW  BIT(29)
#define CR0_CD  BIT(30)
#define CR0_PG  BIT(31)
#define CR4_PAE     BIT(5)
#define CR4_MCE     BIT(6)
#define CR4_PGE     BIT(7)
#define CR4_VMXE    BIT(13)
#define CR4_OSXSAVE BIT(18)
#define CR4_PKE     BIT(22)

/* RFLAGS */
#define RFLAGS_RESERVED1 BIT(1)
#define RFLAGS_IF        BIT(9)
#define RFLAGS_RF        BIT(16)   /* resume flag (SDM Vol. 3B §19.3.1.1) */

/* IA32_EFER (MSR C000_0080) */
#define MSR_EFER  0xc0000080
#define EFER_SCE  BIT(0)
#define EFER_LME  BIT(8)
#define EFER_LMA  BIT(10)
#define EFER_NXE  BIT(11)
#define EFER_SVME BIT(12)          /* AMD: SVM enabled (APM Vol. 2 §15.4) */

/* MSRs a guest's exits reach */
#define MSR_IA32_TSC              0x010u
#define MSR_IA32_APIC_BASE        0x01b
#define MSR_IA32_FEATURE_CONTROL  0x03a
#define MSR_IA32_TSC_ADJUST       0x03bu
#define MSR_IA32_BIOS_SIGN_ID     0x08bu
#define MSR_IA32_ARCH_CAPABILITIES 0x10a
#define MSR_IA32_DEBUGCTL         0x1d9u
#define MSR_X2APIC_ICR            0x830

/* CPUID.80000001H:EDX.NX: EFER.NXE exists */
#define CPUID_EXT1_EDX_NX BIT(20)

/* Exception vectors (SDM Vol. 3A Table 6-1) */
#define VECTOR_DE  0
#define VECTOR_DB  1
#define VECTOR_NMI 2
#define VECTOR_UD  6
#define VECTOR_GP  13
#define VECTOR_PF  14
#define VECTOR_MC  18

/* Ways a PC resets itself: the chipset's Reset Control register (0xcf9,
 * bit 2 starts the reset; also the vACPI FADT's RESET_REG) and the
 * keyboard controller's "pulse output port" command 0xfe on port 0x64. */
#define RESET_CONTROL_PORT     0xcf9u
#define RESET_CONTROL_RST_CPU  BIT(2)
#define KBC_COMMAND_PORT       0x64u
#define KBC_PULSE_RESET        0xfeu

#endif /* HW_X86_H */

/* SPDX-License-Identifier: MIT */
/*
 * The AMD-V virtual machine control block (VMCB): one 4 KiB page per vCPU,
 * a control area (offsets 0x000-0x3ff) and the guest's state-save area
 * (from 0x400). Layout: AMD64 Architecture Programmer's Manual Vol. 2,
 * Appendix B "Layout of VMCB" (Table B-1 control area, Table B-2 state-save
 * area); intercepts and exit codes: §15.9-§15.14 and Appendix C "SVM
 * Intercept Exit Codes"; event injection §15.20; exit information §15.10.2
 * (IOIO) and §15.25.6 (nested page faults).
 *
 * Plain structs whose every field offset the APM gives is asserted below:
 * the processor reads this page, so a field one byte off is a silent bug.
 * Bit fields are shift/mask macros, never C bitfields. Reserved ranges are
 * named by their offset and must stay zero (VMRUN checks some of them).
 */
#ifndef SVM_VMCB_H
#define SVM_VMCB_H

#include <stddef.h>

#include <septum/types.h>

/* ------------------------------------------------------------ control area */

/* Word at 0x000: intercept reads of CRn (bit n) and writes of CRn (bit 16+n). */
#define SVM_CR_READ(n)          BIT(n)
#define SVM_CR_WRITE(n)         BIT(16 + (n))
/* Word at 0x004: the same for DR0-DR15. */
#define SVM_DR_READ(n)          BIT(n)
#define SVM_DR_WRITE(n)         BIT(16 + (n))
/* Word at 0x008: intercept exception vector n (bit n). */
#define SVM_EXCEPTION(n)        BIT(n)

/* Word at 0x00C ("misc1"), §15.9-§15.13. */
#define SVM_MISC1_INTR          BIT(0)   /* physical maskable interrupt */
#define SVM_MISC1_NMI           BIT(1)
#define SVM_MISC1_SMI           BIT(2)
#define SVM_MISC1_INIT          BIT(3)
#define SVM_MISC1_VINTR         BIT(4)   /* virtual interrupt taken */
#define SVM_MISC1_CR0_SEL_WRITE BIT(5)   /* CR0 writes other than CR0.TS/CR0.MP */
#define SVM_MISC1_IDTR_READ     BIT(6)
#define SVM_MISC1_GDTR_READ     BIT(7)
#define SVM_MISC1_LDTR_READ     BIT(8)
#define SVM_MISC1_TR_READ       BIT(9)
#define SVM_MISC1_IDTR_WRITE    BIT(10)
#define SVM_MISC1_GDTR_WRITE    BIT(11)
#define SVM_MISC1_LDTR_WRITE    BIT(12)
#define SVM_MISC1_TR_WRITE      BIT(13)
#define SVM_MISC1_RDTSC         BIT(14)
#define SVM_MISC1_RDPMC         BIT(15)
#define SVM_MISC1_PUSHF         BIT(16)
#define SVM_MISC1_POPF          BIT(17)
#define SVM_MISC1_CPUID         BIT(18)
#define SVM_MISC1_RSM           BIT(19)
#define SVM_MISC1_IRET          BIT(20)
#define SVM_MISC1_INTN          BIT(21)  /* software interrupt INTn */
#define SVM_MISC1_INVD          BIT(22)
#define SVM_MISC1_PAUSE         BIT(23)
#define SVM_MISC1_HLT           BIT(24)
#define SVM_MISC1_INVLPG        BIT(25)
#define SVM_MISC1_INVLPGA       BIT(26)
#define SVM_MISC1_IOIO_PROT     BIT(27)  /* IN/OUT through the I/O permission map */
#define SVM_MISC1_MSR_PROT      BIT(28)  /* RDMSR/WRMSR through the MSR permission map */
#define SVM_MISC1_TASK_SWITCH   BIT(29)
#define SVM_MISC1_FERR_FREEZE   BIT(30)  /* processor freezing during legacy FERR handling */
#define SVM_MISC1_SHUTDOWN      BIT(31)  /* shutdown (triple fault) */

/* Word at 0x010 ("misc2"). VMRUN must be intercepted or VMRUN fails its
 * consistency checks (§15.5.1). */
#define SVM_MISC2_VMRUN         BIT(0)
#define SVM_MISC2_VMMCALL       BIT(1)
#define SVM_MISC2_VMLOAD        BIT(2)
#define SVM_MISC2_VMSAVE        BIT(3)
#define SVM_MISC2_STGI          BIT(4)
#define SVM_MISC2_CLGI          BIT(5)
#define SVM_MISC2_SKINIT        BIT(6)
#define SVM_MISC2_RDTSCP        BIT(7)
#define SVM_MISC2_ICEBP         BIT(8)
#define SVM_MISC2_WBINVD        BIT(9)   /* WBINVD and WBNOINVD */
#define SVM_MISC2_MONITOR       BIT(10)  /* MONITOR and MONITORX */
#define SVM_MISC2_MWAIT         BIT(11)  /* MWAIT/MWAITX, unconditionally */
#define SVM_MISC2_MWAIT_ARMED   BIT(12)  /* MWAIT/MWAITX if the monitor hardware is armed */
#define SVM_MISC2_XSETBV        BIT(13)
#define SVM_MISC2_RDPRU         BIT(14)
#define SVM_MISC2_EFER_WRITE_TRAP BIT(15) /* EFER writes, after the instruction completes */
#define SVM_MISC2_CR_WRITE_TRAP(n) BIT(16 + (n)) /* CRn writes, after completion */

/* Word at 0x014 ("misc3"): intercepts of newer instructions. */
#define SVM_MISC3_INVLPGB       BIT(0)
#define SVM_MISC3_INVLPGB_ILLEGAL BIT(1)
#define SVM_MISC3_INVPCID       BIT(2)
#define SVM_MISC3_MCOMMIT       BIT(3)
#define SVM_MISC3_TLBSYNC       BIT(4)

/* 0x058 bits 39:32 TLB_CONTROL (§15.16.1); values other than 0 and 1 need
 * CPUID 8000000AH EDX[6] (flush by ASID). */
#define SVM_TLB_CONTROL_NOTHING      0u
#define SVM_TLB_CONTROL_FLUSH_ALL    1u   /* every ASID's entries */
#define SVM_TLB_CONTROL_FLUSH_ASID   3u   /* this guest's ASID */
#define SVM_TLB_CONTROL_FLUSH_ASID_LOCAL 7u /* this ASID, non-global entries */

/* Word at 0x060 (virtual interrupt control, §15.21). */
#define SVM_VINTR_TPR_MASK       0xfull           /* V_TPR 3:0 (bits 7:4 reserved) */
#define SVM_VINTR_IRQ            BIT(8)           /* V_IRQ: a virtual interrupt is pending */
#define SVM_VINTR_GIF            BIT(9)           /* virtual GIF value */
#define SVM_VINTR_NMI            BIT(11)          /* V_NMI pending (with V_NMI_ENABLE) */
#define SVM_VINTR_NMI_MASK       BIT(12)          /* V_NMI_MASK: virtual NMIs blocked */
#define SVM_VINTR_PRIO_SHIFT     16               /* V_INTR_PRIO 19:16 */
#define SVM_VINTR_PRIO_MASK      (0xfull << SVM_VINTR_PRIO_SHIFT)
#define SVM_VINTR_IGN_TPR        BIT(20)
#define SVM_VINTR_MASKING        BIT(24)          /* V_INTR_MASKING: guest RFLAGS.IF masks only virtual interrupts */
#define SVM_VINTR_VGIF_ENABLE    BIT(25)
#define SVM_VINTR_NMI_ENABLE     BIT(26)          /* V_NMI_ENABLE (CPUID 8000000AH EDX[25]) */
#define SVM_VINTR_AVIC_ENABLE    BIT(31)
#define SVM_VINTR_VECTOR_SHIFT   32               /* V_INTR_VECTOR 39:32 */

/* Word at 0x068. */
#define SVM_INT_SHADOW           BIT(0)           /* guest is in an interrupt shadow (STI, MOV SS) */
#define SVM_INT_GUEST_MASK       BIT(1)           /* guest's RFLAGS.IF as of the exit (with V_INTR_MASKING) */

/* Word at 0x090. */
#define SVM_NP_ENABLE            BIT(0)           /* nested paging (§15.25.3) */
#define SVM_SEV_ENABLE           BIT(1)
#define SVM_SEV_ES_ENABLE        BIT(2)

/* Word at 0x0B8. */
#define SVM_LBR_VIRT_ENABLE      BIT(0)
#define SVM_VIRT_VMSAVE_VMLOAD   BIT(1)

/* VMCB clean bits at 0x0C0 (§15.15.3): a set bit says that area is
 * unchanged since the last VMRUN with this VMCB on this CPU. */
#define SVM_CLEAN_INTERCEPTS     BIT(0)   /* intercept vectors, TSC offset, pause filter */
#define SVM_CLEAN_IOPM           BIT(1)   /* IOPM_BASE, MSRPM_BASE */
#define SVM_CLEAN_ASID           BIT(2)
#define SVM_CLEAN_TPR            BIT(3)   /* V_TPR, V_IRQ, V_INTR_*, V_IGN_TPR */
#define SVM_CLEAN_NP             BIT(4)   /* nested paging: NCR3, G_PAT */
#define SVM_CLEAN_CRX            BIT(5)   /* CR0, CR3, CR4, EFER */
#define SVM_CLEAN_DRX            BIT(6)   /* DR6, DR7 */
#define SVM_CLEAN_DT             BIT(7)   /* GDTR, IDTR */
#define SVM_CLEAN_SEG            BIT(8)   /* CS, DS, SS, ES, CPL */
#define SVM_CLEAN_CR2            BIT(9)
#define SVM_CLEAN_LBR            BIT(10)  /* DbgCtlMsr, br_from/to, lastint_from/to */
#define SVM_CLEAN_AVIC           BIT(11)

/* EVENTINJ at 0x0A8 and EXITINTINFO at 0x088 share this format (§15.20). */
#define SVM_EVENT_VECTOR_MASK    0xffull          /* bits 7:0 */
#define SVM_EVENT_TYPE_SHIFT     8                /* bits 10:8 */
#define SVM_EVENT_TYPE_MASK      (7ull << SVM_EVENT_TYPE_SHIFT)
#define SVM_EVENT_TYPE_INTR      (0ull << SVM_EVENT_TYPE_SHIFT) /* external or virtual interrupt */
#define SVM_EVENT_TYPE_NMI       (2ull << SVM_EVENT_TYPE_SHIFT)
#define SVM_EVENT_TYPE_EXCEPTION (3ull << SVM_EVENT_TYPE_SHIFT) /* fault or trap */
#define SVM_EVENT_TYPE_SOFT_INT  (4ull << SVM_EVENT_TYPE_SHIFT) /* INTn */
#define SVM_EVENT_ERROR_VALID    BIT(11)          /* EV: push the error code */
#define SVM_EVENT_VALID          BIT(31)          /* V */
#define SVM_EVENT_ERROR_SHIFT    32               /* bits 63:32: the error code */
#define SVM_EVENT_RESERVED       0x000000007ffff000ull /* bits 30:12 must be zero */

/* EXITINFO1 of an IOIO intercept (§15.10.2, Figure 15-2). */
#define SVM_IOIO_TYPE_IN         BIT(0)           /* 1 = IN/INS, 0 = OUT/OUTS */
#define SVM_IOIO_STR             BIT(2)           /* INS/OUTS */
#define SVM_IOIO_REP             BIT(3)           /* REP prefix */
#define SVM_IOIO_SZ8             BIT(4)           /* operand size, one-hot */
#define SVM_IOIO_SZ16            BIT(5)
#define SVM_IOIO_SZ32            BIT(6)
#define SVM_IOIO_SIZE_MASK       (SVM_IOIO_SZ8 | SVM_IOIO_SZ16 | SVM_IOIO_SZ32)
#define SVM_IOIO_A16             BIT(7)           /* address size, one-hot */
#define SVM_IOIO_A32             BIT(8)
#define SVM_IOIO_A64             BIT(9)
#define SVM_IOIO_ASIZE_MASK      (SVM_IOIO_A16 | SVM_IOIO_A32 | SVM_IOIO_A64)
#define SVM_IOIO_SEG_SHIFT       10               /* bits 12:10: segment of a string OUTS */
#define SVM_IOIO_SEG_MASK        (7ull << SVM_IOIO_SEG_SHIFT) /* (decode assists; 0=ES .. 5=GS) */
#define SVM_IOIO_PORT_SHIFT      16               /* bits 31:16: the port */
#define SVM_IOIO_PORT_MASK       (0xffffull << SVM_IOIO_PORT_SHIFT)

/* Operand size in bytes (1, 2 or 4) of an IOIO EXITINFO1; 0 if none is set. */
static inline unsigned svm_ioio_size(uint64_t info1)
{
	return (info1 & SVM_IOIO_SZ8) ? 1 : (info1 & SVM_IOIO_SZ16) ? 2 : (info1 & SVM_IOIO_SZ32) ? 4 : 0;
}

static inline uint16_t svm_ioio_port(uint64_t info1)
{
	return (uint16_t)((info1 & SVM_IOIO_PORT_MASK) >> SVM_IOIO_PORT_SHIFT);
}

/* EXITINFO1 of a nested page fault (§15.25.6): an error code like #PF's,
 * EXITINFO2 holds the faulting guest-physical address. */
#define SVM_NPF_PRESENT          BIT(0)           /* the nested entry was present (a permission fault) */
#define SVM_NPF_WRITE            BIT(1)
#define SVM_NPF_USER             BIT(2)           /* always set: nested walks are user accesses (§15.25.5) */
#define SVM_NPF_RESERVED         BIT(3)           /* a reserved bit was set in a nested entry */
#define SVM_NPF_FETCH            BIT(4)           /* instruction fetch */
#define SVM_NPF_FINAL_GPA        BIT(32)          /* fault translating the final guest-physical address */
#define SVM_NPF_GUEST_TABLE      BIT(33)          /* fault translating a guest page-table access */

/* A VMCB holds guest state in 16-byte segment registers (Table B-2);
 * attrib packs descriptor bits 47:40 and 55:52 as attrib 7:0 and 11:8. */
struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
};

/* Control area, Table B-1 (offsets from the VMCB start). */
struct vmcb_control {
	uint32_t intercept_cr;            /* 0x000 */
	uint32_t intercept_dr;            /* 0x004 */
	uint32_t intercept_exceptions;    /* 0x008 */
	uint32_t intercept_misc1;         /* 0x00c */
	uint32_t intercept_misc2;         /* 0x010 */
	uint32_t intercept_misc3;         /* 0x014 */
	uint8_t  reserved_018[0x03c - 0x018];
	uint16_t pause_filter_threshold;  /* 0x03c */
	uint16_t pause_filter_count;      /* 0x03e */
	uint64_t iopm_base_pa;            /* 0x040: I/O permission map, 12 KiB, 4 KiB aligned */
	uint64_t msrpm_base_pa;           /* 0x048: MSR permission map, 8 KiB, 4 KiB aligned */
	uint64_t tsc_offset;              /* 0x050 */
	uint32_t guest_asid;              /* 0x058: ASID 0 is the host's: VMRUN refuses it */
	uint8_t  tlb_control;             /* 0x05c */
	uint8_t  reserved_05d[3];
	uint64_t vintr;                   /* 0x060: V_TPR, V_IRQ, ..., V_INTR_VECTOR */
	uint64_t interrupt_shadow;        /* 0x068 */
	uint64_t exit_code;               /* 0x070 */
	uint64_t exit_info1;              /* 0x078 */
	uint64_t exit_info2;              /* 0x080 */
	uint64_t exit_int_info;           /* 0x088: event being delivered at the exit */
	uint64_t np_control;              /* 0x090: NP_ENABLE, SEV, SEV-ES */
	uint64_t avic_apic_bar;           /* 0x098 */
	uint64_t ghcb_gpa;                /* 0x0a0 */
	uint64_t event_inj;               /* 0x0a8 */
	uint64_t n_cr3;                   /* 0x0b0: nested page table root */
	uint64_t virt_ext;                /* 0x0b8: LBR virtualization, virtual VMSAVE/VMLOAD */
	uint32_t clean_bits;              /* 0x0c0 */
	uint32_t reserved_0c4;
	uint64_t next_rip;                /* 0x0c8: nRIP (CPUID 8000000AH EDX[3]) */
	uint8_t  insn_len;                /* 0x0d0: bytes fetched (decode assists) */
	uint8_t  insn_bytes[15];          /* 0x0d1 */
	uint64_t avic_backing_page;       /* 0x0e0 */
	uint8_t  reserved_0e8[8];
	uint64_t avic_logical_table;      /* 0x0f0 */
	uint64_t avic_physical_table;     /* 0x0f8 */
	uint8_t  reserved_100[8];
	uint64_t vmsa_pa;                 /* 0x108: SEV-ES save area */
	uint8_t  reserved_110[0x3e0 - 0x110];
	uint8_t  software[0x400 - 0x3e0]; /* 0x3e0: reserved for the hypervisor's use */
};

/* State-save area, Table B-2 (offsets here from the VMCB start, i.e. the
 * table's offset + 0x400). */
struct vmcb_save {
	struct vmcb_seg es;               /* 0x400 */
	struct vmcb_seg cs;               /* 0x410 */
	struct vmcb_seg ss;               /* 0x420 */
	struct vmcb_seg ds;               /* 0x430 */
	struct vmcb_seg fs;               /* 0x440 */
	struct vmcb_seg gs;               /* 0x450 */
	struct vmcb_seg gdtr;             /* 0x460: base and limit 15:0 only */
	struct vmcb_seg ldtr;             /* 0x470 */
	struct vmcb_seg idtr;             /* 0x480: base and limit 15:0 only */
	struct vmcb_seg tr;               /* 0x490 */
	uint8_t  reserved_4a0[0x4cb - 0x4a0];
	uint8_t  cpl;                     /* 0x4cb */
	uint8_t  reserved_4cc[4];
	uint64_t efer;                    /* 0x4d0 */
	uint8_t  reserved_4d8[0x548 - 0x4d8];
	uint64_t cr4;                     /* 0x548 */
	uint64_t cr3;                     /* 0x550 */
	uint64_t cr0;                     /* 0x558 */
	uint64_t dr7;                     /* 0x560 */
	uint64_t dr6;                     /* 0x568 */
	uint64_t rflags;                  /* 0x570 */
	uint64_t rip;                     /* 0x578 */
	uint8_t  reserved_580[0x5d8 - 0x580];
	uint64_t rsp;                     /* 0x5d8 */
	uint64_t s_cet;                   /* 0x5e0 */
	uint64_t ssp;                     /* 0x5e8 */
	uint64_t isst_addr;               /* 0x5f0 */
	uint64_t rax;                     /* 0x5f8 */
	uint64_t star;                    /* 0x600 */
	uint64_t lstar;                   /* 0x608 */
	uint64_t cstar;                   /* 0x610 */
	uint64_t sfmask;                  /* 0x618 */
	uint64_t kernel_gs_base;          /* 0x620 */
	uint64_t sysenter_cs;             /* 0x628 */
	uint64_t sysenter_esp;            /* 0x630 */
	uint64_t sysenter_eip;            /* 0x638 */
	uint64_t cr2;                     /* 0x640 */
	uint8_t  reserved_648[0x668 - 0x648];
	uint64_t g_pat;                   /* 0x668: guest PAT under nested paging */
	uint64_t dbgctl;                  /* 0x670 */
	uint64_t br_from;                 /* 0x678 */
	uint64_t br_to;                   /* 0x680 */
	uint64_t last_excp_from;          /* 0x688 */
	uint64_t last_excp_to;            /* 0x690 */
	uint8_t  reserved_698[0x6e0 - 0x698];
	uint64_t spec_ctrl;               /* 0x6e0: guest SPEC_CTRL (CPUID 8000000AH EDX[20]) */
	uint8_t  reserved_6e8[0x1000 - 0x6e8];
};

struct vmcb {
	struct vmcb_control control;      /* 0x000 */
	struct vmcb_save save;            /* 0x400 */
};

#define VMCB_CHECK(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)
#define VMCB_CTL(field, off)  VMCB_CHECK(struct vmcb, control.field, off)
#define VMCB_SAVE(field, off) VMCB_CHECK(struct vmcb, save.field, off)

_Static_assert(sizeof(struct vmcb_seg) == 16, "VMCB segment is 16 bytes");
_Static_assert(offsetof(struct vmcb_seg, attrib) == 2, "segment attrib at +2");
_Static_assert(offsetof(struct vmcb_seg, limit) == 4, "segment limit at +4");
_Static_assert(offsetof(struct vmcb_seg, base) == 8, "segment base at +8");
_Static_assert(sizeof(struct vmcb_control) == 0x400, "control area is 0x000-0x3ff");
_Static_assert(sizeof(struct vmcb) == PAGE_SIZE, "a VMCB is one 4 KiB page");

VMCB_CTL(intercept_cr, 0x000);
VMCB_CTL(intercept_dr, 0x004);
VMCB_CTL(intercept_exceptions, 0x008);
VMCB_CTL(intercept_misc1, 0x00c);
VMCB_CTL(intercept_misc2, 0x010);
VMCB_CTL(intercept_misc3, 0x014);
VMCB_CTL(pause_filter_threshold, 0x03c);
VMCB_CTL(pause_filter_count, 0x03e);
VMCB_CTL(iopm_base_pa, 0x040);
VMCB_CTL(msrpm_base_pa, 0x048);
VMCB_CTL(tsc_offset, 0x050);
VMCB_CTL(guest_asid, 0x058);
VMCB_CTL(tlb_control, 0x05c);
VMCB_CTL(vintr, 0x060);
VMCB_CTL(interrupt_shadow, 0x068);
VMCB_CTL(exit_code, 0x070);
VMCB_CTL(exit_info1, 0x078);
VMCB_CTL(exit_info2, 0x080);
VMCB_CTL(exit_int_info, 0x088);
VMCB_CTL(np_control, 0x090);
VMCB_CTL(avic_apic_bar, 0x098);
VMCB_CTL(ghcb_gpa, 0x0a0);
VMCB_CTL(event_inj, 0x0a8);
VMCB_CTL(n_cr3, 0x0b0);
VMCB_CTL(virt_ext, 0x0b8);
VMCB_CTL(clean_bits, 0x0c0);
VMCB_CTL(next_rip, 0x0c8);
VMCB_CTL(insn_len, 0x0d0);
VMCB_CTL(insn_bytes, 0x0d1);
VMCB_CTL(avic_backing_page, 0x0e0);
VMCB_CTL(avic_logical_table, 0x0f0);
VMCB_CTL(avic_physical_table, 0x0f8);
VMCB_CTL(vmsa_pa, 0x108);
VMCB_CTL(software, 0x3e0);

VMCB_SAVE(es, 0x400);
VMCB_SAVE(cs, 0x410);
VMCB_SAVE(ss, 0x420);
VMCB_SAVE(ds, 0x430);
VMCB_SAVE(fs, 0x440);
VMCB_SAVE(gs, 0x450);
VMCB_SAVE(gdtr, 0x460);
VMCB_SAVE(ldtr, 0x470);
VMCB_SAVE(idtr, 0x480);
VMCB_SAVE(tr, 0x490);
VMCB_SAVE(cpl, 0x4cb);
VMCB_SAVE(efer, 0x4d0);
VMCB_SAVE(cr4, 0x548);
VMCB_SAVE(cr3, 0x550);
VMCB_SAVE(cr0, 0x558);
VMCB_SAVE(dr7, 0x560);
VMCB_SAVE(dr6, 0x568);
VMCB_SAVE(rflags, 0x570);
VMCB_SAVE(rip, 0x578);
VMCB_SAVE(rsp, 0x5d8);
VMCB_SAVE(s_cet, 0x5e0);
VMCB_SAVE(ssp, 0x5e8);
VMCB_SAVE(isst_addr, 0x5f0);
VMCB_SAVE(rax, 0x5f8);
VMCB_SAVE(star, 0x600);
VMCB_SAVE(lstar, 0x608);
VMCB_SAVE(cstar, 0x610);
VMCB_SAVE(sfmask, 0x618);
VMCB_SAVE(kernel_gs_base, 0x620);
VMCB_SAVE(sysenter_cs, 0x628);
VMCB_SAVE(sysenter_esp, 0x630);
VMCB_SAVE(sysenter_eip, 0x638);
VMCB_SAVE(cr2, 0x640);
VMCB_SAVE(g_pat, 0x668);
VMCB_SAVE(dbgctl, 0x670);
VMCB_SAVE(br_from, 0x678);
VMCB_SAVE(br_to, 0x680);
VMCB_SAVE(last_excp_from, 0x688);
VMCB_SAVE(last_excp_to, 0x690);
VMCB_SAVE(spec_ctrl, 0x6e0);

/* ------------------------------------------------------------ exit codes */

/* EXITCODE at 0x070, Appendix C. Ranges: one code per CR/DR/exception. */
#define VMEXIT_CR0_READ          0x000ull   /* + n for CRn, n = 0..15 */
#define VMEXIT_CR15_READ         0x00full
#define VMEXIT_CR0_WRITE         0x010ull
#define VMEXIT_CR15_WRITE        0x01full
#define VMEXIT_DR0_READ          0x020ull
#define VMEXIT_DR15_READ         0x02full
#define VMEXIT_DR0_WRITE         0x030ull
#define VMEXIT_DR15_WRITE        0x03full
#define VMEXIT_EXCP0             0x040ull   /* + vector, 0..31 */
#define VMEXIT_EXCP31            0x05full
#define VMEXIT_INTR              0x060ull
#define VMEXIT_NMI               0x061ull
#define VMEXIT_SMI               0x062ull
#define VMEXIT_INIT              0x063ull
#define VMEXIT_VINTR             0x064ull
#define VMEXIT_CR0_SEL_WRITE     0x065ull
#define VMEXIT_IDTR_READ         0x066ull
#define VMEXIT_GDTR_READ         0x067ull
#define VMEXIT_LDTR_READ         0x068ull
#define VMEXIT_TR_READ           0x069ull
#define VMEXIT_IDTR_WRITE        0x06aull
#define VMEXIT_GDTR_WRITE        0x06bull
#define VMEXIT_LDTR_WRITE        0x06cull
#define VMEXIT_TR_WRITE          0x06dull
#define VMEXIT_RDTSC             0x06eull
#define VMEXIT_RDPMC             0x06full
#define VMEXIT_PUSHF             0x070ull
#define VMEXIT_POPF              0x071ull
#define VMEXIT_CPUID             0x072ull
#define VMEXIT_RSM               0x073ull
#define VMEXIT_IRET              0x074ull
#define VMEXIT_SWINT             0x075ull
#define VMEXIT_INVD              0x076ull
#define VMEXIT_PAUSE             0x077ull
#define VMEXIT_HLT               0x078ull
#define VMEXIT_INVLPG            0x079ull
#define VMEXIT_INVLPGA           0x07aull
#define VMEXIT_IOIO              0x07bull
#define VMEXIT_MSR               0x07cull   /* EXITINFO1: 0 = RDMSR, 1 = WRMSR */
#define VMEXIT_TASK_SWITCH       0x07dull
#define VMEXIT_FERR_FREEZE       0x07eull
#define VMEXIT_SHUTDOWN          0x07full
#define VMEXIT_VMRUN             0x080ull
#define VMEXIT_VMMCALL           0x081ull
#define VMEXIT_VMLOAD            0x082ull
#define VMEXIT_VMSAVE            0x083ull
#define VMEXIT_STGI              0x084ull
#define VMEXIT_CLGI              0x085ull
#define VMEXIT_SKINIT            0x086ull
#define VMEXIT_RDTSCP            0x087ull
#define VMEXIT_ICEBP             0x088ull
#define VMEXIT_WBINVD            0x089ull
#define VMEXIT_MONITOR           0x08aull
#define VMEXIT_MWAIT             0x08bull
#define VMEXIT_MWAIT_CONDITIONAL 0x08cull
#define VMEXIT_XSETBV            0x08dull
#define VMEXIT_RDPRU             0x08eull
#define VMEXIT_EFER_WRITE_TRAP   0x08full
#define VMEXIT_CR0_WRITE_TRAP    0x090ull   /* + n for CRn */
#define VMEXIT_CR15_WRITE_TRAP   0x09full
#define VMEXIT_INVLPGB           0x0a0ull
#define VMEXIT_INVLPGB_ILLEGAL   0x0a1ull
#define VMEXIT_INVPCID           0x0a2ull
#define VMEXIT_MCOMMIT           0x0a3ull
#define VMEXIT_TLBSYNC           0x0a4ull
#define VMEXIT_NPF               0x400ull   /* nested page fault */
#define VMEXIT_AVIC_INCOMPLETE_IPI 0x401ull
#define VMEXIT_AVIC_NOACCEL      0x402ull
#define VMEXIT_VMGEXIT           0x403ull
#define VMEXIT_INVALID           ((uint64_t)-1)  /* VMRUN refused the VMCB's guest state */
#define VMEXIT_BUSY              ((uint64_t)-2)  /* SEV-ES VMSA busy */

/* The APM's name for an exit code ("CPUID", "CR3_WRITE", "EXCP14", "NPF",
 * "INVALID"); "unknown" for a code Appendix C does not define. Never NULL. */
const char *svm_exit_name(uint64_t code);

#endif /* SVM_VMCB_H */

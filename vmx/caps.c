// SPDX-License-Identifier: MIT
/*
 * VT-x capability checks, one commented check per requirement, naming the
 * feature (not an error number): emulators and silicon differ, and the user
 * must be able to tell which.
 */
#include <stdio.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <septum/heap.h>
#include <vmx/ept.h>
#include <vmx/spec_hw.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <septum/arch.h>
#include <septum/log.h>
#include <septum/spec.h>

struct vmx_caps vmx_caps;

/* IA32_VMX_EPT_VPID_CAP bits (SDM Vol. 3D §A.10) */
#define EPT_CAP_WALK4     BIT(6)
#define EPT_CAP_WB        BIT(14)
#define EPT_CAP_2M        BIT(16)
#define EPT_CAP_1G        BIT(17)
#define EPT_CAP_INVEPT    BIT(20)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID  BIT(32)
#define VPID_CAP_ALL      BIT(42)

int vmx_adjust_controls(uint64_t cap_msr, uint32_t required, uint32_t optional, uint32_t *out)
{
	uint32_t allowed0 = (uint32_t)cap_msr, allowed1 = (uint32_t)(cap_msr >> 32);

	if ((required & allowed1) != required)
		return -1;
	*out = (required | (optional & allowed1) | allowed0) & allowed1;
	return 0;
}

/* IA32_ARCH_CAPABILITIES.PSCHANGE_MC_NO (bit 6): this CPU cannot take the
 * iTLB-multihit machine check (CVE-2018-12207). Without the MSR
 * (CPUID.(EAX=7,ECX=0):EDX[29]) it must be assumed affected. */
static bool itlb_multihit_immune(void)
{
	if (cpuid(0, 0).eax < 7 || !(cpuid(7, 0).edx & CPUID7_EDX_ARCH_CAPABILITIES))
		return false;
	return rdmsr(MSR_IA32_ARCH_CAPABILITIES) & ARCH_CAP_PSCHANGE_MC_NO;
}

/* Split-lock #AC (IA32_CORE_CAPABILITIES bit 5, the MSR enumerated by
 * CPUID.(7,0):EDX[30]) and bus-lock #DB (CPUID.(7,0):ECX[24]): detected and
 * reported, not used yet (docs/security.md, "No guest action makes Septum
 * fault"). */
static void log_bus_lock_detection(void)
{
	uint64_t core_caps = 0;
	bool split = false, bus = false;

	if (cpuid(0, 0).eax >= 7) {
		struct cpuid_regs l7 = cpuid(7, 0);

		split = (l7.edx & BIT(30)) && !rdmsr_safe(0xcf, &core_caps) && (core_caps & BIT(5));
		bus = l7.ecx & BIT(24);
	}
	pr_info("VMX: split-lock #AC detection: %s; bus-lock #DB detection: %s (neither used yet)",
		split ? "available" : "not available", bus ? "available" : "not available");
}

/* What the optional controls decide, said once at boot (docs/security.md). */
static void vmx_log_choices(const struct vmx_caps *c)
{
	bool vnmi = ((c->pin >> 32) & PIN_VIRTUAL_NMIS) && ((c->proc >> 32) & CPU_NMI_WINDOW_EXITING);

	pr_info("VMX: virtual NMIs with NMI-window exiting: %s", vnmi ? "yes (guest NMI IPIs emulated)" :
		"no (guest NMI IPIs refused)");
	pr_info("VMX: preemption timer: %s", ((c->pin >> 32) & PIN_PREEMPTION_TIMER) ?
		"yes (a stop that arrives just before VM entry exits at once)" :
		"no (a stop that arrives just before VM entry waits for the guest's next exit)");
	if (!(c->ept_large & (EPT_LARGE_2M | EPT_LARGE_1G)))
		pr_info("VMX: iTLB multihit (CVE-2018-12207): no large EPT pages in use");
	else if (c->ept_large & EPT_LARGE_NX)
		pr_info("VMX: iTLB multihit (CVE-2018-12207): mitigated: large EPT pages not executable, split to 4 KiB on execution");
	else
		pr_info("VMX: iTLB multihit (CVE-2018-12207): not affected (ARCH_CAPABILITIES.PSCHANGE_MC_NO)");
	log_bus_lock_detection();
	pr_info("VMX: WBINVD exiting: %s", ((c->proc2 >> 32) & CPU2_WBINVD_EXITING) ?
		"yes (a guest's WBINVD is a no-op)" : "no (a guest's WBINVD flushes the shared caches)");
}

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

int vmx_check_cpu(char *why, size_t whylen)
{
	struct vmx_caps c;
	uint64_t basic;

	memset(&c, 0, sizeof(c));
	/* CPUID first: under TCG and on CPUs without VT-x, reading the VMX MSRs
	 * may #GP or return zeros. */
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_VMX))
		FAIL("VT-x not available (CPUID.1:ECX.VMX = 0)");
	/* Septum's host APIC works in xAPIC mode too (arch/x86_64/lapic.c),
	 * but the VT-x backend keeps requiring the x2APIC: partitions get it
	 * passed through, and the xAPIC guest emulation runs on its MSRs. */
	if (!(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC))
		FAIL("x2APIC not available (CPUID.1:ECX[21] = 0)");

	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FEATURE_CONTROL_LOCK) && !(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX))
		FAIL("VT-x disabled by the firmware (IA32_FEATURE_CONTROL locked without VMXON outside SMX): enable it in the firmware setup");

	basic = rdmsr(MSR_IA32_VMX_BASIC);
	c.revision = (uint32_t)basic & 0x7fffffff;
	c.true_ctls = basic & BIT(55);
	/* The VMCS/VMXON region must be write-back cacheable (bits 53:50 = 6)
	 * and at most one page (bits 44:32). */
	if (((basic >> 50) & 0xf) != 6)
		FAIL("VMCS memory type is not write-back (IA32_VMX_BASIC[53:50] = %llu)",
		     (unsigned long long)((basic >> 50) & 0xf));
	if (((basic >> 32) & 0x1fff) > PAGE_SIZE)
		FAIL("VMCS region larger than 4 KiB");
	c.pin   = rdmsr(c.true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS);
	c.proc  = rdmsr(c.true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS);
	c.exit  = rdmsr(c.true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS);
	c.entry = rdmsr(c.true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS);
	c.misc  = rdmsr(MSR_IA32_VMX_MISC);
	c.cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c.cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c.cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c.cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);

	if (!((c.proc >> 32) & CPU_SECONDARY_CONTROLS))
		FAIL("VT-x without secondary processor-based controls (no EPT)");
	c.proc2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (!((c.proc2 >> 32) & CPU2_ENABLE_EPT))
		FAIL("EPT not supported");
	if (!((c.proc2 >> 32) & CPU2_UNRESTRICTED))
		FAIL("unrestricted guest not supported");
	if (!((c.proc2 >> 32) & CPU2_ENABLE_VPID))
		FAIL("VPID not supported");
	if (!((c.proc >> 32) & CPU_USE_MSR_BITMAPS))
		FAIL("MSR bitmaps not supported");
	if (!((c.proc >> 32) & CPU_USE_IO_BITMAPS))
		FAIL("I/O bitmaps not supported");
	if (!((c.pin >> 32) & PIN_NMI_EXITING))
		FAIL("NMI exiting not supported");
	if (!((c.exit >> 32) & EXIT_HOST_ADDR64) || !((c.entry >> 32) & ENTRY_IA32E_MODE))
		FAIL("64-bit host/guest VMX controls not supported");
	if (!((c.exit >> 32) & EXIT_LOAD_EFER) || !((c.entry >> 32) & ENTRY_LOAD_EFER))
		FAIL("EFER load/save on VM entry/exit not supported");

	c.ept_vpid = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(c.ept_vpid & EPT_CAP_WALK4))
		FAIL("EPT 4-level page walk not supported");
	if (!(c.ept_vpid & EPT_CAP_WB))
		FAIL("EPT write-back paging structures not supported");
	if (!(c.ept_vpid & EPT_CAP_INVEPT) || !(c.ept_vpid & EPT_CAP_INVEPT_ALL))
		FAIL("INVEPT (all-context) not supported");
	if (!(c.ept_vpid & VPID_CAP_INVVPID) || !(c.ept_vpid & VPID_CAP_ALL))
		FAIL("INVVPID (all-context) not supported");
	c.ept_large = ((c.ept_vpid & EPT_CAP_2M) ? EPT_LARGE_2M : 0) |
		      ((c.ept_vpid & EPT_CAP_1G) ? EPT_LARGE_1G : 0);
	if (c.ept_large && !itlb_multihit_immune())
		c.ept_large |= EPT_LARGE_NX;

	if (vmx_caps.revision == 0) {
		vmx_caps = c;
		vmx_log_choices(&c);
	}
	else if (c.revision != vmx_caps.revision || c.proc2 != vmx_caps.proc2 || c.ept_vpid != vmx_caps.ept_vpid)
		FAIL("VMX capabilities differ from the boot CPU's");
	return 0;
}

int vmx_enable_cpu(char *why, size_t whylen)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	uint32_t *region;
	uint64_t cr0, cr4;
	uint8_t fail;

	/* SDM Vol. 3C §24.7: firmware may leave IA32_FEATURE_CONTROL unlocked
	 * (OVMF does); then set "VMXON outside SMX" and lock it ourselves. */
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMXON_OUTSIDE_SMX | FEATURE_CONTROL_LOCK);

	/* §24.8: CR0/CR4 must honour the fixed-0/fixed-1 MSRs in VMX operation. */
	cr0 = (read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	cr4 = (read_cr4() | vmx_caps.cr4_fixed0 | CR4_VMXE) & vmx_caps.cr4_fixed1;
	/* OSXSAVE lets Septum carry out a guest's XSETBV (kernel/exit/exit.c); XCR0
	 * itself stays at x87 until a guest sets it. */
	if (cpuid(1, 0).ecx & BIT(26))
		cr4 |= CR4_OSXSAVE;
	/* Machine checks raise #MC, which Septum handles (arch/x86_64/traps.c);
	 * with CR4.MCE clear one would shut the CPU down (SDM Vol. 3B §16.3). */
	if (cpuid(1, 0).edx & CPUID1_EDX_MCE)
		cr4 |= CR4_MCE;
	write_cr0(cr0);
	write_cr4(cr4);

	if (!this_cpu()->vmxon_region)
		this_cpu()->vmxon_region = pages_alloc(1);
	region = this_cpu()->vmxon_region;
	if (!region)
		FAIL("out of memory for the VMXON region");
	region[0] = vmx_caps.revision;
	uint64_t pa = (uint64_t)(uintptr_t)region;
	__asm__ volatile("vmxon %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (fail)
		FAIL("VMXON failed");
	this_cpu()->vmx_on = true;
	return 0;
}

/* VMXON and the mitigations, struct backend.enable_cpu (vmx/vcpu.c). */
int vmx_backend_enable_cpu(char *why, size_t whylen)
{
	int rc = vmx_enable_cpu(why, whylen);

	if (rc == 0)
		spec_cpu_init();    /* transient-execution mitigations (vmx/spec_hw.c) */
	return rc;
}
unsigned vmx_large_pages(void) { return vmx_caps.ept_large; }

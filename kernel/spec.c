/* SPDX-License-Identifier: MIT */
/*
 * Which transient-execution mitigations Septum's exit/entry path needs on
 * this CPU (contract in <septum/spec.h>). The rules follow Intel's published
 * guidance for VMMs; each rule names its source. Where a CPU lacks the
 * microcode interface a mitigation needs, the set says so (the boot log then
 * reads "NOT MITIGATED") rather than pretending.
 *
 * Septum's setting is simpler than a general-purpose hypervisor's: every
 * partition has dedicated cores (the planner refuses to split a core's SMT
 * siblings between partitions, plan.c), so the only moments one partition's
 * state can meet another's on a CPU are Septum's own exit handling and a
 * CPU changing hands at a partition (re)start.
 */
#include <septum/spec.h>

#include <stdio.h>
#include <string.h>

static bool has(uint64_t word, uint64_t bit) { return (word & bit) != 0; }

/*
 * Which of the data-sampling and L1TF class bugs the CPU has. A CPU that
 * does not enumerate ARCH_CAPABILITIES reads as all bits 0: "not known to be
 * immune", the conservative reading Intel's guidance asks for.
 */
static unsigned intel_vulns(const struct spec_cpu *c)
{
	uint64_t a = c->arch_cap;
	unsigned v = 0;

	/* Intel, "Deep Dive: Intel Analysis of L1 Terminal Fault": RDCL_NO
	 * means not affected by Rogue Data Cache Load nor L1TF. */
	if (!has(a, ARCH_CAP_RDCL_NO))
		v |= SPEC_V_L1TF;
	/* Intel, "Deep Dive: Intel Analysis of Microarchitectural Data
	 * Sampling": MDS_NO means not affected. */
	if (!has(a, ARCH_CAP_MDS_NO))
		v |= SPEC_V_MDS;
	/* Intel, "Intel TSX Asynchronous Abort": affected when the CPU has
	 * TSX (RTM), says MDS_NO, and does not say TAA_NO. (With MDS the MDS
	 * mitigation already covers it.) */
	if (has(c->cpuid7_ebx, CPUID7_EBX_RTM) && has(a, ARCH_CAP_MDS_NO) && !has(a, ARCH_CAP_TAA_NO))
		v |= SPEC_V_TAA;
	/* Intel, "Processor MMIO Stale Data Vulnerabilities": not affected
	 * only with SBDR_SSDP_NO, FBSDP_NO and PSDP_NO all set. */
	if (!(has(a, ARCH_CAP_SBDR_SSDP_NO) && has(a, ARCH_CAP_FBSDP_NO) && has(a, ARCH_CAP_PSDP_NO)))
		v |= SPEC_V_MMIO;
	/* Intel, "Register File Data Sampling": microcode that makes VERW
	 * clear the register files enumerates RFDS_CLEAR on affected parts. */
	if (has(a, ARCH_CAP_RFDS_CLEAR) && !has(a, ARCH_CAP_RFDS_NO))
		v |= SPEC_V_RFDS;
	/* Intel, "Branch History Injection": eIBRS parts without BHI_NO. */
	if (has(a, ARCH_CAP_IBRS_ALL) && !has(a, ARCH_CAP_BHI_NO))
		v |= SPEC_V_BHI;
	return v;
}

/*
 * L1TF: the guest could read, through a not-present guest PTE, anything
 * Septum left in the L1D; flush it before every VM entry (Intel L1TF deep
 * dive, "Virtualization: L1D flush on VMENTER" with IA32_FLUSH_CMD, CPUID
 * 7.EDX[28]). SKIP_L1DFL_VMENTRY: a VMM running under this one (nested) need
 * not flush, the outer VMM does (SDM Vol. 4 Table 2-2).
 */
static void select_l1d(const struct spec_cpu *c, struct spec_set *s)
{
	if (!(s->vulns & SPEC_V_L1TF) || has(c->arch_cap, ARCH_CAP_SKIP_L1DFL_VMENTRY))
		return;
	if (has(c->cpuid7_edx, CPUID7_EDX_L1D_FLUSH))
		s->l1d_flush = true;
	else
		s->l1d_flush_missing = true;
}

/*
 * MDS, TAA, MMIO stale data, RFDS: clear the CPU buffers with VERW (memory
 * operand) right before VM entry, so nothing Septum touched is left for the
 * guest to sample. VERW clears them when the CPU enumerates MD_CLEAR (MDS
 * deep dive), FB_CLEAR (MMIO stale data guidance) or RFDS_CLEAR. The L1D
 * flush overwrites the same buffers on MD_CLEAR parts (MDS deep dive,
 * "Virtualization"), so a CPU that flushes L1D on entry does not VERW as
 * well (the KVM order: flush, else VERW).
 */
static void select_verw(const struct spec_cpu *c, struct spec_set *s)
{
	bool md_clear = has(c->cpuid7_edx, CPUID7_EDX_MD_CLEAR);
	bool can = md_clear || has(c->arch_cap, ARCH_CAP_FB_CLEAR) || has(c->arch_cap, ARCH_CAP_RFDS_CLEAR);

	if (!(s->vulns & (SPEC_V_MDS | SPEC_V_TAA | SPEC_V_MMIO | SPEC_V_RFDS)))
		return;
	if (s->l1d_flush && md_clear)
		return;
	if (can)
		s->verw = true;
	else
		s->verw_missing = true;
}

/*
 * The return stack buffer after VM exit holds the guest's return targets.
 * Intel, "Speculative Execution Side Channel Mitigations" (RSB stuffing)
 * and "Retpoline: A Branch Target Injection Mitigation": without eIBRS,
 * overwrite all of it after VM exit. With eIBRS, the guest's entries cannot
 * steer Septum's RETs except through "Post-barrier Return Stack Buffer
 * Predictions" (a single CALL retired before the first unbalanced RET
 * suffices, unless PBRSB_NO); and an RRSBA CPU may fall back to other
 * predictors on RSB underflow, so it is filled fully as well. AMD: fill on
 * VM exit (AMD, "Software Techniques for Managing Speculation").
 */
static enum spec_rsb select_rsb(const struct spec_cpu *c)
{
	bool eibrs = has(c->arch_cap, ARCH_CAP_IBRS_ALL);

	if (c->vendor != SPEC_VENDOR_INTEL || !eibrs || has(c->arch_cap, ARCH_CAP_RRSBA))
		return SPEC_RSB_FULL;
	return has(c->arch_cap, ARCH_CAP_PBRSB_NO) ? SPEC_RSB_NONE : SPEC_RSB_LITE;
}

/*
 * Indirect branches in Septum against guest-trained predictors (Spectre v2,
 * branch target injection). eIBRS: set IBRS once and leave it (Intel,
 * "Speculative Execution Side Channel Mitigations", enhanced IBRS), plus
 * BHI_DIS_S where BHI applies and the CPU has the control (Intel, "Branch
 * History Injection"). Without eIBRS but with IBRS: set it on every VM exit
 * (legacy IBRS: the write after the mode change is what isolates). A CPU
 * without IBRS has the retpolines Septum's C code is built with (Intel,
 * "Retpoline: A Branch Target Injection Mitigation"; their RETs are covered
 * against RSB underflow by the fill on VM exit), or nothing.
 */
static void select_bti(const struct spec_cpu *c, struct spec_set *s)
{
	bool intel_ibrs = c->vendor == SPEC_VENDOR_INTEL && has(c->cpuid7_edx, CPUID7_EDX_SPEC_CTRL);

	if (c->vendor == SPEC_VENDOR_INTEL && has(c->arch_cap, ARCH_CAP_IBRS_ALL) && intel_ibrs) {
		s->bti = SPEC_BTI_EIBRS;
		s->host_spec_ctrl = SPEC_CTRL_IBRS;
		if ((s->vulns & SPEC_V_BHI) && has(c->cpuid7_2_edx, CPUID7_2_EDX_BHI_CTRL))
			s->host_spec_ctrl |= SPEC_CTRL_BHI_DIS_S;
	} else if (intel_ibrs) {
		s->bti = SPEC_BTI_LEGACY_IBRS;
		s->host_spec_ctrl = SPEC_CTRL_IBRS;
	} else if (c->vendor == SPEC_VENDOR_AMD && has(c->amd8_ebx, AMD8_EBX_IBRS)) {
		s->bti = SPEC_BTI_AMD_IBRS;
		s->host_spec_ctrl = SPEC_CTRL_IBRS;
	} else if (c->retpoline) {
		s->bti = SPEC_BTI_RETPOLINE;
	}
}

static bool has_spec_ctrl(const struct spec_cpu *c)
{
	if (c->vendor == SPEC_VENDOR_AMD)
		return has(c->amd8_ebx, AMD8_EBX_IBRS | AMD8_EBX_STIBP | AMD8_EBX_SSBD);
	return has(c->cpuid7_edx, CPUID7_EDX_SPEC_CTRL | CPUID7_EDX_STIBP | CPUID7_EDX_SSBD);
}

void spec_select(const struct spec_cpu *c, struct spec_set *s)
{
	memset(s, 0, sizeof(*s));
	/* Guest values in GPRs feed Septum's speculation (e.g. as array
	 * indices in a mispredicted bounds check); zeroing them after they
	 * are saved costs a few cycles on every CPU, so it is always on. */
	s->clear_gprs = true;
	if (c->vendor == SPEC_VENDOR_INTEL)
		s->vulns = intel_vulns(c);
	select_l1d(c, s);
	select_verw(c, s);
	s->rsb = select_rsb(c);
	/* IBPB: the next partition on this CPU must not inherit the last
	 * one's branch predictions (Intel IBPB guidance; AMD the same). */
	s->ibpb = c->vendor == SPEC_VENDOR_AMD ? has(c->amd8_ebx, AMD8_EBX_IBPB)
					       : has(c->cpuid7_edx, CPUID7_EDX_SPEC_CTRL);
	/* The guest may write SPEC_CTRL directly (MSR bitmap pass-through):
	 * its value is saved on exit and Septum's restored, and back on entry. */
	s->spec_ctrl = has_spec_ctrl(c);
	select_bti(c, s);
	if (!s->spec_ctrl)
		s->host_spec_ctrl = 0;

	s->entry_flags = (s->rsb == SPEC_RSB_FULL ? SPEC_F_RSB_FULL : 0) |
			 (s->rsb == SPEC_RSB_LITE ? SPEC_F_RSB_LITE : 0) |
			 (s->l1d_flush ? SPEC_F_L1D_FLUSH : 0) | (s->verw ? SPEC_F_VERW : 0) |
			 (s->spec_ctrl ? SPEC_F_SPEC_CTRL : 0);
}

/* ------------------------------------------------------------ text */

static const char *rsb_text(const struct spec_cpu *c, const struct spec_set *s)
{
	switch (s->rsb) {
	case SPEC_RSB_NONE: return "off (eIBRS, PBRSB_NO, no RRSBA)";
	case SPEC_RSB_LITE: return "one entry (eIBRS; post-barrier RSB predictions, no PBRSB_NO)";
	case SPEC_RSB_FULL: break;
	}
	if (c->vendor != SPEC_VENDOR_INTEL)
		return "full (not an Intel CPU)";
	return has(c->arch_cap, ARCH_CAP_IBRS_ALL) ? "full (eIBRS with RRSBA)" : "full (no eIBRS)";
}

static const char *l1d_text(const struct spec_cpu *c, const struct spec_set *s)
{
	if (s->l1d_flush)
		return "on (L1TF, no SKIP_L1DFL_VMENTRY)";
	if (s->l1d_flush_missing)
		return "NOT MITIGATED (L1TF, no IA32_FLUSH_CMD: update the microcode)";
	if (c->vendor != SPEC_VENDOR_INTEL)
		return "off (not an Intel CPU: no L1TF)";
	return (s->vulns & SPEC_V_L1TF) ? "off (SKIP_L1DFL_VMENTRY)" : "off (RDCL_NO: no L1TF)";
}

/* The vulnerabilities VERW is for, as text ("MDS, MMIO stale data"). */
static void verw_why(const struct spec_set *s, char *buf, size_t len)
{
	static const struct { unsigned bit; const char *name; } v[] = {
		{ SPEC_V_MDS, "MDS" }, { SPEC_V_TAA, "TAA" }, { SPEC_V_MMIO, "MMIO stale data" },
		{ SPEC_V_RFDS, "RFDS" },
	};
	size_t pos = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (!(s->vulns & v[i].bit) || pos >= len)
			continue;
		int n = snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", v[i].name);

		if (n > 0)
			pos += (size_t)n;
	}
}

static int verw_line(const struct spec_cpu *c, const struct spec_set *s, char *buf, size_t len)
{
	char why[64];

	verw_why(s, why, sizeof(why));
	if (s->verw)
		return snprintf(buf, len, "VERW before VM entry: on (%s)", why);
	if (s->verw_missing)
		return snprintf(buf, len, "VERW before VM entry: NOT MITIGATED (%s, no MD_CLEAR/FB_CLEAR: update the microcode)", why);
	if (why[0] && s->l1d_flush)
		return snprintf(buf, len, "VERW before VM entry: off (%s: the L1D flush clears the buffers)", why);
	if (c->vendor != SPEC_VENDOR_INTEL)
		return snprintf(buf, len, "VERW before VM entry: off (not an Intel CPU: no MDS)");
	return snprintf(buf, len, "VERW before VM entry: off (MDS_NO, no TAA, no MMIO stale data, no RFDS)");
}

static int bti_line(const struct spec_set *s, char *buf, size_t len)
{
	switch (s->bti) {
	case SPEC_BTI_EIBRS:
		return snprintf(buf, len, "Septum's indirect branches: eIBRS%s",
				(s->host_spec_ctrl & SPEC_CTRL_BHI_DIS_S) ? " + BHI_DIS_S"
				: (s->vulns & SPEC_V_BHI) ? " (BHI: no BHI_CTRL, NOT MITIGATED)" : "");
	case SPEC_BTI_LEGACY_IBRS:
		return snprintf(buf, len, "Septum's indirect branches: IBRS set on every VM exit (no eIBRS)");
	case SPEC_BTI_AMD_IBRS:
		return snprintf(buf, len, "Septum's indirect branches: IBRS set on every VM exit");
	case SPEC_BTI_RETPOLINE:
		return snprintf(buf, len, "Septum's indirect branches: retpolines (no IBRS)");
	case SPEC_BTI_NONE:
		break;
	}
	return snprintf(buf, len, "Septum's indirect branches: NOT MITIGATED (no IBRS; Septum built without retpolines)");
}

int spec_format_line(const struct spec_cpu *c, const struct spec_set *s, unsigned i, char *buf, size_t len)
{
	switch (i) {
	case 0:
		return snprintf(buf, len, "guest GPRs cleared on VM exit: on (always)");
	case 1:
		return snprintf(buf, len, "RSB fill on VM exit: %s", rsb_text(c, s));
	case 2:
		return snprintf(buf, len, "L1D flush on VM entry: %s", l1d_text(c, s));
	case 3:
		return verw_line(c, s, buf, len);
	case 4:
		return snprintf(buf, len, "IBPB on partition start: %s",
				s->ibpb ? "on" : "NOT MITIGATED (no IBPB: update the microcode)");
	case 5:
		if (!s->spec_ctrl)
			return snprintf(buf, len, "SPEC_CTRL switched on exit/entry: off (no IA32_SPEC_CTRL)");
		return snprintf(buf, len, "SPEC_CTRL switched on exit/entry: on (Septum's value 0x%lx, the guest's kept per vCPU)",
				(unsigned long)s->host_spec_ctrl);
	case 6:
		return bti_line(s, buf, len);
	default:
		return -1;
	}
}

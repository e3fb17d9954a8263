// SPDX-License-Identifier: MIT
/*
 * The guest's local APIC at its exits (septum/exit.h): ICR writes through
 * the IPI filter (policy.c), INIT and SIPI between the partition's own
 * vCPUs, guest NMIs, IA32_APIC_BASE, and the xAPIC register page.
 */
#include <stdio.h>
#include <hw/x86.h>
#include <septum/arch.h>
#include <septum/guest_walk.h>
#include <septum/log.h>
#include <septum/mmio_insn.h>
#include <septum/policy.h>
#include <septum/xapic.h>
#include "exit_internal.h"

#define ICR_DM_MASK    (7u << 8)
#define ICR_DM_NMI     (4u << 8)

/* INIT (SDM Vol. 3A §9.4, §11.6.1): a vCPU in guest mode leaves it and
 * waits for a SIPI; one already waiting stays so, a pending start is
 * cancelled. */
static void emulate_init(struct vcpu *t)
{
	uint32_t r = atomic_load(&t->run);

	for (;;) {
		enum vcpu_run_state st = VCPU_RUN_STATE(r);
		uint32_t next;

		if (st == VCPU_RUNNING)
			next = VCPU_INIT;
		else if (st == VCPU_STARTING)
			next = VCPU_WAIT_SIPI;
		else
			return;
		if (atomic_compare_exchange_weak(&t->run, &r, next)) {
			if (st == VCPU_RUNNING)
				vcpu_kick(t->cpu);
			return;
		}
	}
}

/* SIPI: only a vCPU waiting for one (or still leaving guest mode after an
 * INIT) starts; otherwise it is ignored, as hardware ignores a second SIPI. */
static void emulate_sipi(struct vcpu *t, uint8_t vector)
{
	uint32_t r = atomic_load(&t->run);

	while (VCPU_RUN_STATE(r) == VCPU_WAIT_SIPI || VCPU_RUN_STATE(r) == VCPU_INIT)
		if (atomic_compare_exchange_weak(&t->run, &r, VCPU_STARTING | (uint32_t)vector << 8))
			return;
}

/*
 * Guest NMIs (NMI IPIs within the partition) are virtual: never sent as
 * physical NMIs, which on the target are Septum's kicks and could not be
 * told apart from them (two NMIs pending at once also merge into one). The
 * sender marks the target's nmi_pending and kicks it; the target's backend
 * injects the NMI on its way back into the guest. A backend that cannot
 * track the guest's NMI blocking (VT-x without virtual NMIs) refuses them.
 */
static void send_guest_nmi(struct vcpu *from, struct vcpu *t)
{
	if (!vendor_guest_nmis(from)) {
		log_guest(from->part, LOG_DEBUG, "partition %s: NMI IPI refused: the CPU has no virtual NMIs",
			  from->part->name);
		return;
	}
	atomic_store(&t->nmi_pending, true);
	if (t != from)
		vcpu_kick(t->cpu);
}

void exit_icr_write(struct vcpu *v, uint64_t val, bool xapic)
{
	struct partition *p = v->part;
	struct ipi_action act;
	char why[160];
	enum ipi_verdict verdict = xapic ? xapic_icr_filter(p, v->cpu, val, &act, why, sizeof(why)) :
					   icr_filter(p, v->cpu, val, &act, why, sizeof(why));

	if (verdict == IPI_REFUSE) {
		log_guest(p, LOG_WARN, "partition %s: %s", p->name, why);
		return;
	}
	for (cpuid_t c = 0; c < CFG_MAX_CPUS; c++) {
		struct vcpu *t;

		if (!(act.cpus & BIT(c)))
			continue;
		if (verdict == IPI_SEND && (act.icr_low & ICR_DM_MASK) != ICR_DM_NMI) {
			hw_send_ipi(p->cpu_apic_id[c], act.icr_low);
			continue;
		}
		t = partition_vcpu_on(p, c);
		if (!t)
			continue;
		if (verdict == IPI_SEND)
			send_guest_nmi(v, t);
		else if (verdict == IPI_INIT)
			emulate_init(t);
		else if (verdict == IPI_SIPI)
			emulate_sipi(t, act.vector);
	}
}

/*
 * IA32_APIC_BASE (SDM Vol. 3A §11.4.4, §11.12.5): the hardware stays in
 * the host's mode; the guest's mode is virtual. x2APIC mode passes the
 * registers through (vendor_apic_mode_changed); xAPIC mode emulates the
 * register page (exit_apic_page); disabled hides the APIC and resets it.
 * Transitions the architecture forbids are #GP (apic_base_check).
 */
bool exit_apic_base_write(struct vcpu *v, uint64_t val)
{
	enum apic_mode from = apic_mode_of(v->apic_base), to = apic_mode_of(val);
	char why[96];

	uint32_t id1[4];

	/* EXTD is reserved on a CPU without x2APIC (SDM Vol. 3A §11.12.1,
	 * CPUID.1:ECX[21]): #GP, as there. Under AMD-V in QEMU TCG the host,
	 * and so the guest's CPUID, has none, and the x2APIC MSRs would only
	 * reach a host APIC that lacks them. */
	if (to == APIC_MODE_X2APIC && from != APIC_MODE_X2APIC) {
		hw_cpuid(1, 0, id1);
		if (!(id1[2] & BIT(21))) {
			log_guest(v->part, LOG_DEBUG, "partition %s: vCPU %u: x2APIC mode refused: the CPU has no x2APIC",
				  v->part->name, v->index);
			return false;
		}
	}
	if (apic_base_check(v->apic_base, val, v->part->cpu_apic_id[v->cpu], why, sizeof(why))) {
		log_guest(v->part, LOG_DEBUG, "partition %s: vCPU %u: IA32_APIC_BASE 0x%llx refused: %s",
			  v->part->name, v->index, (unsigned long long)val, why);
		return false;
	}
	v->apic_base = val;
	if (from == to)
		return true;
	if (to == APIC_MODE_DISABLED)
		hw_apic_reset();
	if (from == APIC_MODE_DISABLED)
		xapic_reset(&v->xapic);
	if (from == APIC_MODE_X2APIC || to == APIC_MODE_X2APIC)
		vendor_apic_mode_changed(v, to == APIC_MODE_X2APIC);
	log_guest(v->part, LOG_INFO, "partition %s: vCPU %u: APIC %s", v->part->name, v->index,
		  to == APIC_MODE_X2APIC ? "in x2APIC mode" : to == APIC_MODE_XAPIC ? "in xAPIC mode" : "disabled");
	return true;
}

static uint64_t this_cpu_apic_read(void *ctx, uint32_t msr)
{
	(void)ctx;
	return hw_apic_read(msr);
}

static void this_cpu_apic_write(void *ctx, uint32_t msr, uint64_t val)
{
	(void)ctx;
	hw_apic_write(msr, val);
}

static const void *guest_ram(void *ctx, uint64_t gpa, uint64_t len)
{
	return guest_ptr(ctx, gpa, len);
}

/* The instruction at CS:RIP, fetched through the guest's own page tables
 * (a nested-page fault does not say how long it is, SDM Vol. 3C §28.2.5). */
static int decode_at_rip(struct vcpu *v, struct mmio_insn *in, char *why, size_t whylen)
{
	const struct guest_paging pg = {
		.cr0 = vendor_reg(v, VREG_CR0), .cr3 = vendor_reg(v, VREG_CR3),
		.cr4 = vendor_reg(v, VREG_CR4), .efer = vendor_reg(v, VREG_EFER),
	};
	unsigned mode = vendor_code_bits(v);
	uint64_t lin = vendor_reg(v, VREG_CS_BASE) + vendor_reg(v, VREG_RIP);
	uint8_t code[15];
	size_t n;

	if (mode != 64)
		lin = (uint32_t)lin;
	n = guest_read_linear(&pg, lin, code, sizeof(code), guest_ram, v->part, why, whylen);
	if (!n)
		return -1;
	return mmio_decode(code, n, mode, in, why, whylen);
}

/*
 * An access to the APIC page while the guest's APIC is in xAPIC mode (the
 * page is never mapped, so each one exits here) or disabled (the page is
 * then nothing: reads return all ones, writes go nowhere, as for an
 * address no device claims). xAPIC registers take aligned 32-bit accesses
 * only (SDM Vol. 3A §11.4.1); anything else ends the partition, clearly.
 */
enum exit_result exit_apic_page(struct vcpu *v, struct guest_regs *r, uint64_t gpa, bool write)
{
	const struct x2apic_ops hw = { this_cpu_apic_read, this_cpu_apic_write, NULL, hw_apic_features() };
	struct partition *p = v->part;
	unsigned off = (unsigned)(gpa & (XAPIC_PAGE_SIZE - 1));
	uint64_t *regs = (uint64_t *)r, icr, rip = vendor_reg(v, VREG_RIP);
	struct mmio_insn in;
	char why[128];

	if (decode_at_rip(v, &in, why, sizeof(why))) {
		partition_crash(p, "APIC page access at GPA 0x%llx, RIP 0x%llx: %s", (unsigned long long)gpa,
			       (unsigned long long)rip, why);
		return EXIT_LEAVE;
	}
	if ((in.op == MMIO_STORE) != write) {
		partition_crash(p, "APIC page access at GPA 0x%llx, RIP 0x%llx: the instruction does not match the %s",
			       (unsigned long long)gpa, (unsigned long long)rip, write ? "write" : "read");
		return EXIT_LEAVE;
	}
	r->pad_rsp = vendor_reg(v, VREG_RSP);
	if (apic_mode_of(v->apic_base) == APIC_MODE_DISABLED) {
		if (in.op == MMIO_LOAD)
			mmio_load_result(&in, regs, ~0ull);
	} else if (in.size != 4 || (off & 0xf)) {
		partition_crash(p, "xAPIC register access of %u bytes at offset 0x%x, RIP 0x%llx: only aligned 32-bit accesses are defined",
			       in.size, off, (unsigned long long)rip);
		return EXIT_LEAVE;
	} else if (in.op == MMIO_LOAD) {
		mmio_load_result(&in, regs, xapic_read(&v->xapic, &hw, off));
	} else if (xapic_write(&v->xapic, &hw, off, (uint32_t)mmio_store_value(&in, regs), &icr)) {
		exit_icr_write(v, icr, true);
	}
	if (in.op == MMIO_LOAD && in.reg == 4 && !in.high_byte)
		vendor_set_reg(v, VREG_RSP, r->pad_rsp);
	vendor_set_reg(v, VREG_RIP, rip + in.len);
	return EXIT_RESUME;
}

// SPDX-License-Identifier: MIT
/*
 * A fake vendor backend for kernel/exit/ (septum/exit.h's struct vendor_ops):
 * guest state in plain fields of fake_guest, injected faults and the calls
 * the core made recorded, so the vendor-neutral exit layer is tested with
 * no VMCS or VMCB at all.
 */
#include <errno.h>
#include <string.h>
#include <septum/exit.h>
#include <vendor_fake.h>

struct fake_guest fake_guest;

void fake_vendor_reset(void)
{
	memset(&fake_guest, 0, sizeof(fake_guest));
	fake_guest.split_rc = -ENOENT;
	fake_guest.guest_nmis = true;
}

static uint64_t fake_reg(struct vcpu *v, enum vreg reg)
{
	(void)v;
	switch (reg) {
	case VREG_RIP:     return fake_guest.rip;
	case VREG_RSP:     return fake_guest.rsp;
	case VREG_RFLAGS:  return fake_guest.rflags;
	case VREG_CR0:     return fake_guest.cr0;
	case VREG_CR3:     return fake_guest.cr3;
	case VREG_CR4:     return fake_guest.cr4;
	case VREG_EFER:    return fake_guest.efer;
	case VREG_CS_BASE: return fake_guest.cs_base;
	}
	return 0;
}

static void fake_set_reg(struct vcpu *v, enum vreg reg, uint64_t val)
{
	(void)v;
	if (reg == VREG_RIP)
		fake_guest.rip = val;
	else if (reg == VREG_RSP)
		fake_guest.rsp = val;
	else
		fake_guest.bad_set_reg++;
}

static unsigned fake_cpl(struct vcpu *v) { (void)v; return fake_guest.cpl; }
static unsigned fake_code_bits(struct vcpu *v) { (void)v; return fake_guest.code_bits; }

static void fake_inject_fault(struct vcpu *v, unsigned vector, bool has_code, uint32_t code)
{
	(void)v;
	fake_guest.faults++;
	fake_guest.fault_vector = vector;
	fake_guest.fault_has_code = has_code;
	fake_guest.fault_code = code;
}

static void fake_write_cr0(struct vcpu *v, uint64_t val) { (void)v; fake_guest.cr0 = val; fake_guest.cr0_writes++; }
static void fake_write_cr4(struct vcpu *v, uint64_t val) { (void)v; fake_guest.cr4 = val; fake_guest.cr4_writes++; }
static void fake_write_efer(struct vcpu *v, uint64_t val) { (void)v; fake_guest.efer = val; fake_guest.efer_writes++; }
static uint64_t fake_cr4_reserved(struct vcpu *v) { (void)v; return fake_guest.cr4_reserved; }
static uint64_t fake_tsc_offset(struct vcpu *v) { (void)v; return fake_guest.tsc_offset; }
static void fake_set_tsc_offset(struct vcpu *v, uint64_t offset) { (void)v; fake_guest.tsc_offset = offset; }

static void fake_apic_mode_changed(struct vcpu *v, bool x2apic)
{
	(void)v;
	fake_guest.apic_mode_changes++;
	fake_guest.last_x2apic = x2apic;
}

static bool fake_guest_nmis(struct vcpu *v) { (void)v; return fake_guest.guest_nmis; }

static int fake_split_exec(struct vcpu *v, uint64_t gpa)
{
	(void)v;
	fake_guest.split_calls++;
	fake_guest.split_gpa = gpa;
	return fake_guest.split_rc;
}

const struct vendor_ops fake_vendor_ops = {
	.reg = fake_reg, .set_reg = fake_set_reg, .cpl = fake_cpl, .code_bits = fake_code_bits,
	.inject_fault = fake_inject_fault, .write_cr0 = fake_write_cr0, .write_cr4 = fake_write_cr4,
	.write_efer = fake_write_efer, .cr4_reserved = fake_cr4_reserved, .tsc_offset = fake_tsc_offset,
	.set_tsc_offset = fake_set_tsc_offset, .apic_mode_changed = fake_apic_mode_changed,
	.guest_nmis = fake_guest_nmis, .split_exec = fake_split_exec, .npf_name = "nested-page fault",
};

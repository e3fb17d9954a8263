// SPDX-License-Identifier: MIT
/*
 * Vendor-neutral exit dispatch (septum/exit.h). Every guest value is
 * untrusted: ports, MSR numbers, hypercall arguments and addresses are
 * checked before use, and anything Septum does not know how to handle
 * stops the partition with the exit's details logged — never the
 * hypervisor, never another partition.
 */
#include <errno.h>
#include <stdio.h>
#include <hw/x86.h>
#include <septum/abi.h>
#include <septum/conout.h>
#include <septum/exit.h>
#include <septum/log.h>
#include <septum/policy.h>
#include <septum/vdev.h>
#include <septum/xapic.h>
#include "exit_internal.h"

void exit_skip(struct vcpu *v, const struct exit_info *e)
{
	vendor_set_reg(v, VREG_RIP, vendor_reg(v, VREG_RIP) + e->insn_len);
}

enum exit_result exit_fault(struct vcpu *v, unsigned vector, bool has_code, uint32_t code)
{
	vendor_inject_fault(v, vector, has_code, code);
	return EXIT_RESUME;
}

static enum exit_result handle_cpuid(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx, out[4];
	uint64_t cr4 = vendor_reg(v, VREG_CR4);
	struct cpuid_result res;

	hw_cpuid(leaf, sub, out);
	res = (struct cpuid_result){ out[0], out[1], out[2], out[3] };
	cpuid_policy(v, leaf, sub, &res);
	/* OSXSAVE and OSPKE reflect the CR4 of whoever runs CPUID; Septum
	 * ran it, so they are set from the guest's CR4 here. */
	if (leaf == 1 && (cr4 & CR4_OSXSAVE))
		res.ecx |= CPUID1_ECX_OSXSAVE;
	if (leaf == 0xd && sub == 1)
		res.ebx = xsave_compacted_size(v->xcr0, hw_cpuid);
	if (leaf == 7 && sub == 0)
		res.ecx = (res.ecx & ~CPUID7_ECX_OSPKE) | ((cr4 & CR4_PKE) ? CPUID7_ECX_OSPKE : 0);
	r->rax = res.eax;
	r->rbx = res.ebx;
	r->rcx = res.ecx;
	r->rdx = res.edx;
	exit_skip(v, e);
	return EXIT_RESUME;
}

/* IN writes AL/AX/EAX; a 32-bit result zero-extends into RAX like every
 * 32-bit register write (SDM Vol. 1 §3.4.1.1), 8/16-bit ones merge. */
static void set_in_result(struct guest_regs *r, unsigned size, uint32_t val)
{
	if (size == 4)
		r->rax = val;
	else
		r->rax = (r->rax & ~(uint64_t)((1u << (size * 8)) - 1)) | val;
}

static enum exit_result handle_io(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	struct partition *p = v->part;
	unsigned size = e->io.size;
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;
	struct vdev_io io = { .port = e->io.port, .size = (uint8_t)size, .in = e->io.in,
			      .val = e->io.in ? 0 : (uint32_t)(r->rax & mask) };
	enum io_group group;
	enum vdev_result res;

	/* Counted before it is handled (the mark port's log line includes its
	 * own exit), as "other" until a device takes it. */
	v->io_exits[IO_OTHER]++;
	if (e->io.string) {
		partition_crash(p, "string I/O (%s port 0x%x) is not supported, RIP 0x%llx",
			       io.in ? "in from" : "out to", io.port, (unsigned long long)vendor_reg(v, VREG_RIP));
		return EXIT_LEAVE;
	}
	res = vdev_io(p, &io, &group);
	if (group != IO_OTHER) {
		v->io_exits[IO_OTHER]--;
		v->io_exits[group]++;
	}
	if (res == VDEV_LEAVE)
		return EXIT_LEAVE;
	if (io.in)
		set_in_result(r, size, res == VDEV_PASS ? mask : io.val & mask);  /* nothing there: all ones */
	exit_skip(v, e);
	return EXIT_RESUME;
}

/*
 * XSETBV always exits (SDM Vol. 3C §26.1.2; AMD: the XSETBV intercept).
 * The faults the instruction itself would raise come first (Vol. 2
 * XSETBV): #UD without CR4.OSXSAVE, #GP(0) outside CPL 0, for an XCR
 * other than 0, or for a value XCR0 does not take. A good value is then
 * loaded by Septum on this CPU, which is the partition's: Septum's own
 * code uses no state beyond x87 and general registers
 * (`make check-no-sse`), so XCR0 stays the guest's.
 */
static enum exit_result handle_xsetbv(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	uint32_t xcr = (uint32_t)r->rcx, d0[4];
	unsigned cpl = vendor_cpl(v);
	char why[96];

	if (!(vendor_reg(v, VREG_CR4) & CR4_OSXSAVE))
		return exit_fault(v, VECTOR_UD, false, 0);
	hw_cpuid(0xd, 0, d0);
	if (cpl != 0 || xcr != 0 || xcr0_check(((uint64_t)d0[3] << 32) | d0[0], val, why, sizeof(why))) {
		if (xcr == 0 && cpl == 0)
			log_guest(v->part, LOG_DEBUG, "partition %s: XSETBV refused (#GP): %s", v->part->name, why);
		return exit_fault(v, VECTOR_GP, true, 0);
	}
	hw_xsetbv(val);
	v->xcr0 = val;
	exit_skip(v, e);
	return EXIT_RESUME;
}

static enum exit_result handle_hypercall(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	if (vendor_cpl(v) != 0)
		return exit_fault(v, VECTOR_UD, false, 0);
	if (!(vendor_reg(v, VREG_EFER) & EFER_LMA)) {
		/* Outside long mode only the low 32 bits exist (abi.h). */
		r->rax = (uint32_t)hypercall(v, (uint32_t)r->rax, (uint32_t)r->rdi, (uint32_t)r->rsi,
					     (uint32_t)r->rdx);
	} else {
		r->rax = (uint64_t)hypercall(v, r->rax, r->rdi, r->rsi, r->rdx);
	}
	if (partition_leaving(v->part))
		return EXIT_LEAVE;
	exit_skip(v, e);
	return EXIT_RESUME;
}

static enum exit_result handle_hlt(struct vcpu *v, const struct exit_info *e)
{
	if (!(vendor_reg(v, VREG_RFLAGS) & RFLAGS_IF)) {
		partition_crash(v->part, "HLT with interrupts disabled at RIP 0x%llx (the vCPU can never wake)",
			       (unsigned long long)vendor_reg(v, VREG_RIP));
		return EXIT_LEAVE;
	}
	exit_skip(v, e);  /* no virtual interrupt sources for HLT to wait on: it returns at once */
	return EXIT_RESUME;
}

/*
 * An instruction fetch from a large page whose execute permission the
 * iTLB-multihit mitigation withheld (EPT_LARGE_NX): split it and let the
 * guest fetch again. Returns false when the fault is not that.
 */
static bool split_for_exec(struct vcpu *v, uint64_t gpa, enum exit_result *res)
{
	struct partition *p = v->part;
	int rc;

	spin_lock(&p->lock);          /* the partition's vCPUs share its nested page tables */
	rc = vendor_split_exec(v, gpa);
	spin_unlock(&p->lock);
	if (rc == -ENOENT)
		return false;
	if (rc) {
		partition_stop(p, "out of Septum's memory splitting the large page at GPA 0x%llx for execution",
			       (unsigned long long)gpa);
		*res = EXIT_LEAVE;
		return true;
	}
	*res = partition_leaving(p) ? EXIT_LEAVE : EXIT_RETRY;
	return true;
}

static enum exit_result handle_npf(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	uint64_t gpa = e->npf.gpa, rip = vendor_reg(v, VREG_RIP);
	const char *what = e->npf.write ? "write" : e->npf.fetch ? "instruction fetch" : "read";
	bool apic_page = ALIGN_DOWN(gpa, XAPIC_PAGE_SIZE) == (v->apic_base & APIC_BASE_ADDR_MASK);
	enum exit_result res;
	char owner[96];

	if (e->npf.fetch && split_for_exec(v, gpa, &res))
		return res;
	if (apic_page && !e->npf.fetch && apic_mode_of(v->apic_base) != APIC_MODE_X2APIC)
		return exit_apic_page(v, r, gpa, e->npf.write);
	if (apic_page) {
		partition_crash(v->part, "%s of the xAPIC page (GPA 0x%llx, RIP 0x%llx) while the APIC is in x2APIC mode",
			       what, (unsigned long long)gpa, (unsigned long long)rip);
		return EXIT_LEAVE;
	}
	describe_hpa(gpa, owner, sizeof(owner));
	partition_crash(v->part, "%s (%s) at GPA 0x%llx, RIP 0x%llx; that host-physical address is %s",
		       vendor_npf_name(), what, (unsigned long long)gpa, (unsigned long long)rip, owner);
	return EXIT_LEAVE;
}

enum exit_result exit_handle(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	if (partition_leaving(v->part))
		return EXIT_LEAVE;
	/* An INIT from another vCPU of the partition: leave guest mode. */
	if (VCPU_RUN_STATE(atomic_load(&v->run)) != VCPU_RUNNING)
		return EXIT_LEAVE;

	switch (e->kind) {
	case EXIT_KIND_NONE:
		/* A kick, an interrupt, a backend's own timer: nothing the guest
		 * asked. The console takes what the wire takes now (conout_backlog:
		 * the backend's timer may have brought this CPU back for it). */
		conout_drain();
		return EXIT_RETRY;
	case EXIT_KIND_CPUID:
		return handle_cpuid(v, r, e);
	case EXIT_KIND_IO:
		return handle_io(v, r, e);
	case EXIT_KIND_MSR_READ:
		return exit_rdmsr(v, r, e);
	case EXIT_KIND_MSR_WRITE:
		return exit_wrmsr(v, r, e);
	case EXIT_KIND_CR_WRITE:
		return exit_cr_write(v, r, e);
	case EXIT_KIND_XSETBV:
		return handle_xsetbv(v, r, e);
	case EXIT_KIND_HLT:
		return handle_hlt(v, e);
	case EXIT_KIND_HYPERCALL:
		return handle_hypercall(v, r, e);
	case EXIT_KIND_NPF:
		return handle_npf(v, r, e);
	case EXIT_KIND_SHUTDOWN:
		partition_crash(v->part, "triple fault at RIP 0x%llx", (unsigned long long)vendor_reg(v, VREG_RIP));
		return EXIT_LEAVE;
	case EXIT_KIND_INIT_SIGNAL:
		/* Nobody may INIT a partition's CPU; record and carry on. */
		log_guest(v->part, LOG_WARN, "partition %s: INIT signal on CPU %u ignored", v->part->name,
			  (unsigned)v->cpu);
		return EXIT_RESUME;
	case EXIT_KIND_CACHE_FLUSH:
		/* WBINVD would write back and invalidate every cache level of
		 * the package, the other partitions' shared L3 included (SDM
		 * Vol. 2 WBINVD): a noisy neighbour's tool. x86 caches are
		 * coherent with DMA and with each other, and no partition is
		 * given a non-coherent device, so it is a no-op here (as KVM
		 * does without non-coherent DMA). INVD, which would throw away
		 * dirty lines of Septum and of every partition, is the same
		 * no-op. */
		exit_skip(v, e);
		return EXIT_RESUME;
	case EXIT_KIND_UNDEFINED:
		/* VMX and SVM are not exposed (CPUID hides them): #UD, as on a
		 * CPU without them. */
		return exit_fault(v, VECTOR_UD, false, 0);
	case EXIT_KINDS:
		break;
	}
	partition_crash(v->part, "exit of unknown kind %u at RIP 0x%llx (Septum bug)", (unsigned)e->kind,
		       (unsigned long long)vendor_reg(v, VREG_RIP));
	return EXIT_LEAVE;
}

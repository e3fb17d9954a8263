// SPDX-License-Identifier: MIT
/*
 * AMD-V capability checks, one commented check per requirement, naming the
 * feature: emulators and silicon differ (QEMU TCG offers SVM and nested
 * paging without NRIP-save or decode assists), and the user must be able to
 * tell which. The order follows APM Vol. 2 §15.4 "Enabling SVM".
 */
#include <stdio.h>
#include <string.h>

#include <svm/svm.h>

static struct cpuid_regs hw_cpuid(uint32_t leaf, uint32_t subleaf) { return cpuid(leaf, subleaf); }

const struct svm_cpu_ops svm_cpu_hw = { hw_cpuid, rdmsr_safe };
const struct svm_cpu_ops *svm_cpu = &svm_cpu_hw;

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return -1; } while (0)

static void read_vendor(char vendor[13])
{
	struct cpuid_regs r = svm_cpu->cpuid(0, 0);

	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
}

int svm_caps_check(struct svm_caps *out, char *why, size_t whylen)
{
	struct svm_caps c;
	struct cpuid_regs l;
	uint32_t max_ext;

	memset(&c, 0, sizeof(c));
	read_vendor(c.vendor);
	*out = c;
	/* SVM is enumerated by CPUID, not by the vendor: AMD and Hygon set
	 * it, and so does an emulator or a hypervisor offering nested SVM.
	 * VM_CR is read only after this: on other CPUs it is not an MSR. */
	max_ext = svm_cpu->cpuid(0x80000000u, 0).eax;
	if (max_ext < CPUID_EXT_FEATURES || !(svm_cpu->cpuid(CPUID_EXT_FEATURES, 0).ecx & CPUID_EXT1_ECX_SVM))
		FAIL("SVM missing (CPUID 80000001H ECX[2] = 0; vendor %s)", c.vendor);
	if (max_ext < CPUID_SVM_FEATURES)
		FAIL("SVM missing (no CPUID leaf 8000000AH: the highest extended leaf is %08XH)", max_ext);

	l = svm_cpu->cpuid(CPUID_SVM_FEATURES, 0);
	c.revision = (uint8_t)l.eax;
	c.nasids = l.ebx;
	c.features = l.edx;
	c.nrip_save = l.edx & CPUID_SVM_EDX_NRIPS;
	c.vmcb_clean = l.edx & CPUID_SVM_EDX_VMCB_CLEAN;
	c.flush_by_asid = l.edx & CPUID_SVM_EDX_FLUSH_ASID;
	c.decode_assists = l.edx & CPUID_SVM_EDX_DECODE;
	c.vnmi = l.edx & CPUID_SVM_EDX_VNMI;
	*out = c;

	/* §15.4: with VM_CR.SVMDIS set, EFER.SVME cannot be set. Firmware sets
	 * it (and VM_CR.LOCK) when SVM is switched off in its setup; with
	 * SVM-Lock (EDX[2]) it may be unlockable with the firmware's key. */
	if (svm_cpu->rdmsr(MSR_VM_CR, &c.vm_cr))
		FAIL("SVM unusable: VM_CR (MSR C001_0114) cannot be read");
	out->vm_cr = c.vm_cr;
	if (c.vm_cr & VM_CR_SVMDIS)
		FAIL("SVM disabled by firmware (VM_CR.SVMDIS, MSR C001_0114 bit 4): %s",
		     (l.edx & CPUID_SVM_EDX_SVML) ? "enable SVM in the firmware setup (SVM-Lock: unlocking needs the firmware's key)" :
		     "enable SVM in the firmware setup");
	/* Septum maps guest memory only through nested page tables (§15.25);
	 * it has no shadow paging. */
	if (!(l.edx & CPUID_SVM_EDX_NP))
		FAIL("nested paging (CPUID 8000000AH EDX[0]) missing");
	/* ASID 0 is the host's: VMRUN refuses it for a guest (§15.16). */
	if (c.nasids < 2)
		FAIL("no ASID for a guest (CPUID 8000000AH EBX = %u)", (unsigned)c.nasids);
	return 0;
}

static const char *has(bool b) { return b ? "present" : "absent"; }

char *svm_caps_describe(const struct svm_caps *c, char *buf, size_t len)
{
	snprintf(buf, len, "SVM present (%s, revision %u), nested paging %s, NRIP-save %s, "
		 "decode assists %s, VMCB clean bits %s, flush-by-ASID %s, virtual NMI %s, %u ASIDs",
		 c->vendor, (unsigned)c->revision, has(c->features & CPUID_SVM_EDX_NP), has(c->nrip_save),
		 has(c->decode_assists), has(c->vmcb_clean), has(c->flush_by_asid), has(c->vnmi),
		 (unsigned)c->nasids);
	return buf;
}

char *svm_backend_line(const struct svm_caps *c, char *buf, size_t len)
{
	char caps[256];

	snprintf(buf, len, "AMD-V: %s", svm_caps_describe(c, caps, sizeof(caps)));
	return buf;
}

// SPDX-License-Identifier: MIT
/*
 * conf-seg: segmentation as a 64-bit kernel still meets it (Intel SDM Vol.
 * 3A chapter 3 and §7.14; Vol. 2 LAR, LSL, VERR, VERW, IRET, WRFSBASE):
 * selector loads (null, valid, beyond the GDT limit: #GP with the selector
 * as error code), descriptor queries, IRETQ to the same privilege level (a faulting IRETQ would leave its
 * frame on the stack the guard resumes with, so none is tried),
 * FS/GS bases by MSR and by WRFSBASE with and without CR4.FSGSBASE.
 */
#include "conf.h"

static uint64_t lar_lsl(int lsl, uint64_t sel, unsigned *zf)
{
	uint64_t v = 0, fl;

	if (lsl)
		__asm__ volatile("lsl %2, %0; pushf; pop %1" : "+r"(v), "=r"(fl) : "r"(sel) : "cc");
	else
		__asm__ volatile("lar %2, %0; pushf; pop %1" : "+r"(v), "=r"(fl) : "r"(sel) : "cc");
	*zf = (unsigned)(fl >> 6) & 1;
	return v;
}

static unsigned ver(int w, uint16_t sel)
{
	uint64_t fl;

	if (w)
		__asm__ volatile("verw %w1; pushf; pop %0" : "=r"(fl) : "r"(sel) : "cc");
	else
		__asm__ volatile("verr %w1; pushf; pop %0" : "=r"(fl) : "r"(sel) : "cc");
	return (unsigned)(fl >> 6) & 1;
}

static void seg_result(const char *id, int v)
{
	if (v == 13)
		conf_result(id, "#GP error %llx", (unsigned long long)guard_last.error_code);
	else
		conf_result(id, "%s", conf_outcome(v));
}

int main(void)
{
	uint64_t v = 0;
	unsigned zf;

	conf_begin("conf-seg");
	seg_result("mov-ds-null", GUARDED("mov %w0, %%ds", "r"(0)));
	seg_result("mov-es-data", GUARDED("mov %w0, %%es", "r"(0x10)));
	seg_result("mov-fs-code", GUARDED("mov %w0, %%fs", "r"(0x08)));
	seg_result("mov-gs-beyond-gdt", GUARDED("mov %w0, %%gs", "r"(0x48)));
	seg_result("mov-ss-null", GUARDED("mov %%ss, %%r11; mov %w0, %%ss; mov %%r11, %%ss", "r"(0)));
	seg_result("mov-ss-code", GUARDED("mov %w0, %%ss", "r"(0x08)));
	__asm__ volatile("mov %0, %%ds; mov %0, %%es" : : "r"(0x10));

	v = lar_lsl(0, 0x08, &zf);
	conf_result("lar-0x08", "zf %u, %llx", zf, (unsigned long long)v);
	v = lar_lsl(0, 0x10, &zf);
	conf_result("lar-0x10", "zf %u, %llx", zf, (unsigned long long)v);
	v = lar_lsl(1, 0x10, &zf);
	conf_result("lsl-0x10", "zf %u, %llx", zf, (unsigned long long)v);
	(void)lar_lsl(0, 0x48, &zf);
	conf_result("lar-beyond", "zf %u", zf);
	conf_result("verr-code", "zf %u", ver(0, 0x08));
	conf_result("verw-code", "zf %u", ver(1, 0x08));
	conf_result("verw-data", "zf %u", ver(1, 0x10));

	/* IRETQ to CPL 0 with a frame we build: SS, RSP, RFLAGS, CS, RIP. */
	seg_result("iretq-same-cpl", GUARDED("mov %%rsp, %%r11; push $0x10; push %%r11; pushf; push $0x08; "
					      "lea 2f(%%rip), %%r11; push %%r11; iretq; 2:", "m"(v)));

	seg_result("wrfsbase-off", GUARDED("wrfsbase %0", "r"(0x1000ull)));
	guarded_write_cr4(read_cr4() | (1ull << 16));
	seg_result("wrfsbase-on", GUARDED("wrfsbase %0", "r"(0x1000ull)));
	guarded_rdmsr(0xc0000100, &v);
	conf_result("fs-base-msr-after-wrfsbase", "%llx", (unsigned long long)v);
	guarded_wrmsr(0xc0000100, 0x2000);
	__asm__ volatile("rdfsbase %0" : "=r"(v));
	conf_result("rdfsbase-after-msr", "%llx", (unsigned long long)v);
	guarded_write_cr4(read_cr4() & ~(1ull << 16));
	guarded_wrmsr(0xc0000100, 0);
	return 0;
}

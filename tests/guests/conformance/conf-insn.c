// SPDX-License-Identifier: MIT
/*
 * conf-insn: instructions a kernel executes that a hypervisor may intercept
 * or hide (Intel SDM Vol. 2): whether each runs or faults at CPL 0 in
 * 64-bit mode, and what it returns where the value is the CPU's and not
 * the moment's. WBINVD and INVD must run (Septum makes them local no-ops),
 * VMX instructions #UD on a CPU that does not show VMX.
 */
#include "conf.h"

/* The same, for instructions that write RAX, RCX and RDX. */
#define GUARDED_ACD(insn, A_, C_)                                                           \
	({                                                                                  \
		uint64_t a_ = (A_), c_ = (C_), d_ = 0;                                      \
		guard_last = (struct guard_fault){ 0, 0, 0, 0 };                            \
		__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\t" \
				 insn "\n1:" : "+a"(a_), "+c"(c_), "+d"(d_) : : "r11", "memory"); \
		guard_resume = 0;                                                           \
		guard_last.rip ? (int)guard_last.vector : 0;                                \
	})

static uint8_t buf[64] __attribute__((aligned(16)));

int main(void)
{
	uint64_t v = 0;

	conf_begin("conf-insn");
	conf_result("wbinvd", "%s", conf_outcome(GUARDED("wbinvd", "m"(buf[0]))));
	conf_result("invd", "%s", conf_outcome(GUARDED("invd", "m"(buf[0]))));
	conf_result("clflush", "%s", conf_outcome(GUARDED("clflush %0", "m"(buf[0]))));
	conf_result("invlpg", "%s", conf_outcome(GUARDED("invlpg %0", "m"(buf[0]))));
	conf_result("pause", "%s", conf_outcome(GUARDED("pause", "m"(buf[0]))));
	conf_result("sgdt", "%s", conf_outcome(GUARDED("sgdt %0", "m"(buf[0]))));
	conf_result("sidt", "%s", conf_outcome(GUARDED("sidt %0", "m"(buf[0]))));
	conf_result("sldt", "%s", conf_outcome(GUARDED("sldt %0", "m"(buf[0]))));
	conf_result("str", "%s", conf_outcome(GUARDED("str %0", "m"(buf[0]))));
	conf_result("smsw", "%s", conf_outcome(GUARDED("smsw %0", "m"(buf[0]))));
	__asm__ volatile("smsw %0" : "=r"(v));
	conf_result("smsw.value", "%llx", (unsigned long long)(v & 0xffff));
	conf_result("lldt-null", "%s", conf_outcome(GUARDED("lldt %w0", "r"(0))));
	conf_result("ltr-null", "%s", conf_outcome(GUARDED("ltr %w0", "r"(0))));
	conf_result("clts", "%s", conf_outcome(GUARDED("clts", "m"(buf[0]))));
	conf_result("mov-cr8", "%s", conf_outcome(GUARDED("mov %%cr8, %%r11", "m"(buf[0]))));
	conf_result("mov-to-cr8", "%s", conf_outcome(GUARDED("mov %0, %%cr8", "r"(0ull))));
	conf_result("mov-cr2", "%s", conf_outcome(GUARDED("mov %0, %%cr2", "r"(0x1234ull))));
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	conf_result("cr2.readback", "%llx", (unsigned long long)v);
	conf_result("mov-cr3-reload", "%s", conf_outcome(GUARDED("mov %%cr3, %%r11; mov %%r11, %%cr3", "m"(buf[0]))));
	conf_result("mov-cr1", "%s", conf_outcome(GUARDED(".byte 0x41, 0x0f, 0x20, 0xcb" /* mov %cr1,%r11 */, "m"(buf[0]))));
	conf_result("rdpmc-0", "%s", conf_outcome(GUARDED_ACD("rdpmc", 0, 0)));
	conf_result("rdtscp", "%s", conf_outcome(GUARDED_ACD("rdtscp", 0, 0)));
	conf_result("xgetbv-1", "%s", conf_outcome(GUARDED_ACD("xgetbv", 0, 1)));
	conf_result("rdrand", "%s", conf_outcome(GUARDED("rdrand %%r11", "m"(buf[0]))));
	conf_result("rdseed", "%s", conf_outcome(GUARDED("rdseed %%r11", "m"(buf[0]))));
	conf_result("rdpid", "%s", conf_outcome(GUARDED("rdpid %%r11", "m"(buf[0]))));
	conf_result("monitor", "%s", conf_outcome(GUARDED_ACD("monitor", (uint64_t)(uintptr_t)buf, 0)));
	conf_result("vmxon", "%s", conf_outcome(GUARDED("vmxon %0", "m"(buf[0]))));
	conf_result("vmread", "%s", conf_outcome(GUARDED("vmread %%r11, %%r11", "m"(buf[0]))));
	conf_result("invept", "%s", conf_outcome(GUARDED("invept %0, %%r11", "m"(buf[0]))));
	conf_result("getsec", "%s", conf_outcome(GUARDED_ACD("getsec", 0, 0)));
	conf_result("swapgs", "%s", conf_outcome(GUARDED("swapgs; swapgs", "m"(buf[0]))));
	conf_result("ud0", "%s", conf_outcome(GUARDED("ud0 %%r11, %%r11", "m"(buf[0]))));
	conf_result("lock-nop", "%s", conf_outcome(GUARDED(".byte 0xf0, 0x90", "m"(buf[0]))));
	return 0;
}

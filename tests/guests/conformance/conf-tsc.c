// SPDX-License-Identifier: MIT
/*
 * conf-tsc: the time-stamp counter as a kernel calibrates and uses it
 * (Intel SDM Vol. 3B §19.17; Vol. 2 RDTSC, RDTSCP): it only goes forward,
 * RDTSC and RDMSR(IA32_TIME_STAMP_COUNTER) agree, RDTSCP returns
 * IA32_TSC_AUX in ECX, CR4.TSD does not stop RDTSC at CPL 0, and
 * IA32_TSC_DEADLINE reads 0 while the LVT timer is not in TSC-deadline mode.
 */
#include "conf.h"

static uint32_t rdtscp_aux(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	(void)lo;
	(void)hi;
	return aux;
}

int main(void)
{
	uint64_t prev = rdtsc(), now, msr = 0, aux_old = 0;
	unsigned backwards = 0;
	int f;

	conf_begin("conf-tsc");
	for (unsigned i = 0; i < 10000; i++) {
		now = rdtsc();
		if (now < prev)
			backwards++;
		prev = now;
	}
	conf_result("rdtsc-monotonic", "%u went back", backwards);
	f = guarded_rdmsr(0x10, &msr);
	now = rdtsc();
	conf_result("rdmsr-tsc", "%s, %s", conf_outcome(f), !f && now >= msr && now - msr < (1ull << 32) ? "agrees" : "differs");
	guarded_rdmsr(0xc0000103, &aux_old);
	f = guarded_wrmsr(0xc0000103, 0x1234);
	conf_result("tsc-aux-write", "%s", conf_outcome(f));
	conf_result("rdtscp-ecx", "%x", rdtscp_aux());
	f = guarded_wrmsr(0xc0000103, 1ull << 32);
	conf_result("tsc-aux-write-bit32", "%s", conf_outcome(f));
	guarded_wrmsr(0xc0000103, aux_old);
	guarded_write_cr4(read_cr4() | (1ull << 2));
	prev = rdtsc();
	conf_result("rdtsc-cr4-tsd-cpl0", "%s", rdtsc() >= prev ? "runs" : "-");
	guarded_write_cr4(read_cr4() & ~(1ull << 2));
	f = guarded_rdmsr(0x6e0, &msr);
	conf_result("tsc-deadline-read", "%s %llx", conf_outcome(f), (unsigned long long)msr);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * conf-pf: the guest's own paging as a kernel uses it (Intel SDM Vol. 3A
 * chapter 4: §4.6 access rights, §4.7 page-fault error codes, §4.8
 * accessed and dirty flags). The guest builds its own tables over its RAM
 * and checks: not-present, write to read-only with and without CR0.WP,
 * NX with EFER.NXE, reserved bits (error code RSVD), A/D bits set by the
 * CPU, INVLPG, and code run from every 2 MiB page of its first 32 MiB
 * (under Septum these sit on large EPT pages that may be mapped
 * non-executable and split on first execution: the guest must not notice).
 */
#include "conf.h"

#define P   (1ull << 0)
#define W   (1ull << 1)
#define A   (1ull << 5)
#define D   (1ull << 6)
#define PS  (1ull << 7)
#define NX  (1ull << 63)
#define TEST_VA 0x40000000ull            /* 1 GiB: PDPT slot 1, ours alone */

static uint64_t pd[512] __attribute__((aligned(4096)));
static uint64_t pt[512] __attribute__((aligned(4096)));
static uint8_t page[3][4096] __attribute__((aligned(4096)));

static uint64_t *pdpt(void)
{
	const uint64_t *pml4 = (const uint64_t *)(uintptr_t)(read_cr3() & ~0xfffull);

	return (uint64_t *)(uintptr_t)(pml4[0] & 0x000ffffffffff000ull);
}

static void flush(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static int touch(uint64_t va, int write)
{
	guard_last = (struct guard_fault){ 0, 0, 0, 0 };
	if (write)
		__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\t"
				 "movb $1, (%0)\n1:" : : "r"(va) : "r11", "memory");
	else
		__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\t"
				 "movb (%0), %%al\n1:" : : "r"(va) : "r11", "rax", "memory");
	guard_resume = 0;
	return guard_last.rip ? (int)guard_last.vector : 0;
}

static int run_at(uint64_t va)
{
	guard_last = (struct guard_fault){ 0, 0, 0, 0 };
	__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\t"
			 "call *%0\n1:" : : "r"(va) : "r11", "rax", "memory");
	guard_resume = 0;
	return guard_last.rip ? (int)guard_last.vector : 0;
}

static void result(const char *id, int v)
{
	if (v == 14)
		conf_result(id, "#PF error %llx", (unsigned long long)guard_last.error_code);
	else
		conf_result(id, "%s", conf_outcome(v));
}

static void map(unsigned i, uint64_t flags)
{
	pt[i] = (uint64_t)(uintptr_t)page[i % 3] | flags;
	flush(TEST_VA + 4096ull * i);
}

int main(void)
{
	uint64_t va = TEST_VA;
	uint64_t efer_lo = 0;
	unsigned ran = 0, faulted = 0;

	conf_begin("conf-pf");
	pdpt()[1] = (uint64_t)(uintptr_t)pd | P | W;
	pd[0] = (uint64_t)(uintptr_t)pt | P | W;
	write_cr3(read_cr3());

	map(0, 0);
	result("not-present.read", touch(va, 0));
	map(0, P);
	result("read-only.read", touch(va, 0));
	result("read-only.write.wp0", touch(va, 1));
	guarded_write_cr0(read_cr0() | (1ull << 16));
	result("read-only.write.wp1", touch(va, 1));
	guarded_write_cr0(read_cr0() & ~(1ull << 16));
	map(0, P | W | (1ull << 51));
	result("reserved-bit51", touch(va, 0));
	map(0, P | W);
	pt[1] = 0;
	flush(va + 4096);
	map(0, P | W);
	touch(va, 0);
	conf_result("accessed-after-read", "%llu", (unsigned long long)!!(pt[0] & A));
	conf_result("dirty-after-read", "%llu", (unsigned long long)!!(pt[0] & D));
	touch(va, 1);
	conf_result("dirty-after-write", "%llu", (unsigned long long)!!(pt[0] & D));

	/* Execution: a RET placed in page 2, mapped executable or not. */
	page[2][0] = 0xc3;
	map(2, P | W);
	result("exec.nxe-off", run_at(va + 2 * 4096));
	guarded_rdmsr(0xc0000080, &efer_lo);
	guarded_wrmsr(0xc0000080, efer_lo | (1ull << 11));
	map(2, P | W | NX);
	result("exec.nx", run_at(va + 2 * 4096));
	map(2, P | W);
	result("exec.after-clearing-nx", run_at(va + 2 * 4096));
	map(2, P | W | NX);
	result("read.nx-page", touch(va + 2 * 4096, 0));
	guarded_wrmsr(0xc0000080, efer_lo);
	map(2, P | W | NX);
	result("exec.nx-with-nxe-off", run_at(va + 2 * 4096));

	/* Run code in each 2 MiB page of 2..32 MiB (identity-mapped by entry.S). */
	for (uint64_t a = 2ull << 20; a < 32ull << 20; a += 2ull << 20) {
		volatile uint8_t *b = (volatile uint8_t *)(uintptr_t)(a + 0x1000);

		b[0] = 0xc3;
		if (run_at(a + 0x1000) == 0)
			ran++;
		else
			faulted++;
	}
	conf_result("exec-every-2m", "%u ran, %u faulted", ran, faulted);
	return 0;
}

// SPDX-License-Identifier: MIT
/*
 * Boot CPU bring-up: from the loader's hand-off to Septum's own console,
 * memory, page tables, GDT/IDT/TSS and timebase, then kernel_main().
 */
#include <string.h>
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <arch/traps.h>
#include <drivers/uart16550.h>
#include <septum/arch.h>
#include <septum/boot_info.h>
#include <septum/heap.h>
#include <septum/reserve.h>
#include <septum/log.h>

void arch_boot(struct boot_info *bi);
__attribute__((noreturn)) void arch_ap_main(struct percpu *pc);

struct percpu *percpus[BOOT_MAX_CPUS];
unsigned ncpus;
uint64_t tsc_hz;
uint64_t host_cr3;
static bool console_ready;
static bool percpu_ready;   /* GS base points at a struct percpu */

void arch_console_write(const char *s, size_t n)
{
	if (console_ready)
		uart16550_write(COM1_PORT, s, n);
}

/* Before the UART is set up nothing is taken: lines wait in the buffers. */
size_t arch_console_room(void)
{
	return console_ready ? uart16550_tx_room(COM1_PORT) : 0;
}

void arch_console_put(const char *s, size_t n)
{
	if (console_ready)
		uart16550_write_nowait(COM1_PORT, s, n);
}

uint64_t arch_timestamp(void) { return rdtsc(); }

cpuid_t arch_cpu_id(void)
{
	/* Before percpu is set up GS base is the firmware's: report CPU 0. */
	return percpu_ready ? this_cpu()->id : 0;
}

uint32_t arch_cpu_apic_id(cpuid_t cpu) { return cpu < ncpus ? percpus[cpu]->apic_id : 0xffffffffu; }
uint64_t arch_tsc_hz(void) { return tsc_hz; }

void arch_udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * (tsc_hz / 1000000);

	while (rdtsc() < end)
		cpu_relax();
}

void arch_halt_cpu(void)
{
	cpu_halt_forever();
}

/* HLT with IF = 0 still ends on an NMI (SDM Vol. 3A §8.10.2 "HLT"); the
 * root-mode NMI handler counts it and returns here. */
void arch_cpu_sleep(void)
{
	cli();
	hlt();
}

static void gdt_set_tss(struct percpu *pc)
{
	uint64_t base = (uint64_t)(uintptr_t)&pc->tss, limit = sizeof(pc->tss) - 1;

	/* 64-bit TSS descriptor, type 9 (available), present (SDM Vol. 3A §8.2.3). */
	pc->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
			       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	pc->gdt[GDT_TSS / 8 + 1] = base >> 32;
}

void percpu_load_tables(struct percpu *pc)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof(pc->gdt) - 1, (uint64_t)(uintptr_t)pc->gdt,
	};

	pc->gdt[GDT_CODE64 / 8] = 0x00af9a000000ffffull; /* L=1, present, DPL 0, code */
	pc->gdt[GDT_DATA / 8]   = 0x00cf92000000ffffull; /* present, DPL 0, data RW */
	pc->tss.ist[IST_NMI - 1] = (uint64_t)(uintptr_t)(pc->ist_stack + STACK_SIZE);
	pc->tss.ist[IST_MC - 1] = (uint64_t)(uintptr_t)(pc->mc_stack + STACK_SIZE);
	pc->tss.iomap_base = sizeof(pc->tss);
	gdt_set_tss(pc);

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 :: "m"(gdtr), "i"(GDT_CODE64), "i"(GDT_DATA), "r"(GDT_TSS) : "rax", "memory");
	/* Loading GS zeroes the base on some CPUs: set it afterwards. */
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)pc);
	idt_load();
}

/* Calibrate the TSC against the 8254 PIT channel 2 (10 ms one-shot). Used
 * for delays (AP start-up) and, when the CPU does not enumerate its TSC
 * frequency, told to guests in CPUID 0x15 (kernel/exit/policy.c); log timestamps
 * are raw TSC cycles. */
static void tsc_calibrate(void)
{
	const unsigned pit_hz = 1193182, ms = 10;
	uint16_t count = (uint16_t)(pit_hz * ms / 1000);
	uint64_t t0, t1;
	long spins = 0;

	outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01)); /* gate on, speaker off */
	outb(0x43, 0xb0);                                 /* ch2, lo/hi, mode 0 */
	outb(0x42, (uint8_t)count);
	outb(0x42, (uint8_t)(count >> 8));
	t0 = rdtsc();
	while (!(inb(0x61) & 0x20) && spins++ < 50000000)
		cpu_relax();
	t1 = rdtsc();
	if (spins >= 50000000 || t1 <= t0) {
		tsc_hz = 2000000000ull;
		pr_warn("no 8254 PIT answered: assuming a 2 GHz TSC for delays");
		return;
	}
	tsc_hz = (t1 - t0) * (1000 / ms);
}

static void check_boot_info(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION ||
	    bi->size != sizeof(*bi)) {
		pr_err("boot_info from the loader is not version %d (magic %llx, version %u, size %u): loader and core do not match",
		       BOOT_INFO_VERSION, (unsigned long long)bi->magic, bi->version, bi->size);
		cpu_halt_forever();
	}
	if (bi->ncpus == 0 || bi->ncpus > BOOT_MAX_CPUS || bi->nmem > BOOT_MAX_MEM ||
	    bi->nfiles > BOOT_MAX_FILES) {
		pr_err("boot_info counts out of range (cpus %u, memory regions %u, files %u)",
		       bi->ncpus, bi->nmem, bi->nfiles);
		cpu_halt_forever();
	}
}

/* Per-CPU block and its stacks, from the heap; the loader's reservation
 * counts them (septum/reserve.h). */
_Static_assert(sizeof(struct percpu) <= RESERVE_PERCPU_PAGES * PAGE_SIZE, "septum/reserve.h: struct percpu");
_Static_assert(4 * STACK_SIZE == RESERVE_STACK_PAGES * PAGE_SIZE, "septum/reserve.h: the four stacks");
struct percpu *percpu_alloc(cpuid_t id, uint32_t apic_id);
struct percpu *percpu_alloc(cpuid_t id, uint32_t apic_id)
{
	struct percpu *pc = pages_alloc((sizeof(*pc) + PAGE_SIZE - 1) / PAGE_SIZE);
	uint8_t *stacks = pages_alloc(4 * STACK_SIZE / PAGE_SIZE);

	if (!pc || !stacks)
		hv_panic("out of memory for CPU %u", (unsigned)id);
	pc->self = pc;
	pc->id = id;
	pc->apic_id = apic_id;
	pc->stack = stacks;
	pc->ist_stack = stacks + STACK_SIZE;
	pc->exit_stack = stacks + 2 * STACK_SIZE;
	pc->mc_stack = stacks + 3 * STACK_SIZE;
	return pc;
}

void arch_boot(struct boot_info *bi)
{
	struct percpu *bsp;

	uart16550_init(COM1_PORT, 115200);
	console_ready = true;
	pr_info("Septum core entered (image at 0x%llx)", (unsigned long long)(uintptr_t)arch_boot);
	check_boot_info(bi);

	heap_init(bi->heap_base, bi->heap_size);
	/* Septum uses no legacy interrupts: mask both 8259 PICs so nothing the
	 * firmware left enabled reaches a partition's CPU. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);

	/* NX before any table uses it (CPUID.80000001H:EDX[20]). */
	if (!(cpuid(0x80000001, 0).edx & CPUID81_EDX_NX)) {
		pr_err("CPU 0: no NX (execute-disable) support; Septum needs it for W^X");
		pr_err("halted");
		cpu_halt_forever();
	}
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	host_cr3 = paging_build(bi, &heap_pool);
	write_cr0(read_cr0() | CR0_WP);
	write_cr3(host_cr3);

	idt_init();
	bsp = percpu_alloc(0, bi->cpus[0].apic_id);
	percpus[0] = bsp;
	ncpus = 1;
	percpu_load_tables(bsp);
	percpu_ready = true;
	atomic_store(&bsp->online, 1);
	lapic_init();      /* x2APIC or xAPIC: how Septum signals CPUs */
	if (lapic_id() != bsp->apic_id)
		pr_warn("CPU 0: the local APIC says APIC id %u, the firmware %u; IPIs to CPU 0 use %u",
			lapic_id(), bsp->apic_id, bsp->apic_id);
	tsc_calibrate();
	pr_info("own page tables, GDT/IDT/TSS loaded; TSC %llu MHz; heap %llu KiB free",
		(unsigned long long)(tsc_hz / 1000000), (unsigned long long)heap_free_pages() * 4);

	/* Move to the boot CPU's own stack from the heap and never return. */
	__asm__ volatile("movq %0, %%rsp\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "call kernel_main"
			 :: "r"(bsp->stack + STACK_SIZE), "D"(bi) : "memory");
	__builtin_unreachable();
}

void arch_ap_main(struct percpu *pc)
{
	write_cr0(read_cr0() | CR0_WP);
	percpu_load_tables(pc);
	lapic_cpu_enable();
	atomic_store(&pc->online, 1);
	kernel_cpu_main();
}

/* SPDX-License-Identifier: MIT */
/*
 * IDT and trap dispatch for 64-bit test guests. Septum enters a guest with no
 * IDT (docs/guests.md); a guest that expects an exception (probe-vmx's #UD)
 * or wants a readable report instead of a triple fault calls idt_install().
 */
#include "guest.h"

/* 64-bit IDT gate descriptor: Intel SDM Vol. 3A, "64-Bit Mode IDT". */
#define GATE_TYPE_INTERRUPT 0xeu
#define GATE_PRESENT        (1u << 7)
#define GATE_DPL0           (0u << 5)
#define GUEST_CODE_SELECTOR 0x08   /* CS Septum gives a 64-bit guest */

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};
_Static_assert(sizeof(struct idt_gate) == 16, "SDM: 16-byte 64-bit mode gate");

struct __attribute__((packed)) idt_pointer {
	uint16_t limit;
	uint64_t base;
};
_Static_assert(sizeof(struct idt_pointer) == 10, "LIDT operand in 64-bit mode");

#define TRAP_VECTORS 32

extern const uint64_t trap_stubs[TRAP_VECTORS];   /* lib/idt64.S */
void trap_dispatch(struct trap_frame *frame);

static struct idt_gate idt[TRAP_VECTORS] __attribute__((aligned(16)));
static trap_handler_t handlers[TRAP_VECTORS];

static const char *const vector_names[TRAP_VECTORS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "res", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static const char *vector_name(uint64_t vector)
{
	if (vector < TRAP_VECTORS && vector_names[vector])
		return vector_names[vector];
	return "vector";
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

void idt_load_raw(uint64_t base, uint16_t limit)
{
	struct idt_pointer ptr = { .limit = limit, .base = base };

	__asm__ volatile("lidt %0" : : "m"(ptr) : "memory");
}

void idt_install(void)
{
	for (unsigned int v = 0; v < TRAP_VECTORS; v++) {
		uint64_t off = trap_stubs[v];

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)off,
			.selector = GUEST_CODE_SELECTOR,
			.ist = 0,
			.type_attr = GATE_PRESENT | GATE_DPL0 | GATE_TYPE_INTERRUPT,
			.offset_mid = (uint16_t)(off >> 16),
			.offset_high = (uint32_t)(off >> 32),
		};
	}
	idt_load_raw((uintptr_t)idt, sizeof(idt) - 1);
}

void trap_set_handler(unsigned int vector, trap_handler_t handler)
{
	if (vector < TRAP_VECTORS)
		handlers[vector] = handler;
}

void trap_dispatch(struct trap_frame *frame)
{
	trap_handler_t h = frame->vector < TRAP_VECTORS ? handlers[frame->vector] : NULL;

	if (h && h(frame))
		return;
	gprintf("FAIL: unexpected exception %s (vector %lu) error %lx at rip %lx cr2 %lx\n",
		vector_name(frame->vector), (unsigned long)frame->vector,
		(unsigned long)frame->error_code, (unsigned long)frame->rip,
		(unsigned long)read_cr2());
	guest_exit(2);
}

/*
 * Guarded instructions: the asm stores where to resume (label 1, just past
 * the instruction) in guard_resume before executing it; a fault sends the
 * dispatcher to trap_guard_handler(), which records the vector and resumes
 * there. guard_resume is cleared afterwards, so an unexpected fault
 * elsewhere still gets the default report.
 */
volatile uint64_t guard_resume;
static volatile int guard_vector;
struct guard_fault guard_last;

int trap_guard_handler(struct trap_frame *frame)
{
	if (!guard_resume)
		return 0;
	guard_vector = (int)frame->vector;
	guard_last = (struct guard_fault){ frame->vector, frame->error_code, frame->rflags, frame->rip };
	frame->rip = guard_resume;
	guard_resume = 0;
	return 1;
}

/* Around one instruction: label 1 is where a fault resumes. */
#define GUARD_BEGIN "lea 1f(%%rip), %%r11\n\tmov %%r11, %[resume]\n\t"
#define GUARD_END   "\n1:"

int guarded_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	guard_vector = 0;
	__asm__ volatile(GUARD_BEGIN "rdmsr" GUARD_END
			 : [resume] "=m"(guard_resume), "+a"(lo), "+d"(hi)
			 : "c"(msr) : "r11", "memory");
	guard_resume = 0;
	*val = ((uint64_t)hi << 32) | lo;
	return guard_vector;
}

int guarded_wrmsr(uint32_t msr, uint64_t val)
{
	guard_vector = 0;
	__asm__ volatile(GUARD_BEGIN "wrmsr" GUARD_END
			 : [resume] "=m"(guard_resume)
			 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "r11", "memory");
	guard_resume = 0;
	return guard_vector;
}

int guarded_xsetbv(uint32_t xcr, uint64_t val)
{
	guard_vector = 0;
	__asm__ volatile(GUARD_BEGIN "xsetbv" GUARD_END
			 : [resume] "=m"(guard_resume)
			 : "c"(xcr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)) : "r11", "memory");
	guard_resume = 0;
	return guard_vector;
}

int guarded_write_cr0(uint64_t val)
{
	guard_vector = 0;
	__asm__ volatile(GUARD_BEGIN "mov %[v], %%cr0" GUARD_END
			 : [resume] "=m"(guard_resume) : [v] "r"(val) : "r11", "memory");
	guard_resume = 0;
	return guard_vector;
}

int guarded_write_cr4(uint64_t val)
{
	guard_vector = 0;
	__asm__ volatile(GUARD_BEGIN "mov %[v], %%cr4" GUARD_END
			 : [resume] "=m"(guard_resume) : [v] "r"(val) : "r11", "memory");
	guard_resume = 0;
	return guard_vector;
}

int guarded_vzeroupper(void)
{
	guard_vector = 0;
	__asm__ volatile(GUARD_BEGIN "vzeroupper" GUARD_END
			 : [resume] "=m"(guard_resume) : : "r11", "memory");
	guard_resume = 0;
	return guard_vector;
}

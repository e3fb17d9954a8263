/* SPDX-License-Identifier: MIT */
/*
 * Runtime for Septum's freestanding test guests.
 *
 * The guests run on the entry state documented in docs/guests.md: flat
 * protected mode (32-bit) or identity-mapped long mode (64-bit), no IDT,
 * interrupts off, no FPU/SSE state set up (so everything here is built with
 * -mgeneral-regs-only). The same C sources compile for both widths; only the
 * IDT helper is 64-bit only.
 *
 * Convention: every check a guest makes prints one line; a failed check
 * prints a line containing "FAIL:" and makes main() return non-zero, which
 * the entry stub turns into the partition's exit status (port 0xf4).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <septum/abi.h>

/* Provided by each guest; its return value is the partition's exit status. */
int main(void);

/* ------------------------------------------------------------ port I/O */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ------------------------------------------------------------ CPU */

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpu_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline void write_cr3(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* Spins for about @loops PAUSE iterations (a few instructions each). Counted
 * in instructions rather than TSC ticks: under Bochs the TSC of different
 * CPUs is not reliable, and instruction counts are what set emulated speed. */
void delay_loops(unsigned long loops);

/* Stops this partition with @status: port 0xf4 first (the documented test
 * exit), then PARTITION_EXIT in case the port was ignored, then halts. */
__attribute__((noreturn)) void guest_exit(unsigned int status);
/* Writes "Shutdown" to Bochs' port 0x8900, which ends a bare Bochs run. */
void bochs_shutdown(void);

/* ------------------------------------------------------------ local APIC */

/* An IPI through the ICR in whichever mode the vCPU's APIC is (SDM Vol. 3A
 * §11.6.1, §11.12.9): the x2APIC ICR MSR, or the xAPIC page's two halves
 * (high first: writing the low half sends). A vCPU powers on in xAPIC mode
 * where the host has no x2APIC (AMD-V under QEMU TCG). */
static inline void guest_send_ipi(uint32_t dest, uint32_t low)
{
	if (rdmsr(0x1b) & (1u << 10)) {          /* IA32_APIC_BASE.EXTD */
		wrmsr(0x830, ((uint64_t)dest << 32) | low);
		return;
	}
	*(volatile uint32_t *)(uintptr_t)0xfee00310u = dest << 24;
	*(volatile uint32_t *)(uintptr_t)0xfee00300u = low;
}

/* ------------------------------------------------------------ hypercalls */

/* The hypercall instruction (docs/hypercalls.md): VMCALL on Intel (VT-x),
 * VMMCALL on AMD and Hygon (AMD-V); each is #UD on the other's CPUs.
 * guest_hc_insn caches the choice (GUEST_HC_*, 0 until the first call). */
#define GUEST_HC_VMCALL  1
#define GUEST_HC_VMMCALL 2
extern int guest_hc_insn;
int guest_hc_detect(void);

/* RAX = number, RDI/RSI/RDX = arguments, RAX = result or -SEPTUM_E*
 * (include/septum/abi.h). The same constraints give EAX/EDI/ESI/EDX in a
 * 32-bit guest. "memory" because the hypervisor reads and writes buffers. */
static inline long hypercall(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2)
{
	long ret;

	if ((guest_hc_insn ? guest_hc_insn : guest_hc_detect()) == GUEST_HC_VMMCALL)
		__asm__ volatile("vmmcall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
				 : "memory");
	else
		__asm__ volatile("vmcall"
				 : "=a"(ret)
				 : "a"(nr), "D"(a0), "S"(a1), "d"(a2)
				 : "memory");
	return ret;
}

long hc_version(void);
long hc_console_write(const void *buf, unsigned long len);
long hc_partition_info(struct septum_partition_info *info, unsigned long size);
__attribute__((noreturn)) void hc_partition_exit(unsigned int status);

/* ------------------------------------------------------------ console */

#define UART_BASE     0x3f8
#define UART_THR      0       /* transmit holding register (write) */
#define UART_LSR      5       /* line status register (read) */
#define UART_LSR_THRE 0x20    /* THR empty */

void uart_putc(char c);
void uart_puts(const char *s);
void put_hex(uint64_t v);           /* 0x-prefixed, no leading zeros */
void put_dec(unsigned long v);

/* A small printf to the UART: %s %c %d %u %x %p %% with an optional 'l'
 * (long) or 'll' (64-bit) length; %x prints without a 0x prefix. */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gvprintf(const char *fmt, va_list ap);

/* ------------------------------------------------------------ checks */

/* Failed checks so far; a guest returns it (or 1 if non-zero) from main(). */
extern int guest_failures;
/* Prints one "FAIL: ..." line and counts it. */
void guest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the line as it is when @ok, else as guest_fail() does. */
void guest_check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------ strings */

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* Parses an unsigned number (decimal, or hex with 0x). Returns 0 and sets
 * *out when the whole of @s is a number, -1 otherwise. */
int parse_ulong(const char *s, unsigned long long *out);

/*
 * Looks up "key=value" in a space-separated command line. Copies the value
 * (NUL terminated, truncated to @size) into @out and returns 0, or returns -1
 * when the key is absent.
 */
int cmdline_get(const char *cmdline, const char *key, char *out, size_t size);

/* ------------------------------------------------------------ partition */

/*
 * Fills @info through SEPTUM_HC_PARTITION_INFO. Returns the hypercall's
 * result (bytes written or -SEPTUM_E*). guest_info() caches a copy for the
 * helpers below; they return defaults when the call failed.
 */
long guest_query_info(struct septum_partition_info *info);
const struct septum_partition_info *guest_info(void);

/* "key=N" from the partition's cmdline, or @def when absent or malformed. */
unsigned long long guest_arg_ulong(const char *key, unsigned long long def);
/* "key=value" from the partition's cmdline into @out; -1 when absent. */
int guest_arg(const char *key, char *out, size_t size);

#if defined(__x86_64__)
/* ------------------------------------------------------------ traps (64-bit) */

/* Layout pushed by lib/idt64.S (Intel SDM Vol. 3A, "64-Bit Mode Stack Frame": 64-bit interrupt
 * stack frame: SS, RSP, RFLAGS, CS, RIP, error code). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error_code;            /* 0 for vectors without one */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches lib/idt64.S");

/*
 * A trap handler returns 1 when it dealt with the exception (it may change
 * frame->rip to skip the faulting instruction) and the guest resumes, or 0
 * to fall back to the default: print the vector, error code, RIP and CR2 as
 * a FAIL line and exit the partition with status 2.
 */
typedef int (*trap_handler_t)(struct trap_frame *frame);

/* Loads an IDT covering vectors 0-31, all routed through trap_dispatch(). */
void idt_install(void);
/* Installs @handler for @vector (0-31); NULL restores the default report. */
void trap_set_handler(unsigned int vector, trap_handler_t handler);

/*
 * Instructions that may fault, run under a guard: each returns 0, or the
 * vector of the exception it raised (the guest then resumes after the
 * instruction). The vectors to catch need trap_guard_handler installed
 * with trap_set_handler() (probes use #GP and #UD).
 */
int trap_guard_handler(struct trap_frame *frame);
int guarded_rdmsr(uint32_t msr, uint64_t *val);
int guarded_wrmsr(uint32_t msr, uint64_t val);
int guarded_xsetbv(uint32_t xcr, uint64_t val);
int guarded_vzeroupper(void);     /* an AVX instruction touching no memory */
int guarded_write_cr0(uint64_t val);
int guarded_write_cr4(uint64_t val);

/* What the last fault caught by trap_guard_handler() pushed: vector, error
 * code, the saved RFLAGS (RF and the rest, as the CPU delivered them) and RIP. */
struct guard_fault {
	uint64_t vector, error_code, rflags, rip;
};
extern struct guard_fault guard_last;
/* Where a guarded fault resumes (0: no guard armed); for guarded sequences
 * written outside lib/trap64.c. */
extern volatile uint64_t guard_resume;

/* Loads an IDT descriptor with the given base and limit as they are. */
void idt_load_raw(uint64_t base, uint16_t limit);

#define VEC_UD 6   /* invalid opcode */
#define VEC_GP 13  /* general protection */
#define VEC_PF 14  /* page fault */

/*
 * Makes sure a 2 MiB-aligned identity mapping of @addr exists: copies the
 * live paging structures into the guest's own tables where needed and
 * reloads CR3. Septum's entry tables only promise 0..4 GiB.
 */
void map_identity_2m(uint64_t addr);
#endif

#endif /* GUEST_H */

/* SPDX-License-Identifier: MIT */
/*
 * Conformance guests: multiboot2 kernels (entry.S) that look at one area of
 * the CPU and print what they see, one line per observation:
 *
 *     conf GUEST: ID = VALUE
 *
 * then "conf GUEST: end, N results". A result is an observation, not a
 * verdict: tests/system/diff.sh boots each guest bare and as a partition in
 * the same emulator and the two sets of lines must be identical, except the
 * documented deliberate differences (tests/guests/conformance/allowed.txt).
 * So a result must not depend on timing, on where the loader put things, or
 * on anything else that differs between two bare boots.
 */
#ifndef CONF_H
#define CONF_H

#include "guest.h"

/* Starts the guest's output; installs the trap handlers that turn #GP, #UD, #NM,
 * #PF, #DE, #AC and #MF in guarded instructions into results. */
void conf_begin(const char *guest);
/* One result line: "conf GUEST: ID = " + the formatted value. */
void conf_result(const char *id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* a, b and c joined, in a static buffer (at most 63 characters): a result id. */
const char *conf_id(const char *a, const char *b, const char *c);
/* "ok" or the exception's name ("#GP(0)"): the outcome of a guarded instruction. */
const char *conf_outcome(int vector);
/*
 * Runs one instruction (or a short sequence) under the fault guard of
 * lib/trap64.c and yields 0, or the vector of the exception it raised; the
 * guest then resumes after it. Operands follow as extended-asm inputs.
 */
#define GUARDED(insn, ...)                                                                  \
	({                                                                                  \
		guard_last = (struct guard_fault){ 0, 0, 0, 0 };                            \
		__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\t" \
				 insn "\n1:" : : __VA_ARGS__ : "r11", "memory");            \
		guard_resume = 0;                                                           \
		guard_last.rip ? (int)guard_last.vector : 0;                                \
	})

/* Prints the closing line and ends the run: the test exit port 0xf4 (a
 * Septum partition ends there), Bochs' shutdown port 0x8900 (a bare Bochs
 * run ends there; Septum drops writes to ports it does not emulate), then halts. */
__attribute__((noreturn)) void conf_exit(int status);

extern uint32_t conf_boot_magic, conf_boot_info;

#endif

// SPDX-License-Identifier: MIT
#include "conf.h"

static const char *guest_name = "?";
static unsigned results;

static const char *const vector_names[32] = {
	[0] = "#DE", [1] = "#DB", [3] = "#BP", [4] = "#OF", [5] = "#BR", [6] = "#UD", [7] = "#NM",
	[8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS", [13] = "#GP", [14] = "#PF",
	[16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
};

void conf_begin(const char *guest)
{
	static const unsigned caught[] = { 0, 6, 7, 13, 14, 16, 17, 19 };

	guest_name = guest;
	idt_install();
	for (unsigned i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		trap_set_handler(caught[i], trap_guard_handler);
	gprintf("conf %s: begin (multiboot2 magic %s)\n", guest,
		conf_boot_magic == 0x36d76289u ? "ok" : "wrong");
}

void conf_result(const char *id, const char *fmt, ...)
{
	va_list ap;

	gprintf("conf %s: %s = ", guest_name, id);
	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
	uart_putc('\n');
	results++;
}

const char *conf_id(const char *a, const char *b, const char *c)
{
	static char buf[64];
	const char *parts[3] = { a, b, c };
	size_t n = 0;

	for (unsigned i = 0; i < 3; i++)
		for (const char *s = parts[i]; *s && n < sizeof(buf) - 1; s++)
			buf[n++] = *s;
	buf[n] = 0;
	return buf;
}

const char *conf_outcome(int vector)
{
	static char buf[24];
	const char *name;

	if (vector == 0)
		return "ok";
	name = vector < 32 && vector_names[vector] ? vector_names[vector] : "#?";
	/* Error codes of the vectors that push one (SDM Vol. 3A §7.13). */
	if (vector == 13 || vector == 14 || vector == 17 || vector == 10 || vector == 11 || vector == 12) {
		unsigned i = 0;

		while (name[i] && i < 8) {
			buf[i] = name[i];
			i++;
		}
		buf[i++] = '(';
		buf[i++] = "0123456789abcdef"[(guard_last.error_code >> 4) & 0xf];
		buf[i++] = "0123456789abcdef"[guard_last.error_code & 0xf];
		buf[i++] = ')';
		buf[i] = 0;
		return buf;
	}
	return name;
}

void conf_exit(int status)
{
	gprintf("conf %s: end, %u results\n", guest_name, results);
	outb(SEPTUM_TEST_EXIT_PORT, (uint8_t)status);
	bochs_shutdown();
	for (;;)
		__asm__ volatile("cli; hlt");
}

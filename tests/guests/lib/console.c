/* SPDX-License-Identifier: MIT */
/*
 * Console output through the partition's virtual 16550 at 0x3f8.
 *
 * Septum's vUART is line buffered: a line reaches the physical console as
 * "[NAME] text" when the guest writes '\n'. We still poll LSR.THRE before
 * every byte as a driver for a real 16550 must (16550 data sheet, LSR bit 5),
 * so the same guest would run on bare metal.
 */
#include "guest.h"

void uart_putc(char c)
{
	while (!(inb(UART_BASE + UART_LSR) & UART_LSR_THRE))
		cpu_pause();
	outb(UART_BASE + UART_THR, (uint8_t)c);
}

void uart_puts(const char *s)
{
	while (*s)
		uart_putc(*s++);
}

/* Digits of @v in @base, most significant first; no 64-bit division in
 * 32-bit builds (that would need libgcc's __udivdi3): callers pass 64-bit
 * values only for base 16, which is done with shifts. */
static void put_unsigned(unsigned long v, unsigned int base)
{
	char buf[24];
	int n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		uart_putc(buf[--n]);
}

static void put_hex_digits(uint64_t v)
{
	int shift = 60;

	while (shift > 0 && !((v >> shift) & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		uart_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void put_hex(uint64_t v)
{
	uart_puts("0x");
	put_hex_digits(v);
}

void put_dec(unsigned long v)
{
	put_unsigned(v, 10);
}

static void put_signed(long v)
{
	if (v < 0) {
		uart_putc('-');
		put_unsigned(0ul - (unsigned long)v, 10);
	} else {
		put_unsigned((unsigned long)v, 10);
	}
}

/* One conversion; @fmt points just past the '%'. Returns the next char. */
static const char *convert(const char *fmt, va_list *ap)
{
	int longs = 0;

	while (*fmt == 'l') {
		longs++;
		fmt++;
	}
	switch (*fmt) {
	case 's': {
		const char *s = va_arg(*ap, const char *);

		uart_puts(s ? s : "(null)");
		break;
	}
	case 'c':
		uart_putc((char)va_arg(*ap, int));
		break;
	case 'd':
		if (longs >= 2)
			put_signed((long)va_arg(*ap, long long));
		else if (longs == 1)
			put_signed(va_arg(*ap, long));
		else
			put_signed(va_arg(*ap, int));
		break;
	case 'u':
		if (longs >= 2)
			put_unsigned((unsigned long)va_arg(*ap, unsigned long long), 10);
		else if (longs == 1)
			put_unsigned(va_arg(*ap, unsigned long), 10);
		else
			put_unsigned(va_arg(*ap, unsigned int), 10);
		break;
	case 'x':
		if (longs >= 2)
			put_hex_digits(va_arg(*ap, unsigned long long));
		else if (longs == 1)
			put_hex_digits(va_arg(*ap, unsigned long));
		else
			put_hex_digits(va_arg(*ap, unsigned int));
		break;
	case 'p':
		put_hex((uintptr_t)va_arg(*ap, void *));
		break;
	case '%':
		uart_putc('%');
		break;
	case '\0':
		return fmt;
	default:
		uart_putc('%');
		uart_putc(*fmt);
		break;
	}
	return fmt + 1;
}

void gvprintf(const char *fmt, va_list ap)
{
	va_list cp;

	/* va_list may be an array type: work on a copy we can pass by pointer. */
	va_copy(cp, ap);
	while (*fmt) {
		if (*fmt == '%')
			fmt = convert(fmt + 1, &cp);
		else
			uart_putc(*fmt++);
	}
	va_end(cp);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
}

int guest_failures;

static void report(int ok, const char *fmt, va_list ap)
{
	if (!ok) {
		guest_failures++;
		uart_puts("FAIL: ");
	}
	gvprintf(fmt, ap);
	uart_putc('\n');
}

void guest_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(0, fmt, ap);
	va_end(ap);
}

void guest_check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report(ok, fmt, ap);
	va_end(ap);
}

// SPDX-License-Identifier: MIT
/*
 * Virtual 16550 (kernel/vuart.c): line buffering onto the console as
 * "[tag] text\n", the 4 KiB ring, and the register model. Register offsets
 * and bit values are written out from the PC16550D data sheet here rather
 * than taken from the driver header, so a wrong constant there is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/vuart.h>
#include <fakes.h>

/* PC16550D register offsets and bits */
#define THR 0
#define IER 1
#define IIR 2
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define SCR 7
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static struct vuart *u;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	u = calloc(1, sizeof(*u));
	if (!u)
		return -1;
	vuart_init(u, "p1");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(u);
	return 0;
}

static void out_str(const char *s)
{
	for (; *s; s++)
		vuart_write(u, THR, (uint8_t)*s);
}

static void line_appears_only_at_newline(void **state)
{
	(void)state;
	out_str("hello");
	assert_int_equal(fake_console_len(), 0);
	out_str(" world");
	assert_int_equal(fake_console_len(), 0);
	vuart_write(u, THR, '\n');
	assert_string_equal(fake_console(), "[p1] hello world\n");
	out_str("second");
	assert_string_equal(fake_console(), "[p1] hello world\n");
	vuart_write(u, THR, '\n');
	assert_string_equal(fake_console(), "[p1] hello world\n[p1] second\n");
}

static void empty_line_is_printed(void **state)
{
	(void)state;
	vuart_write(u, THR, '\n');
	assert_string_equal(fake_console(), "[p1] \n");
}

static void carriage_return_dropped(void **state)
{
	(void)state;
	out_str("a\r\nb\rc\r\n");
	assert_string_equal(fake_console(), "[p1] a\n[p1] bc\n");
}

/* One line of n copies of a changing letter, then '\n'; expects pieces of
 * at most VUART_LINE_MAX characters and every character exactly once. */
static void check_long_line(size_t n)
{
	char *expect = malloc(n + 64 * (n / VUART_LINE_MAX + 2));
	size_t e = 0;

	assert_non_null(expect);
	for (size_t i = 0; i < n; i++)
		vuart_write(u, THR, (uint8_t)('a' + i % 26));
	vuart_write(u, THR, '\n');
	for (size_t i = 0; i < n || i == 0; i += VUART_LINE_MAX) {
		size_t piece = n - i < VUART_LINE_MAX ? n - i : VUART_LINE_MAX;

		memcpy(expect + e, "[p1] ", 5);
		e += 5;
		for (size_t k = 0; k < piece; k++)
			expect[e++] = (char)('a' + (i + k) % 26);
		expect[e++] = '\n';
	}
	expect[e] = 0;
	assert_string_equal(fake_console(), expect);
	free(expect);
}

static void long_line_printed_in_pieces(void **state)
{
	(void)state;
	assert_int_equal(VUART_LINE_MAX, 200);
	check_long_line(450);     /* 200 + 200 + 50 */
	assert_int_equal(fake_console_count("[p1] "), 3);
}

static void line_of_exactly_max_is_one_line(void **state)
{
	(void)state;
	check_long_line(VUART_LINE_MAX);
	assert_int_equal(fake_console_count("[p1] "), 1);
}

static void line_of_max_plus_one_is_two_pieces(void **state)
{
	(void)state;
	check_long_line(VUART_LINE_MAX + 1);
	assert_int_equal(fake_console_count("[p1] "), 2);
}

static void ring_keeps_last_4k(void **state)
{
	const size_t total = 5000;

	(void)state;
	for (size_t i = 0; i < total; i++)
		vuart_write(u, THR, (uint8_t)(i % 251 == 250 ? '\n' : 'A' + i % 23));
	assert_int_equal(u->ring_written, total);
	/* Byte i of the stream sits at ring[i % 4096] for the last 4096 bytes. */
	for (size_t i = total - 4096; i < total; i++)
		assert_int_equal((uint8_t)u->ring[i % 4096], (uint8_t)(i % 251 == 250 ? '\n' : 'A' + i % 23));
}

static void ring_keeps_raw_bytes_before_wrap(void **state)
{
	(void)state;
	out_str("x\r\ny");
	assert_int_equal(u->ring_written, 4);
	assert_memory_equal(u->ring, "x\r\ny", 4);
}

static void lsr_reports_thre_temt(void **state)
{
	(void)state;
	assert_int_equal(vuart_read(u, LSR), LSR_THRE | LSR_TEMT);
	out_str("busy?");
	assert_int_equal(vuart_read(u, LSR), LSR_THRE | LSR_TEMT);
	vuart_write(u, LCR, 0x83);
	assert_int_equal(vuart_read(u, LSR), LSR_THRE | LSR_TEMT);
}

static void lsr_write_ignored(void **state)
{
	(void)state;
	vuart_write(u, LSR, 0x00);
	assert_int_equal(vuart_read(u, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(fake_console_len(), 0);
}

static void dlab_switches_thr_ier_to_divisor(void **state)
{
	(void)state;
	vuart_write(u, IER, 0x05);
	vuart_write(u, LCR, LCR_DLAB | 0x03);
	vuart_write(u, THR, 0x0c);              /* DLL: 9600 baud */
	vuart_write(u, IER, 0x01);              /* DLM */
	assert_int_equal(vuart_read(u, THR), 0x0c);
	assert_int_equal(vuart_read(u, IER), 0x01);
	vuart_write(u, THR, '\n');              /* a divisor byte, not output */
	assert_int_equal(fake_console_len(), 0);
	vuart_write(u, LCR, 0x03);
	assert_int_equal(vuart_read(u, LCR), 0x03);
	assert_int_equal(vuart_read(u, IER), 0x05);   /* IER unchanged by DLM writes */
	assert_int_equal(vuart_read(u, THR), 0);      /* RBR: no input */
	out_str("ok\n");
	assert_string_equal(fake_console(), "[p1] ok\n");
	/* and back: the latch kept its values */
	vuart_write(u, LCR, LCR_DLAB | 0x03);
	assert_int_equal(vuart_read(u, THR), '\n');
	assert_int_equal(vuart_read(u, IER), 0x01);
}

static void lcr_default_8n1(void **state)
{
	(void)state;
	assert_int_equal(vuart_read(u, LCR), 0x03);
}

static void scratch_round_trips(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		vuart_write(u, SCR, (uint8_t)v);
		assert_int_equal(vuart_read(u, SCR), v);
	}
	assert_int_equal(fake_console_len(), 0);
}

static void iir_reports_no_interrupt(void **state)
{
	(void)state;
	assert_int_equal(vuart_read(u, IIR) & 1, 1);    /* bit 0 = 1: none pending */
	vuart_write(u, FCR, 0x01);
	assert_int_equal(vuart_read(u, IIR), 0xc1);     /* FIFOs enabled */
}

static void flush_prints_partial_line(void **state)
{
	(void)state;
	out_str("partial");
	assert_int_equal(fake_console_len(), 0);
	vuart_flush(u);
	assert_string_equal(fake_console(), "[p1] partial\n");
	out_str("next\n");
	assert_string_equal(fake_console(), "[p1] partial\n[p1] next\n");
}

static void flush_with_nothing_pending_prints_nothing(void **state)
{
	(void)state;
	vuart_flush(u);
	out_str("x\n");
	vuart_flush(u);
	assert_string_equal(fake_console(), "[p1] x\n");
}

static void put_uses_same_buffering(void **state)
{
	(void)state;
	vuart_put(u, "ab\r\ncd", 6);
	assert_string_equal(fake_console(), "[p1] ab\n");
	vuart_put(u, "e\nf", 2);                 /* n counts: 'f' not taken */
	assert_string_equal(fake_console(), "[p1] ab\n[p1] cde\n");
	assert_int_equal(u->ring_written, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(line_appears_only_at_newline),
		T(empty_line_is_printed),
		T(carriage_return_dropped),
		T(long_line_printed_in_pieces),
		T(line_of_exactly_max_is_one_line),
		T(line_of_max_plus_one_is_two_pieces),
		T(ring_keeps_last_4k),
		T(ring_keeps_raw_bytes_before_wrap),
		T(lsr_reports_thre_temt),
		T(lsr_write_ignored),
		T(dlab_switches_thr_ier_to_divisor),
		T(lcr_default_8n1),
		T(scratch_round_trips),
		T(iir_reports_no_interrupt),
		T(flush_prints_partial_line),
		T(flush_with_nothing_pending_prints_nothing),
		T(put_uses_same_buffering),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

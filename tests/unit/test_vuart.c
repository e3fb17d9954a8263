// SPDX-License-Identifier: MIT
/*
 * Virtual 16550 (kernel/dev/vuart.c): line buffering onto the console as
 * "[tag] text\n", the 4 KiB ring, and the register model. Register offsets
 * and bit values are written out from the PC16550D data sheet here rather
 * than taken from the driver header, so a wrong constant there is caught.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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
#define MSR 6
#define SCR 7
#define LCR_DLAB 0x80
#define LSR_DR   0x01
#define LSR_OE   0x02
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IER_RDI  0x01
#define IER_THRI 0x02
#define IER_RLSI 0x04
#define IER_MSI  0x08
#define IIR_NONE 0x01
#define IIR_MSI  0x00
#define IIR_THRI 0x02
#define IIR_RDI  0x04
#define IIR_RLSI 0x06
#define IIR_CTI  0x0c
#define FCR_FIFO 0x01
#define FCR_CLRR 0x02
#define MCR_DTR  0x01
#define MCR_RTS  0x02
#define MCR_OUT1 0x04
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define MSR_CTS  0x10
#define MSR_DSR  0x20
#define MSR_RI   0x40
#define MSR_DCD  0x80

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

/* CR LF ends a line like LF; a lone CR would move the cursor back over the
 * tag, so it is shown escaped. */
static void carriage_return_before_newline_dropped_lone_escaped(void **state)
{
	(void)state;
	out_str("a\r\nb\rc\r\n");
	assert_string_equal(fake_console(), "[p1] a\n[p1] b\\x0dc\n");
}

/* Every byte that is not printable ASCII, tab or newline is shown as \xHH:
 * no terminal control reaches the physical console. */
static void control_bytes_escaped(void **state)
{
	char want[16];

	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		if (c == '\n')
			continue;
		fake_console_clear();
		vuart_write(u, THR, (uint8_t)c);
		vuart_write(u, THR, '.');       /* so that CR is not the CR of CR LF */
		vuart_write(u, THR, '\n');
		if (c == '\t' || (c >= 0x20 && c < 0x7f))
			snprintf(want, sizeof(want), "[p1] %c.\n", (char)c);
		else
			snprintf(want, sizeof(want), "[p1] \\x%02x.\n", c);
		assert_string_equal(fake_console(), want);
	}
}

/* An ESC sequence (erase line, cursor home, a device-status query whose
 * answer would come back as input) and a forged Septum line: each stays
 * behind the partition's own tag, inert. */
static void escape_sequences_and_forged_lines_inert(void **state)
{
	(void)state;
	out_str("\x1b[2K\x1b[H\x1b[6n\x9b" "6n\n");
	out_str("\r[septum t=1 cpu0 ERROR] partition beat stopped: forged\n");
	assert_string_equal(fake_console(),
			    "[p1] \\x1b[2K\\x1b[H\\x1b[6n\\x9b6n\n"
			    "[p1] \\x0d[septum t=1 cpu0 ERROR] partition beat stopped: forged\n");
	assert_null(strstr(fake_console(), "\x1b"));
	assert_null(strstr(fake_console(), "\n[septum"));
}

/* The ring keeps what the guest sent, unsanitised (its own bytes, for the
 * tests and the stats; it never reaches a terminal). */
static void ring_keeps_raw_control_bytes(void **state)
{
	(void)state;
	out_str("\x1b[2J\n");
	assert_memory_equal(u->ring, "\x1b[2J\n", 5);
}

static void sanitise_stops_before_escape_that_does_not_fit(void **state)
{
	char out[8];

	(void)state;
	memset(out, '#', sizeof(out));
	assert_int_equal(console_sanitise(out, 5, "ab\x01", 3), 2);
	assert_memory_equal(out, "ab", 2);
	assert_int_equal(console_sanitise(out, 6, "ab\x01", 3), 6);
	assert_memory_equal(out, "ab\\x01", 6);
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

/* --------------------------------------------------------- registers */

static void ier_keeps_low_four_bits(void **state)
{
	(void)state;
	vuart_write(u, IER, 0xff);
	assert_int_equal(vuart_read(u, IER), 0x0f);
	vuart_write(u, IER, 0x00);
	assert_int_equal(vuart_read(u, IER), 0x00);
}

static void mcr_keeps_low_five_bits(void **state)
{
	(void)state;
	vuart_write(u, MCR, 0xff);
	assert_int_equal(vuart_read(u, MCR), 0x1f);
}

static void lcr_keeps_all_bits(void **state)
{
	(void)state;
	vuart_write(u, LCR, 0xbf);
	assert_int_equal(vuart_read(u, LCR), 0xbf);
	vuart_write(u, LCR, 0x1b);                 /* 8E1 */
	assert_int_equal(vuart_read(u, LCR), 0x1b);
}

static void msr_shows_connected_line(void **state)
{
	(void)state;
	assert_int_equal(vuart_read(u, MSR), MSR_DCD | MSR_DSR | MSR_CTS);
	vuart_write(u, MSR, 0x00);                 /* read-only */
	assert_int_equal(vuart_read(u, MSR), MSR_DCD | MSR_DSR | MSR_CTS);
}

/* IIR bits 7:6 = 11 only with FIFOs enabled: how Linux tells a 16550A. */
static void iir_fifo_bits_follow_fcr(void **state)
{
	(void)state;
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
	vuart_write(u, FCR, FCR_FIFO);
	assert_int_equal(vuart_read(u, IIR), 0xc0 | IIR_NONE);
	vuart_write(u, FCR, 0x00);
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
}

/* IIR does not depend on DLAB (Linux reads it with LCR = 0x80 and 0xbf
 * looking for an EFR, and must not find 0 there). */
static void iir_readable_with_dlab(void **state)
{
	(void)state;
	vuart_write(u, FCR, FCR_FIFO);
	vuart_write(u, LCR, 0x80);
	assert_int_equal(vuart_read(u, IIR), 0xc1);
	vuart_write(u, LCR, 0xbf);
	assert_int_equal(vuart_read(u, IIR), 0xc1);
}

/* With FCR0 = 0 the other FCR bits are not programmed (data sheet, FCR). */
static void fcr_without_enable_programs_nothing(void **state)
{
	(void)state;
	vuart_write(u, FCR, 0xc0);
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
	assert_true(vuart_rx_push(u, 'a'));
	assert_false(vuart_rx_push(u, 'b'));       /* still one byte deep */
}

/* ------------------------------------------------------ THRE interrupt */

static void thre_pending_when_etbei_enabled(void **state)
{
	(void)state;
	vuart_write(u, IER, IER_THRI);
	assert_int_equal(vuart_read(u, IIR), IIR_THRI);
	/* Reading IIR while it reports THRE clears it. */
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
	/* Writing THR empties it again at once: THRE again. */
	vuart_write(u, THR, 'x');
	assert_int_equal(vuart_read(u, IIR), IIR_THRI);
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
}

static void thre_masked_without_etbei(void **state)
{
	(void)state;
	out_str("ab");
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
	vuart_write(u, IER, IER_RDI);
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
}

/* Linux's 8250 polling path: a timer reads IIR, and only when an interrupt
 * is "pending" does it look at LSR and refill THR (up to 16 bytes for a
 * 16550A). Output must keep flowing tick after tick while THRI is set. */
static void linux_poll_tx_loop(void **state)
{
	const char *msg = "0123456789abcdefghijklmnopqrstuvwxyz\n";
	size_t sent = 0, len = strlen(msg);
	int ticks = 0;

	(void)state;
	vuart_write(u, FCR, 0xc1 | 0x06);
	vuart_write(u, IER, IER_RDI | IER_RLSI | IER_THRI);   /* start_tx */
	while (sent < len && ticks++ < 10) {
		uint8_t iir = vuart_read(u, IIR);

		assert_int_equal(iir & 0xc0, 0xc0);
		if (iir & IIR_NONE)
			continue;
		assert_int_equal(iir & 0x0f, IIR_THRI);
		assert_true(vuart_read(u, LSR) & LSR_THRE);
		for (int k = 0; k < 16 && sent < len; k++)
			vuart_write(u, THR, (uint8_t)msg[sent++]);
	}
	assert_int_equal(sent, len);
	assert_int_equal(ticks, 3);
	vuart_write(u, IER, IER_RDI | IER_RLSI);              /* stop_tx */
	assert_int_equal(vuart_read(u, IIR), 0xc1);
	assert_string_equal(fake_console(), "[p1] 0123456789abcdefghijklmnopqrstuvwxyz\n");
}

/* serial8250_do_startup's TXEN probe: IER = THRI, then LSR has TEMT and IIR
 * must show an interrupt, or Linux marks the UART as buggy. */
static void linux_txen_probe_sees_thre(void **state)
{
	(void)state;
	vuart_write(u, IER, 0);
	vuart_write(u, IER, IER_THRI);
	assert_true(vuart_read(u, LSR) & LSR_TEMT);
	assert_int_equal(vuart_read(u, IIR) & IIR_NONE, 0);
	vuart_write(u, IER, 0);
}

/* ---------------------------------------------------------- receiver */

static void rx_bytes_in_order_with_dr(void **state)
{
	(void)state;
	vuart_write(u, FCR, FCR_FIFO);
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, 0);
	assert_true(vuart_rx_push(u, 'h'));
	assert_true(vuart_rx_push(u, 'i'));
	assert_int_equal(vuart_read(u, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	assert_int_equal(vuart_read(u, THR), 'h');
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, LSR_DR);
	assert_int_equal(vuart_read(u, THR), 'i');
	assert_int_equal(vuart_read(u, LSR), LSR_THRE | LSR_TEMT);
	assert_int_equal(vuart_read(u, THR), 0);   /* empty: nothing new */
	assert_int_equal(u->rx_dropped, 0);
}

static void rx_fifo_holds_16(void **state)
{
	(void)state;
	vuart_write(u, FCR, FCR_FIFO);
	for (int i = 0; i < 16; i++)
		assert_true(vuart_rx_push(u, (uint8_t)('A' + i)));
	assert_false(vuart_rx_push(u, 'Q'));
	assert_int_equal(u->rx_dropped, 1);
	for (int i = 0; i < 16; i++)
		assert_int_equal(vuart_read(u, THR), 'A' + i);
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, 0);
}

/* A full receiver keeps what it has, loses the new byte, sets OE until LSR
 * is read (data sheet, LSR). Without FIFOs it holds one byte. */
static void rx_overrun_sets_oe_once(void **state)
{
	(void)state;
	assert_true(vuart_rx_push(u, 'a'));
	assert_false(vuart_rx_push(u, 'b'));
	assert_false(vuart_rx_push(u, 'c'));
	assert_int_equal(u->rx_dropped, 2);
	assert_int_equal(vuart_read(u, LSR), LSR_DR | LSR_OE | LSR_THRE | LSR_TEMT);
	assert_int_equal(vuart_read(u, LSR), LSR_DR | LSR_THRE | LSR_TEMT);
	assert_int_equal(vuart_read(u, THR), 'a');
	assert_true(vuart_rx_push(u, 'd'));
	assert_int_equal(vuart_read(u, THR), 'd');
}

static void fcr_clear_rx_empties_fifo(void **state)
{
	(void)state;
	vuart_write(u, FCR, FCR_FIFO);
	vuart_rx_push(u, '1');
	vuart_rx_push(u, '2');
	vuart_write(u, FCR, FCR_FIFO | FCR_CLRR);
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, 0);
	assert_true(vuart_rx_push(u, '3'));
	assert_int_equal(vuart_read(u, THR), '3');
}

static void fifo_enable_change_empties_fifo(void **state)
{
	(void)state;
	vuart_write(u, FCR, FCR_FIFO);
	vuart_rx_push(u, '1');
	vuart_write(u, FCR, 0);
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, 0);
	vuart_rx_push(u, '2');
	vuart_write(u, FCR, FCR_FIFO);
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, 0);
}

/* Table IV priorities: line status > received data > THRE > modem status. */
static void iir_priorities(void **state)
{
	(void)state;
	vuart_write(u, IER, IER_RDI | IER_THRI | IER_RLSI | IER_MSI);
	vuart_write(u, MCR, MCR_LOOP | MCR_RTS);           /* a modem-status change */
	vuart_write(u, MCR, 0);
	vuart_rx_push(u, 'a');
	vuart_rx_push(u, 'b');                             /* overrun */
	assert_int_equal(vuart_read(u, IIR), IIR_RLSI);
	vuart_read(u, LSR);                                /* clears OE */
	assert_int_equal(vuart_read(u, IIR), IIR_RDI);
	assert_int_equal(vuart_read(u, THR), 'a');
	assert_int_equal(vuart_read(u, IIR), IIR_THRI);
	assert_int_equal(vuart_read(u, IIR), IIR_MSI);     /* THRE cleared by that read */
	vuart_read(u, MSR);                                /* clears the deltas */
	assert_int_equal(vuart_read(u, IIR), IIR_NONE);
}

/* In FIFO mode data below the trigger level reports the character timeout;
 * at the trigger level "received data available". */
static void iir_timeout_below_trigger(void **state)
{
	(void)state;
	vuart_write(u, FCR, 0x81);                 /* FIFO on, trigger 8 */
	vuart_write(u, IER, IER_RDI);
	for (int i = 0; i < 7; i++)
		vuart_rx_push(u, 'x');
	assert_int_equal(vuart_read(u, IIR), 0xc0 | IIR_CTI);
	vuart_rx_push(u, 'x');
	assert_int_equal(vuart_read(u, IIR), 0xc0 | IIR_RDI);
	vuart_read(u, THR);
	assert_int_equal(vuart_read(u, IIR), 0xc0 | IIR_CTI);
}

/* ---------------------------------------------------------- loopback */

/* Linux's autoconfig: MCR = LOOP | OUT2 | RTS must read back DCD | CTS in
 * MSR[7:4], or the port is declared absent. */
static void loopback_maps_mcr_to_msr(void **state)
{
	(void)state;
	vuart_write(u, MCR, MCR_LOOP | MCR_OUT2 | MCR_RTS);
	assert_int_equal(vuart_read(u, MSR) & 0xf0, MSR_DCD | MSR_CTS);
	vuart_write(u, MCR, MCR_LOOP | MCR_DTR | MCR_OUT1);
	assert_int_equal(vuart_read(u, MSR) & 0xf0, MSR_DSR | MSR_RI);
	vuart_write(u, MCR, MCR_LOOP);
	assert_int_equal(vuart_read(u, MSR) & 0xf0, 0);
	vuart_write(u, MCR, 0);
	assert_int_equal(vuart_read(u, MSR) & 0xf0, MSR_DCD | MSR_DSR | MSR_CTS);
}

/* MSR[3:0]: DCTS, DDSR, TERI (RI 1 -> 0 only), DDCD; cleared by reading. */
static void msr_deltas(void **state)
{
	(void)state;
	vuart_write(u, MCR, MCR_LOOP);                  /* DCD, DSR, CTS drop */
	assert_int_equal(vuart_read(u, MSR), 0x08 | 0x02 | 0x01);
	assert_int_equal(vuart_read(u, MSR), 0x00);
	vuart_write(u, MCR, MCR_LOOP | MCR_OUT1);       /* RI rises: no TERI */
	assert_int_equal(vuart_read(u, MSR), MSR_RI);
	vuart_write(u, MCR, MCR_LOOP);                  /* RI falls: TERI */
	assert_int_equal(vuart_read(u, MSR), 0x04);
}

static void loopback_thr_goes_to_receiver(void **state)
{
	(void)state;
	vuart_write(u, FCR, FCR_FIFO);
	vuart_write(u, MCR, MCR_LOOP);
	out_str("ok\n");
	assert_int_equal(fake_console_len(), 0);
	assert_int_equal(u->ring_written, 0);
	assert_int_equal(vuart_read(u, THR), 'o');
	assert_int_equal(vuart_read(u, THR), 'k');
	assert_int_equal(vuart_read(u, THR), '\n');
	/* The line is cut off from the receiver in loopback. */
	assert_false(vuart_rx_push(u, 'z'));
	assert_int_equal(u->rx_dropped, 1);
	assert_int_equal(vuart_read(u, LSR) & LSR_DR, 0);
	vuart_write(u, MCR, 0);
	out_str("out\n");
	assert_string_equal(fake_console(), "[p1] out\n");
}

/* The register sequence of Linux 6.1's autoconfig() and autoconfig_16550a()
 * (drivers/tty/serial/8250/8250_port.c), replayed: every test it makes must
 * come out as on a PC16550D so the port is reported as a 16550A. */
static void linux_autoconfig_finds_16550a(void **state)
{
	uint8_t save_ier, s2, s3, save_mcr, save_lcr;

	(void)state;
	/* existence test through IER */
	save_ier = vuart_read(u, IER);
	vuart_write(u, IER, 0);
	s2 = vuart_read(u, IER) & 0x0f;
	vuart_write(u, IER, 0x0f);
	s3 = vuart_read(u, IER) & 0x0f;
	vuart_write(u, IER, save_ier);
	assert_int_equal(s2, 0);
	assert_int_equal(s3, 0x0f);
	save_mcr = vuart_read(u, MCR);
	save_lcr = vuart_read(u, LCR);
	/* loopback test */
	vuart_write(u, MCR, MCR_LOOP | 0x0a);
	assert_int_equal(vuart_read(u, MSR) & 0xf0, MSR_DCD | MSR_CTS);
	vuart_write(u, MCR, save_mcr);
	/* EFR off through LCR 0xbf, then FIFO type from IIR[7:6] */
	vuart_write(u, LCR, 0xbf);
	vuart_write(u, FCR, 0);
	vuart_write(u, LCR, 0);
	vuart_write(u, FCR, FCR_FIFO);
	assert_int_equal(vuart_read(u, IIR) >> 6, 3);           /* 16550A */
	/* autoconfig_16550a: no EFR under LCR 0x80 nor 0xbf */
	vuart_write(u, LCR, 0x80);
	assert_int_not_equal(vuart_read(u, IIR), 0);
	vuart_write(u, LCR, 0xbf);
	assert_int_not_equal(vuart_read(u, IIR), 0);
	/* not a National SuperIO: IIR bit 4 never follows MCR.LOOP */
	vuart_write(u, LCR, 0);
	vuart_write(u, MCR, save_mcr ^ MCR_LOOP);
	vuart_write(u, LCR, 0xe0);
	assert_int_equal((vuart_read(u, IIR) ^ save_mcr) & MCR_LOOP, 0);
	vuart_write(u, LCR, 0);
	vuart_write(u, MCR, save_mcr);
	/* not a TI16750: IIR bit 5 stays 0 with the 64-byte FIFO bit */
	vuart_write(u, FCR, FCR_FIFO | 0x20);
	assert_int_equal(vuart_read(u, IIR) >> 5, 6);
	vuart_write(u, LCR, 0x80);
	vuart_write(u, FCR, FCR_FIFO | 0x20);
	assert_int_equal(vuart_read(u, IIR) >> 5, 6);
	vuart_write(u, FCR, FCR_FIFO);
	vuart_write(u, LCR, 0);
	/* not an XScale: IER bit 6 (UUE) does not stick */
	vuart_write(u, IER, 0x40);
	assert_int_equal(vuart_read(u, IER) & 0x40, 0);
	vuart_write(u, LCR, save_lcr);
	assert_int_equal(vuart_read(u, LCR), 0x03);
	assert_int_equal(fake_console_len(), 0);
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

/* ---------------------------------------------------- interrupt (MSI) edges */

static const struct vuart_irq target = { .on = true, .apic_id = 4, .vector = 0x41 };

static void no_target_no_interrupt(void **state)
{
	(void)state;
	vuart_write(u, IER, IER_THRI);          /* THRE pending: the line is high */
	assert_int_equal(vuart_read(u, IIR) & 0x0f, IIR_THRI);
	assert_int_equal(fake_send_ipi_count, 0);
}

/* Enabling THRI with THR empty raises THRE: one interrupt, to the target. */
static void thre_edge_sends_one(void **state)
{
	(void)state;
	vuart_set_irq(u, target);
	assert_int_equal(fake_send_ipi_count, 0);   /* nothing pending yet */
	vuart_write(u, IER, IER_THRI);
	assert_int_equal(fake_send_ipi_count, 1);
	assert_int_equal(fake_send_ipi_apic_id, 4);
	assert_int_equal(fake_send_ipi_vector, 0x41);
	/* The line stays high: rewriting IER is no new edge. */
	vuart_write(u, IER, IER_THRI);
	assert_int_equal(fake_send_ipi_count, 1);
	/* Reading IIR clears THRE (the line falls); THR written: THRE again. */
	assert_int_equal(vuart_read(u, IIR) & 0x0f, IIR_THRI);
	vuart_write(u, THR, 'x');
	assert_int_equal(fake_send_ipi_count, 2);
	assert_int_equal(u->irqs_sent, 2);
}

/* Received data: the first byte raises the line, the next ones while it
 * is high do not; once drained, the next byte is a new edge. */
static void rx_edges(void **state)
{
	(void)state;
	vuart_set_irq(u, target);
	vuart_write(u, FCR, FCR_FIFO);
	vuart_write(u, IER, IER_RDI);
	assert_int_equal(fake_send_ipi_count, 0);
	assert_true(vuart_rx_push(u, 'a'));
	assert_int_equal(fake_send_ipi_count, 1);
	assert_true(vuart_rx_push(u, 'b'));
	assert_int_equal(fake_send_ipi_count, 1);
	assert_int_equal(vuart_read(u, THR), 'a');
	assert_int_equal(vuart_read(u, THR), 'b');
	assert_int_equal(vuart_read(u, IIR) & 0x01, IIR_NONE);
	assert_int_equal(fake_send_ipi_count, 1);
	assert_true(vuart_rx_push(u, 'c'));
	assert_int_equal(fake_send_ipi_count, 2);
}

/* A disabled condition is no edge: data without IER.RDI raises nothing. */
static void disabled_condition_no_edge(void **state)
{
	(void)state;
	vuart_set_irq(u, target);
	assert_true(vuart_rx_push(u, 'a'));
	assert_int_equal(fake_send_ipi_count, 0);
	/* Enabling it now is the edge. */
	vuart_write(u, IER, IER_RDI);
	assert_int_equal(fake_send_ipi_count, 1);
}

/* A target set while the line is high sends the pending interrupt once;
 * cleared, edges go nowhere. */
static void target_change(void **state)
{
	(void)state;
	vuart_write(u, IER, IER_THRI);
	assert_int_equal(fake_send_ipi_count, 0);
	vuart_set_irq(u, target);
	assert_int_equal(fake_send_ipi_count, 1);
	assert_int_equal(vuart_get_irq(u).vector, 0x41);
	vuart_set_irq(u, (struct vuart_irq){ 0 });
	assert_false(vuart_get_irq(u).on);
	(void)vuart_read(u, IIR);
	vuart_write(u, THR, 'x');
	assert_int_equal(fake_send_ipi_count, 1);
	/* An "off" target keeps no stale destination. */
	vuart_set_irq(u, (struct vuart_irq){ .on = false, .apic_id = 9, .vector = 0x99 });
	assert_int_equal(vuart_get_irq(u).apic_id, 0);
	assert_int_equal(vuart_get_irq(u).vector, 0);
}

/* What Linux's 8250 interrupt handler does: IIR until "none", THR refills
 * in between. Every refill is an edge (a real PCI UART sends an MSI per
 * edge too); reading IIR never sends. */
static void handler_loop_edges(void **state)
{
	(void)state;
	vuart_set_irq(u, target);
	vuart_write(u, IER, IER_RDI | IER_THRI);
	assert_int_equal(fake_send_ipi_count, 1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(vuart_read(u, IIR) & 0x0f, IIR_THRI);
		vuart_write(u, THR, 'a');
	}
	assert_int_equal(fake_send_ipi_count, 4);
	vuart_write(u, IER, IER_RDI);           /* nothing left to send */
	(void)vuart_read(u, IIR);
	assert_int_equal(vuart_read(u, IIR) & 0x01, IIR_NONE);
	assert_int_equal(fake_send_ipi_count, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(line_appears_only_at_newline),
		T(empty_line_is_printed),
		T(carriage_return_before_newline_dropped_lone_escaped),
		T(control_bytes_escaped),
		T(escape_sequences_and_forged_lines_inert),
		T(ring_keeps_raw_control_bytes),
		T(sanitise_stops_before_escape_that_does_not_fit),
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
		T(ier_keeps_low_four_bits),
		T(mcr_keeps_low_five_bits),
		T(lcr_keeps_all_bits),
		T(msr_shows_connected_line),
		T(iir_fifo_bits_follow_fcr),
		T(iir_readable_with_dlab),
		T(fcr_without_enable_programs_nothing),
		T(thre_pending_when_etbei_enabled),
		T(thre_masked_without_etbei),
		T(linux_poll_tx_loop),
		T(linux_txen_probe_sees_thre),
		T(rx_bytes_in_order_with_dr),
		T(rx_fifo_holds_16),
		T(rx_overrun_sets_oe_once),
		T(fcr_clear_rx_empties_fifo),
		T(fifo_enable_change_empties_fifo),
		T(iir_priorities),
		T(iir_timeout_below_trigger),
		T(loopback_maps_mcr_to_msr),
		T(msr_deltas),
		T(loopback_thr_goes_to_receiver),
		T(linux_autoconfig_finds_16550a),
		T(no_target_no_interrupt),
		T(thre_edge_sends_one),
		T(rx_edges),
		T(disabled_condition_no_edge),
		T(target_change),
		T(handler_loop_edges),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

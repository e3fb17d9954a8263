// SPDX-License-Identifier: MIT
/*
 * Console input router (kernel/console.c) over real vUARTs (kernel/dev/vuart.c):
 * the focus keys, the literal escape, which partition gets each byte, and
 * drops counted and logged when the focused receiver is full. The physical
 * receiver, console_hw_getc(), is faked here as a queue of bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <septum/console.h>
#include <septum/vuart.h>
#include <fakes.h>

#define CTRL_A 0x01
#define LSR    5
#define FCR    2
#define LSR_DR 0x01

/* ---------------------------------------------- fake physical receiver */

static uint8_t hw_queue[256];
static size_t hw_len, hw_pos;
static unsigned hw_calls;

int console_hw_getc(void)
{
	hw_calls++;
	return hw_pos < hw_len ? hw_queue[hw_pos++] : -1;
}

static void hw_type(const char *s, size_t n)
{
	assert_true(hw_len + n <= sizeof(hw_queue));
	memcpy(hw_queue + hw_len, s, n);
	hw_len += n;
}

/* ------------------------------------------------------------- fixture */

#define NPARTS 3
static struct vuart *uart[NPARTS];
static const char *const names[NPARTS] = { "linux0", "linux1", "mb" };
static struct console_router *r;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	console_start();       /* the router registers with the devices, as at boot */
	hw_len = hw_pos = 0;
	hw_calls = 0;
	r = console_router_global();
	console_router_init(r);
	/* vuart_init() attaches each vUART to the global router, in this
	 * (config) order. */
	for (int i = 0; i < NPARTS; i++) {
		uart[i] = calloc(1, sizeof(*uart[i]));
		if (!uart[i])
			return -1;
		vuart_init(uart[i], names[i]);
		vuart_write(uart[i], FCR, 0x01);    /* 16-byte receiver */
	}
	hw_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NPARTS; i++)
		free(uart[i]);
	return 0;
}

static void type(const char *s)
{
	for (; *s; s++)
		console_router_input(r, (uint8_t)*s);
}

/* Everything waiting in u's receiver, as a string. */
static const char *received(struct vuart *u)
{
	static char buf[64];
	size_t n = 0;

	while ((vuart_read(u, LSR) & LSR_DR) && n < sizeof(buf) - 1)
		buf[n++] = (char)vuart_read(u, 0);
	buf[n] = 0;
	return buf;
}

/* ------------------------------------------------------------- tests */

static void attached_in_config_order(void **state)
{
	(void)state;
	assert_int_equal(r->nports, NPARTS);
	for (int i = 0; i < NPARTS; i++)
		assert_ptr_equal(r->port[i], uart[i]);
	assert_non_null(strstr(fake_console(), "console: input to partition linux0 (Ctrl-A 1-9, n, p switch"));
	assert_int_equal(fake_console_count("console: input to partition"), 1);
}

static void attach_twice_keeps_place(void **state)
{
	(void)state;
	vuart_init(uart[0], names[0]);          /* a restart */
	assert_int_equal(r->nports, NPARTS);
	assert_ptr_equal(r->port[0], uart[0]);
	assert_int_equal(console_router_attach(r, uart[2]), 1);
	assert_int_equal(r->nports, NPARTS);
}

static void attach_beyond_max_refused(void **state)
{
	static struct vuart extra[CONSOLE_MAX_PORTS];

	(void)state;
	for (unsigned i = NPARTS; i < CONSOLE_MAX_PORTS; i++)
		assert_int_equal(console_router_attach(r, &extra[i]), 0);
	assert_int_equal(console_router_attach(r, &extra[0]), -1);
	assert_int_equal(r->nports, CONSOLE_MAX_PORTS);
	/* The hypervisor's path says so on the log. */
	vuart_init(&extra[0], "late");
	assert_non_null(strstr(fake_console(), "console: no input for partition late"));
}

static void first_partition_has_focus(void **state)
{
	(void)state;
	type("ls\r");
	assert_ptr_equal(console_router_focus(r), uart[0]);
	assert_string_equal(received(uart[0]), "ls\r");
	assert_string_equal(received(uart[1]), "");
	assert_string_equal(received(uart[2]), "");
	assert_int_equal(r->delivered, 3);
}

static void ctrl_a_digit_switches_focus(void **state)
{
	(void)state;
	type("a\x01" "2b");
	assert_string_equal(received(uart[0]), "a");
	assert_string_equal(received(uart[1]), "b");
	assert_non_null(strstr(fake_console(), "console: input to partition linux1\n"));
	type("\x01" "3c\x01" "1d");
	assert_string_equal(received(uart[2]), "c");
	assert_string_equal(received(uart[0]), "d");
	assert_non_null(strstr(fake_console(), "console: input to partition mb\n"));
	assert_int_equal(fake_console_count("console: input to partition linux0\n"), 1);
	/* The keys themselves never reach anyone. */
	assert_int_equal(r->delivered, 4);
}

static void ctrl_a_n_p_cycle_with_wrap(void **state)
{
	(void)state;
	type("\x01" "pa");                        /* linux0 -> previous = the last, mb */
	assert_string_equal(received(uart[2]), "a");
	type("\x01" "nb");                        /* mb -> next wraps to linux0 */
	assert_string_equal(received(uart[0]), "b");
	type("\x01" "nc\x01" "nd");
	assert_string_equal(received(uart[1]), "c");
	assert_string_equal(received(uart[2]), "d");
	assert_int_equal(fake_console_count("console: input to partition mb\n"), 2);
	assert_int_equal(r->delivered, 4);
}

static void ctrl_a_n_reaches_partitions_past_the_ninth(void **state)
{
	static struct vuart extra[CONSOLE_MAX_PORTS];
	static char tags[CONSOLE_MAX_PORTS][8];

	(void)state;
	for (unsigned i = NPARTS; i < CONSOLE_MAX_PORTS; i++) {
		snprintf(tags[i], sizeof(tags[i]), "p%u", i + 1);
		vuart_init(&extra[i], tags[i]);
	}
	type("\x01" "9");
	for (unsigned i = 9; i < CONSOLE_MAX_PORTS; i++)
		type("\x01" "n");
	assert_ptr_equal(console_router_focus(r), &extra[CONSOLE_MAX_PORTS - 1]);
	assert_non_null(strstr(fake_console(), "console: input to partition p16\n"));
}

static void ctrl_a_ctrl_a_sends_literal(void **state)
{
	(void)state;
	type("\x01\x01x");
	assert_string_equal(received(uart[0]), "\x01x");
	assert_ptr_equal(console_router_focus(r), uart[0]);
}

static void ctrl_a_other_key_discarded_with_hint(void **state)
{
	(void)state;
	type("\x01q\x01" "0z");
	assert_string_equal(received(uart[0]), "z");
	assert_int_equal(fake_console_count("console: Ctrl-A then 1-9 selects a partition, n/p the next/previous"), 2);
	assert_ptr_equal(console_router_focus(r), uart[0]);
}

static void digit_without_partition_keeps_focus(void **state)
{
	(void)state;
	type("\x01" "2\x01" "9y");
	assert_ptr_equal(console_router_focus(r), uart[1]);
	assert_string_equal(received(uart[1]), "y");
	assert_non_null(strstr(fake_console(), "console: no partition 9 (there are 3)"));
}

/* A digit without Ctrl-A before it is just a digit. */
static void plain_digits_are_data(void **state)
{
	(void)state;
	type("123");
	assert_string_equal(received(uart[0]), "123");
	assert_ptr_equal(console_router_focus(r), uart[0]);
}

/* The focused partition does not read: its 16-byte FIFO fills, the rest is
 * dropped, counted in the router and the vUART, and logged once per run. */
static void full_fifo_drops_counted_and_logged(void **state)
{
	(void)state;
	type("0123456789abcdefXYZ");
	assert_int_equal(r->delivered, 16);
	assert_int_equal(r->dropped, 3);
	assert_int_equal(uart[0]->rx_dropped, 3);
	assert_int_equal(fake_console_count("console: partition linux0 is not reading its UART"), 1);
	assert_non_null(strstr(fake_console(), "input dropped (1 bytes so far)"));
	assert_string_equal(received(uart[0]), "0123456789abcdef");
	/* It reads again: delivery resumes, and a new run is logged anew. */
	type("k");
	assert_string_equal(received(uart[0]), "k");
	type("0123456789abcdef!");
	assert_int_equal(r->dropped, 4);
	assert_int_equal(fake_console_count("console: partition linux0 is not reading its UART"), 2);
	/* Other partitions are not affected by linux0's full FIFO. */
	type("\x01" "2ok");
	assert_string_equal(received(uart[1]), "ok");
	assert_int_equal(uart[1]->rx_dropped, 0);
}

static void no_partition_no_crash(void **state)
{
	(void)state;
	console_router_init(r);
	type("abc\x01" "1");
	assert_null(console_router_focus(r));
	assert_int_equal(r->delivered, 0);
	assert_non_null(strstr(fake_console(), "console: no partition 1 (there are 0)"));
}

/* ------------------------------------------------ the polling path */

/* The focused partition's vUART access drains the physical receiver into
 * the router; another partition's access never reads it (its exit must not
 * take bytes, or the lock of a vUART, that are not its own). */
static void only_focused_vuart_access_polls_physical_receiver(void **state)
{
	(void)state;
	hw_type("hi", 2);
	hw_calls = 0;
	assert_int_equal(vuart_read(uart[2], 7), 0);    /* a scratch read by another partition */
	vuart_write(uart[1], 7, 0x55);
	assert_int_equal(hw_calls, 0);
	assert_int_equal(hw_pos, 0);
	assert_int_equal(vuart_read(uart[0], 7), 0);    /* the focused one */
	assert_int_equal(hw_pos, 2);
	assert_string_equal(received(uart[0]), "hi");
	/* A focus switch stops the poll: "w" waits for partition 3's own exit. */
	hw_type("\x01" "3w", 3);
	vuart_write(uart[0], 7, 0x55);
	assert_int_equal(hw_pos, 4);
	vuart_write(uart[1], 7, 0x55);
	assert_int_equal(hw_pos, 4);
	vuart_write(uart[2], 7, 0x55);
	assert_int_equal(hw_pos, 5);
	assert_string_equal(received(uart[2]), "w");
	assert_string_equal(received(uart[0]), "");
}

static void poll_takes_at_most_one_fifo(void **state)
{
	char many[40];

	(void)state;
	memset(many, 'm', sizeof(many));
	hw_type(many, sizeof(many));
	console_input_poll(uart[0]);
	assert_int_equal(hw_pos, CONSOLE_POLL_MAX);
	console_input_poll(uart[0]);
	assert_int_equal(hw_pos, 2 * CONSOLE_POLL_MAX);
}

/* The escape state survives between polls: Ctrl-A in one, the digit in the next. */
static void escape_split_across_polls(void **state)
{
	(void)state;
	hw_type("\x01", 1);
	console_input_poll(uart[0]);
	hw_type("2", 1);
	console_input_poll(uart[0]);
	assert_ptr_equal(console_router_focus(r), uart[1]);
	assert_string_equal(received(uart[0]), "");
}

/* Another CPU polling (the lock held): return at once, read nothing. */
static void poll_skips_when_busy(void **state)
{
	(void)state;
	hw_type("x", 1);
	hw_calls = 0;
	spin_lock(&r->lock);
	console_input_poll(uart[0]);
	spin_unlock(&r->lock);
	assert_int_equal(hw_calls, 0);
	console_input_poll(uart[0]);
	assert_int_equal(hw_pos, 1);
	assert_string_equal(received(uart[0]), "x");
}

/* ------------------------------------------- the console interrupt's route */

#define IER    1
#define IER_RDI 0x01

static void set_target(int i, uint32_t apic, uint8_t vector)
{
	vuart_set_irq(uart[i], (struct vuart_irq){ .on = true, .apic_id = apic, .vector = vector });
	console_irq_update();
}

/* The route follows the focus: to the focused vUART's vector and CPU,
 * masked for one without a target; the hardware is only touched on a change. */
static void route_follows_focus(void **state)
{
	(void)state;
	set_target(1, 2, 0x41);                 /* linux1, not focused */
	assert_int_equal(fake_console_irq_route_calls, 0);
	type("\x01" "2");
	assert_int_equal(fake_console_irq_route_calls, 1);
	assert_int_equal(fake_console_irq_apic_id, 2);
	assert_int_equal(fake_console_irq_vector, 0x41);
	assert_false(fake_console_irq_masked);
	type("\x01" "2");                        /* the same partition again: no change */
	assert_int_equal(fake_console_irq_route_calls, 1);
	type("\x01" "3");                        /* mb has no interrupt: masked */
	assert_int_equal(fake_console_irq_mask_calls, 1);
	assert_true(fake_console_irq_masked);
	type("\x01" "p");
	assert_int_equal(fake_console_irq_route_calls, 2);
	assert_false(fake_console_irq_masked);
}

/* The focused partition moving its interrupt (MSI rewritten) moves the route. */
static void route_follows_target(void **state)
{
	(void)state;
	set_target(0, 0, 0x30);
	assert_int_equal(fake_console_irq_route_calls, 1);
	assert_int_equal(fake_console_irq_vector, 0x30);
	set_target(0, 1, 0x31);
	assert_int_equal(fake_console_irq_route_calls, 2);
	assert_int_equal(fake_console_irq_apic_id, 1);
	assert_int_equal(fake_console_irq_vector, 0x31);
	vuart_set_irq(uart[0], (struct vuart_irq){ 0 });
	console_irq_update();
	assert_int_equal(fake_console_irq_mask_calls, 1);
	assert_true(fake_console_irq_masked);
}

/* A route the hardware refuses is logged and left masked; the same target
 * is not tried again, a new one is. */
static void route_refused_logged(void **state)
{
	(void)state;
	fake_console_irq_route_rc = -1;
	set_target(0, 300, 0x41);
	assert_int_equal(fake_console_irq_route_calls, 1);
	assert_non_null(strstr(fake_console(), "cannot route the console interrupt to vector 65 on APIC id 300 (partition linux0)"));
	console_irq_update();                   /* nothing changed: not retried */
	assert_int_equal(fake_console_irq_route_calls, 1);
	fake_console_irq_route_rc = 0;
	set_target(0, 3, 0x41);
	assert_int_equal(fake_console_irq_route_calls, 2);
	assert_false(fake_console_irq_masked);
}

/* Input reaching a vUART with a target interrupts the guest: the path a
 * key takes once the physical interrupt made the guest read its UART. */
static void input_interrupts_focused_guest(void **state)
{
	(void)state;
	set_target(0, 0, 0x30);
	vuart_write(uart[0], IER, IER_RDI);
	assert_int_equal(fake_send_ipi_count, 0);
	hw_type("k", 1);
	console_input_poll(uart[0]);
	assert_int_equal(fake_send_ipi_count, 1);
	assert_int_equal(fake_send_ipi_apic_id, 0);
	assert_int_equal(fake_send_ipi_vector, 0x30);
	assert_string_equal(received(uart[0]), "k");
}

/* A focused partition that ends hands focus to the next one still running
 * (wrapping), and the route follows; an unfocused one changes nothing. */
static void ended_partition_passes_focus(void **state)
{
	(void)state;
	set_target(0, 0, 0x30);
	set_target(2, 3, 0x33);
	assert_int_equal(fake_console_irq_vector, 0x30);
	vuart_set_irq(uart[1], (struct vuart_irq){ 0 });
	console_port_ended(uart[1]);            /* not focused: nothing moves */
	assert_ptr_equal(console_router_focus(r), uart[0]);
	fake_console_clear();
	console_port_ended(uart[0]);            /* focused: skips the ended linux1 */
	assert_ptr_equal(console_router_focus(r), uart[2]);
	assert_non_null(strstr(fake_console(), "console: input to partition mb"));
	assert_int_equal(fake_console_irq_apic_id, 3);
	assert_int_equal(fake_console_irq_vector, 0x33);
	/* The last one ending keeps the focus where it is. */
	console_port_ended(uart[2]);
	assert_ptr_equal(console_router_focus(r), uart[2]);
	/* An ended partition can still be chosen by hand. */
	type("\x01" "1");
	assert_ptr_equal(console_router_focus(r), uart[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(attached_in_config_order),
		T(attach_twice_keeps_place),
		T(attach_beyond_max_refused),
		T(first_partition_has_focus),
		T(ctrl_a_n_p_cycle_with_wrap),
		T(ctrl_a_n_reaches_partitions_past_the_ninth),
		T(ctrl_a_digit_switches_focus),
		T(ctrl_a_ctrl_a_sends_literal),
		T(ctrl_a_other_key_discarded_with_hint),
		T(digit_without_partition_keeps_focus),
		T(plain_digits_are_data),
		T(full_fifo_drops_counted_and_logged),
		T(no_partition_no_crash),
		T(only_focused_vuart_access_polls_physical_receiver),
		T(poll_takes_at_most_one_fifo),
		T(escape_split_across_polls),
		T(poll_skips_when_busy),
		T(route_follows_focus),
		T(route_follows_target),
		T(route_refused_logged),
		T(input_interrupts_focused_guest),
		T(ended_partition_passes_focus),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

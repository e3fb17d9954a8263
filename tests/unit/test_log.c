// SPDX-License-Identifier: MIT
/*
 * Septum's log (kernel/lib/log.c): the per-partition rate limit on lines a guest
 * can cause, and (later sections) the console buffers and their drain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/conout.h>
#include <septum/log.h>
#include <septum/partition.h>
#include <fakes.h>

static struct partition *p;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	fake_tsc_hz = 1000000;           /* 1 MHz: one token every 1,000,000 / LOG_GUEST_PER_S ticks */
	log_threshold = LOG_INFO;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->name = "flood";
	vuart_init(&p->uart, p->name);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(p);
	fake_tsc_hz = 2000000000ull;
	return 0;
}

#define TICKS_PER_TOKEN (1000000ull / LOG_GUEST_PER_S)

static void flood(unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		log_guest(p, LOG_WARN, "partition %s: refused IPI %u", p->name, i);
}

/* The first LOG_GUEST_BURST lines go out unchanged, at once: what the
 * scenarios assert the first time. */
static void burst_passes_then_lines_suppressed(void **state)
{
	(void)state;
	flood(LOG_GUEST_BURST + 50);
	assert_int_equal(fake_console_count("refused IPI"), LOG_GUEST_BURST);
	assert_non_null(strstr(fake_console(), "] partition flood: refused IPI 0\n"));
	assert_int_equal(fake_console_count("suppressed"), 0);
	assert_int_equal(p->uart.limit.suppressed, 50);
}

/* Time refills one token per 1/LOG_GUEST_PER_S s; the line it lets through
 * is preceded by the count of the ones dropped. */
static void refill_lets_one_through_after_summary(void **state)
{
	(void)state;
	flood(LOG_GUEST_BURST + 7);
	fake_console_clear();
	fake_timestamp += TICKS_PER_TOKEN - 1;
	flood(1);
	assert_int_equal(fake_console_len(), 0);
	fake_timestamp += 1;
	flood(3);
	assert_int_equal(fake_console_count("refused IPI"), 1);
	assert_int_equal(fake_console_count("partition flood: suppressed 8 log lines"), 1);
	assert_true(strstr(fake_console(), "suppressed") < strstr(fake_console(), "refused IPI 0"));
	assert_int_equal(p->uart.limit.suppressed, 2);
}

/* A long quiet spell refills to the burst, never beyond. */
static void refill_caps_at_burst(void **state)
{
	(void)state;
	flood(LOG_GUEST_BURST);
	fake_timestamp += 1000 * TICKS_PER_TOKEN;
	fake_console_clear();
	flood(LOG_GUEST_BURST + 5);
	assert_int_equal(fake_console_count("refused IPI"), LOG_GUEST_BURST);
}

/* Over T seconds of flooding, at most BURST + T * PER_S lines and as many
 * summaries: the bound docs/security.md states. */
static void flood_over_time_is_bounded(void **state)
{
	const unsigned seconds = 20;

	(void)state;
	for (unsigned i = 0; i < seconds * 1000; i++) {
		flood(1);
		fake_timestamp += 1000000 / 1000;
	}
	assert_true(fake_console_count("refused IPI") <= LOG_GUEST_BURST + seconds * LOG_GUEST_PER_S);
	assert_true(fake_console_count("refused IPI") >= seconds * LOG_GUEST_PER_S);
	assert_true(fake_console_count("suppressed") <= seconds * LOG_GUEST_PER_S);
}

/* A restart (vuart_init again) does not refill the bucket: rapid reboots
 * get no fresh burst. */
static void limit_survives_restart(void **state)
{
	(void)state;
	flood(LOG_GUEST_BURST);
	vuart_init(&p->uart, p->name);
	fake_console_clear();
	flood(1);
	assert_int_equal(fake_console_len(), 0);
	assert_int_equal(p->uart.limit.suppressed, 1);
}

/* A line under the threshold is not shown and costs nothing. */
static void filtered_lines_cost_no_token(void **state)
{
	(void)state;
	for (int i = 0; i < 100; i++)
		log_guest(p, LOG_DEBUG, "debug %d", i);
	flood(LOG_GUEST_BURST);
	assert_int_equal(fake_console_count("refused IPI"), LOG_GUEST_BURST);
	assert_int_equal(fake_console_count("debug"), 0);
}

/* Each partition has its own bucket; Septum's own lines have none. */
static void partitions_limited_apart_septum_not(void **state)
{
	struct partition *q = calloc(1, sizeof(*q));

	(void)state;
	assert_non_null(q);
	q->name = "beat";
	vuart_init(&q->uart, q->name);
	flood(LOG_GUEST_BURST + 10);
	log_guest(q, LOG_INFO, "partition beat: mark 1");
	for (int i = 0; i < 100; i++)
		pr_info("septum line %d", i);
	assert_int_equal(fake_console_count("partition beat: mark 1"), 1);
	assert_int_equal(fake_console_count("septum line"), 100);
	free(q);
}

/* ------------------------------------ console buffers and the slow wire */

#define THR 0
static struct partition *q;          /* "beat", on CPU 2; p ("flood") is on CPU 1 */
static unsigned hook_runs, hook_every, hook_calls;

static int setup_two(void **state)
{
	if (setup(state))
		return -1;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -1;
	q->name = "beat";
	vuart_init(&q->uart, q->name);
	fake_cpu = 1;
	fake_uart_slow = true;
	return 0;
}

static int teardown_two(void **state)
{
	free(q);
	return teardown(state);
}

static void out_str(struct vuart *u, const char *s)
{
	for (; *s; s++)
		vuart_write(u, THR, (uint8_t)*s);
}

/* Time passes on the wire and the idle CPU drains, until all is out. */
static void drain_all(void)
{
	for (int i = 0; i < 100000 && (conout_pending(conout_septum()) || conout_pending(&p->uart.out) ||
					conout_pending(&q->uart.out)); i++) {
		fake_uart_tick(FAKE_UART_FIFO);
		conout_drain();
	}
	assert_int_equal(conout_pending(conout_septum()) + conout_pending(&p->uart.out) +
			 conout_pending(&q->uart.out), 0);
}

/* Runs on "CPU 2" in the middle of CPU 1's console write: with CPU 1's
 * locks held and its bytes on the wire. Anything that waited would show as
 * fake_uart_waited (the wire) or abort in spin_contended (a lock). */
static void beat_exit_meanwhile(void)
{
	cpuid_t was = fake_cpu;
	uint64_t waited = fake_uart_waited;
	char line[32];

	if (was != 1 || hook_calls++ % hook_every || hook_runs == 10)
		return;
	fake_cpu = 2;
	snprintf(line, sizeof(line), "beat %u\n", ++hook_runs);
	out_str(&q->uart, line);
	(void)vuart_get_irq(&p->uart);             /* the console router's read of the flooder's target */
	pr_info("septum line %u", hook_runs);
	assert_int_equal(fake_uart_waited, waited);
	fake_cpu = was;
}

/* Partition "flood" writes as fast as it can: THR bytes and CONSOLE_WRITE
 * hypercalls of 4096 newlines. Its neighbour's exits and Septum's own log
 * calls, made while it is mid-write, never wait: not for a lock, not for
 * the wire. Nobody ever waits on the wire at all. (On the code before the
 * console buffers, the neighbour's log call spun on the console lock the
 * flooder held: a hang here.) */
static void flood_never_makes_another_cpu_wait(void **state)
{
	static char newlines[4096];

	(void)state;
	memset(newlines, '\n', sizeof(newlines));
	hook_every = 2;
	fake_console_hook = beat_exit_meanwhile;
	for (int i = 0; i < 200; i++) {
		out_str(&p->uart, "flood flood flood flood flood flood\n");
		if (i % 20 == 0)
			vuart_put(&p->uart, newlines, sizeof(newlines));
		if (i % 4 == 0)
			fake_uart_tick(FAKE_UART_FIFO);
	}
	fake_console_hook = NULL;
	assert_int_equal(hook_runs, 10);
	assert_int_equal(fake_uart_waited, 0);
	assert_int_equal(fake_spin_contended, 0);
	drain_all();
	assert_int_equal(fake_uart_waited, 0);
	for (unsigned i = 1; i <= 10; i++) {
		char want[40];

		snprintf(want, sizeof(want), "[beat] beat %u\n", i);
		assert_int_equal(fake_console_count(want), 1);
		snprintf(want, sizeof(want), "INFO] septum line %u\n", i);
		assert_int_equal(fake_console_count(want), 1);
	}
	assert_true(fake_console_count("[flood] ... ") >= 1);
	assert_true(p->uart.out.dropped_total > 0);
	assert_int_equal(q->uart.out.dropped_total, 0);
}

/* Round-robin: one line per source per turn. Behind a full buffer of the
 * flooder, the neighbour's and Septum's third lines go out before the
 * flooder's fifth. */
static void round_robin_gives_each_source_a_turn(void **state)
{
	const char *out;

	(void)state;
	for (int i = 1; i <= 50; i++) {
		char line[40];

		snprintf(line, sizeof(line), "A%02d aaaaaaaaaaaaaaaaaaaaaaaa\n", i);
		out_str(&p->uart, line);
	}
	fake_cpu = 2;
	out_str(&q->uart, "b1\nb2\nb3\n");
	pr_info("s1");
	pr_info("s2");
	pr_info("s3");
	drain_all();
	out = fake_console();
	assert_non_null(strstr(out, "[flood] A05"));
	assert_true(strstr(out, "[beat] b3\n") < strstr(out, "[flood] A05"));
	assert_true(strstr(out, "] s3\n") < strstr(out, "[flood] A05"));
	assert_true(strstr(out, "[beat] b1\n") < strstr(out, "[flood] A03"));
	assert_int_equal(fake_console_count("[flood] A"), 50);
	assert_int_equal(fake_uart_waited, 0);
}

/* Septum's log gets every other turn, however many partitions have lines
 * waiting; the partitions take turns among themselves. */
static void septum_gets_every_other_turn(void **state)
{
	char want[512] = "", *w = want;

	(void)state;
	fake_uart_fifo = 1;              /* the wire is busy: everything queues first */
	for (int i = 1; i <= 4; i++) {
		char line[16];

		snprintf(line, sizeof(line), "a%d\n", i);
		out_str(&p->uart, line);
		snprintf(line, sizeof(line), "b%d\n", i);
		out_str(&q->uart, line);
	}
	for (int i = 1; i <= 3; i++)
		pr_info("s%d", i);
	assert_int_equal(fake_console_len(), 0);
	drain_all();
	/* Drop the timestamps: "[septum t=1234 cpu1 INFO] sN" -> "sN". */
	for (const char *l = fake_console(), *end; (end = strchr(l, '\n')) != NULL; l = end + 1) {
		const char *text = strncmp(l, "[septum", 7) ? l : strstr(l, "] ") + 2;
		size_t len = (size_t)(end - text);

		memcpy(w, text, len);
		w += len;
		*w++ = '|';
		*w = 0;
	}
	assert_string_equal(want, "[flood] a1|s1|[beat] b1|s2|[flood] a2|s3|[beat] b2|[flood] a3|[beat] b3|"
				  "[flood] a4|[beat] b4|");
}

/* A full buffer drops whole lines and counts their bytes; once there is
 * room, one note says how many went. */
static void full_buffer_drops_lines_with_one_counted_note(void **state)
{
	const char *line = "0123456789012345678901234567890123456789012345678901234567890\n";
	size_t wire = strlen("[flood] ") + strlen(line);
	unsigned sent = 0;

	(void)state;
	while (!p->uart.out.dropped_total) {
		out_str(&p->uart, line);
		sent++;
	}
	for (int i = 0; i < 9; i++)
		out_str(&p->uart, line);
	assert_int_equal(p->uart.out.dropped_total, 10 * wire);
	drain_all();
	out_str(&p->uart, "after\n");
	drain_all();
	assert_int_equal(fake_console_count("[flood] 0123"), sent - 1);
	{
		char note[80];

		snprintf(note, sizeof(note), "[flood] ... %zu bytes dropped\n[flood] after\n", 10 * wire);
		assert_int_equal(fake_console_count(note), 1);
	}
	assert_int_equal(fake_console_count("dropped"), 1);
}

/* Septum's own lines have their own buffer: a guest filling its own does
 * not lose them. */
static void septum_lines_not_crowded_out(void **state)
{
	(void)state;
	for (int i = 0; i < 500; i++)
		out_str(&p->uart, "flood flood flood flood flood flood flood\n");
	for (int i = 0; i < 50; i++)
		pr_info("septum %d", i);
	drain_all();
	assert_int_equal(fake_console_count("INFO] septum "), 50);
	assert_int_equal(conout_septum()->dropped_total, 0);
	assert_true(p->uart.out.dropped_total > 0);
}

/* Power-off and hv_panic: everything queued goes out, waiting on the wire. */
static void flush_sync_sends_everything(void **state)
{
	(void)state;
	for (int i = 0; i < 20; i++)
		out_str(&p->uart, "tail line\n");
	pr_info("last words");
	assert_true(conout_pending(&p->uart.out) > 0);
	conout_flush_sync();
	assert_int_equal(conout_pending(&p->uart.out) + conout_pending(conout_septum()), 0);
	assert_int_equal(fake_console_count("[flood] tail line\n"), 20);
	assert_int_equal(fake_console_count("last words"), 1);
	assert_true(fake_uart_waited > 0);
}

/* An exception on the CPU that is draining (its dump is pr_err lines and
 * console_puts) prints at once instead of deadlocking on its own lock. */
static void dump_in_drain(void)
{
	fake_console_hook = NULL;
	pr_err("exception dump");
	console_puts("raw dump\n");
}

static void exception_in_drain_still_prints(void **state)
{
	(void)state;
	fake_console_hook = dump_in_drain;
	out_str(&p->uart, "x\n");
	assert_non_null(strstr(fake_console(), "ERROR] exception dump\n"));
	assert_non_null(strstr(fake_console(), "raw dump\n"));
	drain_all();
	assert_int_equal(fake_console_count("[flood] x\n"), 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define T2(f) cmocka_unit_test_setup_teardown(f, setup_two, teardown_two)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(burst_passes_then_lines_suppressed),
		T(refill_lets_one_through_after_summary),
		T(refill_caps_at_burst),
		T(flood_over_time_is_bounded),
		T(limit_survives_restart),
		T(filtered_lines_cost_no_token),
		T(partitions_limited_apart_septum_not),
		T2(flood_never_makes_another_cpu_wait),
		T2(round_robin_gives_each_source_a_turn),
		T2(septum_gets_every_other_turn),
		T2(full_buffer_drops_lines_with_one_counted_note),
		T2(septum_lines_not_crowded_out),
		T2(flush_sync_sends_everything),
		T2(exception_in_drain_still_prints),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

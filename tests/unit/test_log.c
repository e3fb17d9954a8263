// SPDX-License-Identifier: MIT
/*
 * Septum's log (kernel/log.c): the per-partition rate limit on lines a guest
 * can cause, and (later sections) the console buffers and their drain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

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

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: MIT
/*
 * Console input router; contract and keys in septum/console.h, the user's
 * view in docs/console.md.
 *
 * There is no console interrupt and no polling thread: the physical receiver
 * is drained whenever some partition touches its vUART (an exit it takes
 * anyway). A partition that never does still receives input as long as
 * another one does; with no partition using its UART, input waits in the
 * physical UART's own FIFO.
 */
#include <stdatomic.h>
#include <string.h>

#include <septum/console.h>
#include <septum/log.h>

void console_router_init(struct console_router *r)
{
	memset(r, 0, sizeof(*r));
}

static bool trylock(spinlock_t *l)
{
	return !atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire);
}

int console_router_attach(struct console_router *r, struct vuart *u)
{
	int ret = 0;

	spin_lock(&r->lock);
	for (unsigned i = 0; i < r->nports; i++) {
		if (r->port[i] == u) {
			ret = 1;                /* a restarted partition keeps its place */
			goto out;
		}
	}
	if (r->nports == CONSOLE_MAX_PORTS) {
		ret = -1;
		goto out;
	}
	r->port[r->nports++] = u;
out:
	spin_unlock(&r->lock);
	return ret;
}

struct vuart *console_router_focus(const struct console_router *r)
{
	return r->nports ? r->port[r->focus] : NULL;
}

static void deliver(struct console_router *r, uint8_t c)
{
	struct vuart *u = console_router_focus(r);

	if (!u)
		return;                         /* no partition yet: nobody to type to */
	if (vuart_rx_push(u, c)) {
		r->delivered++;
		r->dropping = false;
		return;
	}
	r->dropped++;
	/* Once per run of drops: a partition that stopped reading would
	 * otherwise flood the log with one line per key. */
	if (!r->dropping)
		pr_warn("console: partition %s is not reading its UART: input dropped (%lu bytes so far)",
			u->tag, (unsigned long)r->dropped);
	r->dropping = true;
}

static void set_focus(struct console_router *r, unsigned i)
{
	r->focus = i;
	r->dropping = false;
	pr_info("console: input to partition %s", r->port[r->focus]->tag);
}

static void command(struct console_router *r, uint8_t c)
{
	if (c == CONSOLE_ESCAPE) {
		deliver(r, c);
		return;
	}
	if (c >= '1' && c <= '9') {
		unsigned n = (unsigned)(c - '0');

		if (n > r->nports) {
			pr_info("console: no partition %u (there are %u)", n, r->nports);
			return;
		}
		set_focus(r, n - 1);
		return;
	}
	/* n / p: next / previous in config order, wrapping; the way to
	 * partitions past the ninth. */
	if ((c == 'n' || c == 'p') && r->nports) {
		set_focus(r, (r->focus + (c == 'n' ? 1 : r->nports - 1)) % r->nports);
		return;
	}
	pr_info("console: Ctrl-A then 1-9 selects a partition, n/p the next/previous, Ctrl-A Ctrl-A sends Ctrl-A");
}

void console_router_input(struct console_router *r, uint8_t c)
{
	if (r->escape) {
		r->escape = false;
		command(r, c);
	} else if (c == CONSOLE_ESCAPE) {
		r->escape = true;
	} else {
		deliver(r, c);
	}
}

/* ------------------------------------------------ the hypervisor's router */

static struct console_router the_console;

struct console_router *console_router_global(void)
{
	return &the_console;
}

void console_attach(struct vuart *u)
{
	struct console_router *r = &the_console;
	int ret = console_router_attach(r, u);

	if (ret < 0)
		pr_warn("console: no input for partition %s: %u partitions have a console already",
			u->tag, CONSOLE_MAX_PORTS);
	else if (ret == 0 && r->nports == 1)
		pr_info("console: input to partition %s (Ctrl-A 1-9, n, p switch, see docs/console.md)",
			u->tag);
}

void console_input_poll(void)
{
	struct console_router *r = &the_console;

	if (!trylock(&r->lock))
		return;
	for (int i = 0; i < CONSOLE_POLL_MAX; i++) {
		int c = console_hw_getc();

		if (c < 0)
			break;
		console_router_input(r, (uint8_t)c);
	}
	spin_unlock(&r->lock);
}

// SPDX-License-Identifier: MIT
/*
 * Console input router; contract and keys in septum/console.h, the user's
 * view in docs/console.md.
 *
 * There is no polling thread: the physical receiver is drained whenever
 * the focused partition touches its vUART (an exit it takes anyway); no
 * other partition's exit ever reads it (docs/security.md). A guest whose
 * vUART interrupts by MSI (vPCI's serial function) touches it only when
 * interrupted, so the physical console's receive interrupt is pointed at
 * the focused partition's vUART interrupt, its own vector on its own CPU
 * (console_router_route()): a key then interrupts the guest directly, its
 * handler reads IIR (an exit), and that drains the receiver into its FIFO.
 * For a focused partition without such an interrupt the IRQ stays masked;
 * it receives input while it touches its UART, and until it does input
 * (Ctrl-A included) waits in the physical UART's own FIFO.
 */
#include <stdatomic.h>
#include <string.h>

#include <septum/arch.h>
#include <septum/console.h>
#include <septum/log.h>

void console_router_init(struct console_router *r)
{
	memset(r, 0, sizeof(*r));
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

void console_router_route(struct console_router *r)
{
	struct vuart *u;
	struct vuart_irq want = { 0 };

	spin_lock(&r->route_lock);
	u = console_router_focus(r);
	if (u)
		want = vuart_get_irq(u);
	if (!vuart_irq_equal(want, r->routed)) {
		if (!want.on) {
			arch_console_irq_mask();
		} else if (arch_console_irq_route(want.apic_id, want.vector) != 0) {
			/* Left masked; kept as asked, so that only a new
			 * target tries (and logs) again. */
			log_limited(&u->limit, u->tag, LOG_WARN, "console: cannot route the console interrupt to vector %u on APIC id %u (partition %s); its input moves only while some partition uses its UART",
				want.vector, want.apic_id, u->tag);
		}
		r->routed = want;
	}
	spin_unlock(&r->route_lock);
}

static void set_focus(struct console_router *r, unsigned i)
{
	r->focus = i;
	r->dropping = false;
	pr_info("console: input to partition %s", r->port[r->focus]->tag);
	console_router_route(r);
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

void console_router_port_ended(struct console_router *r, struct vuart *u)
{
	unsigned i;

	spin_lock(&r->lock);
	for (i = 0; i < r->nports && r->port[i] != u; i++)
		;
	if (i < r->nports) {
		r->ended[i] = true;
		/* Focus moves to the next port still in use, wrapping; with none
		 * left it stays. */
		for (unsigned n = 1; i == r->focus && n < r->nports; n++) {
			unsigned j = (i + n) % r->nports;

			if (!r->ended[j]) {
				set_focus(r, j);
				break;
			}
		}
	}
	spin_unlock(&r->lock);
	console_router_route(r);
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

void console_input_poll(const struct vuart *from)
{
	struct console_router *r = &the_console;

	/* Only the focused partition's own exits read COM1: another
	 * partition's exit never takes bytes meant for someone else, nor the
	 * focused vUART's lock to deliver them. */
	if (console_router_focus(r) != from || !spin_trylock(&r->lock))
		return;
	for (int i = 0; i < CONSOLE_POLL_MAX && console_router_focus(r) == from; i++) {
		int c = console_hw_getc();

		if (c < 0)
			break;
		console_router_input(r, (uint8_t)c);
	}
	spin_unlock(&r->lock);
}

void console_irq_update(void)
{
	console_router_route(&the_console);
}

void console_port_ended(struct vuart *u)
{
	console_router_port_ended(&the_console, u);
}

static const struct console_hooks router_hooks = {
	.attach = console_attach, .input_poll = console_input_poll,
	.irq_update = console_irq_update, .port_ended = console_port_ended,
};

void console_start(void)
{
	console_hooks = &router_hooks;
}

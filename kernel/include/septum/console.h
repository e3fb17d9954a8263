/* SPDX-License-Identifier: MIT */
/*
 * Console input router: bytes typed on the physical console go to the
 * receiver of the vUART of the partition that has focus (docs/console.md).
 *
 * Focus keys: Ctrl-A (0x01) starts a command; the next byte is
 *   '1'..'9'  input to the Nth partition in config order
 *   Ctrl-A    a literal Ctrl-A to the partition that has focus
 *   other     discarded, with a hint on the log
 * Each switch is logged as "console: input to partition NAME". The first
 * partition attached has focus at start.
 *
 * A byte the focused partition has no room for (its receiver FIFO is full:
 * it is not reading its UART) is dropped and counted, here and in its vUART,
 * and the first drop of a run is logged.
 *
 * The router is logic only; the physical receiver is read through
 * console_hw_getc(), which drivers/uart16550.c implements on COM1 and the
 * host tests fake.
 */
#ifndef SEPTUM_CONSOLE_H
#define SEPTUM_CONSOLE_H

#include <septum/config.h>
#include <septum/spinlock.h>
#include <septum/types.h>
#include <septum/vuart.h>

#define CONSOLE_ESCAPE     0x01          /* Ctrl-A */
#define CONSOLE_MAX_PORTS  CFG_MAX_PARTITIONS
#define CONSOLE_POLL_MAX   16            /* bytes taken per poll: one 16550 FIFO */

struct console_router {
	spinlock_t lock;
	struct vuart *port[CONSOLE_MAX_PORTS];   /* in attach (= config) order */
	bool ended[CONSOLE_MAX_PORTS];           /* its partition has ended */
	unsigned nports;
	unsigned focus;                          /* index into port[] */
	bool escape;                             /* Ctrl-A seen, command byte next */
	bool dropping;                           /* in a run of dropped bytes */
	uint64_t delivered;                      /* bytes handed to a vUART */
	uint64_t dropped;                        /* bytes lost to a full receiver */
	spinlock_t route_lock;                   /* orders route updates (any CPU) */
	struct vuart_irq routed;                 /* the target last asked of the console IRQ */
};

void console_router_init(struct console_router *r);
/* Adds u at the end. Returns 0; 1 when u is attached already (it keeps its
 * place: a restarted partition calls vuart_init() again); -1 when
 * CONSOLE_MAX_PORTS are attached. */
int console_router_attach(struct console_router *r, struct vuart *u);
/* One byte from the physical console. */
void console_router_input(struct console_router *r, uint8_t c);
/* The vUART that has focus, NULL while none is attached. */
struct vuart *console_router_focus(const struct console_router *r);
/*
 * Points the physical console's receive interrupt at the interrupt target
 * of the focused vUART (vuart_set_irq()), or masks it when that has none;
 * the hardware is touched only when the target changed. A route the
 * hardware refuses is logged and left masked. Called on every focus
 * change; takes only its own lock.
 */
void console_router_route(struct console_router *r);
/*
 * u's partition has ended. If u has focus, focus moves to the next port
 * (config order, wrapping) whose partition has not, and is logged; the
 * route is updated. Ports of ended partitions can still be chosen with
 * Ctrl-A; a restarted partition is never "ended".
 */
void console_router_port_ended(struct console_router *r, struct vuart *u);

/* The hypervisor's router (one physical console). */
struct console_router *console_router_global(void);
/*
 * What the virtual devices and partitions tell the router: registered by
 * console_start() at boot, before any partition is set up. NULL (no
 * router: the host tests of the devices and exit handlers) makes them
 * no-ops. The four calls below are its entries.
 */
struct console_hooks {
	void (*attach)(struct vuart *u);
	void (*input_poll)(const struct vuart *from);
	void (*irq_update)(void);
	void (*port_ended)(struct vuart *u);
};
extern const struct console_hooks *console_hooks;
void console_start(void);
/* vuart_init() attaches every partition's vUART here. */
void console_attach(struct vuart *u);
/*
 * Moves up to CONSOLE_POLL_MAX bytes from the physical receiver into the
 * global router, when from (the vUART whose access calls it) has focus;
 * for any other vUART it does nothing, so one partition's exits never read
 * or deliver another's input. When another CPU of the focused partition is
 * already polling it returns at once (that CPU does the work). A focus
 * switch stops the loop: later bytes wait for the new focus's own exits.
 */
void console_input_poll(const struct vuart *from);
/* An interrupt target changed (vPCI): console_router_route() on the global router. */
void console_irq_update(void);
/* A partition ended (partition.c): console_router_port_ended() on the global router. */
void console_port_ended(struct vuart *u);

/* The next byte received on the physical console, or -1 when none is
 * waiting (never blocks). Implemented by the console's driver. */
int console_hw_getc(void);

#endif

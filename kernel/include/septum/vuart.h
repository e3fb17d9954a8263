/* SPDX-License-Identifier: MIT */
/*
 * Virtual 16550 at 0x3f8: what a partition writes is line-buffered, printed
 * on the physical console as "[name] text", and kept in a per-partition ring.
 * The register model is enough for polled output (LSR always ready) and for
 * drivers that probe the scratch and line-control registers.
 */
#ifndef SEPTUM_VUART_H
#define SEPTUM_VUART_H

#include <septum/types.h>

#define VUART_BASE      0x3f8
#define VUART_PORTS     8
#define VUART_LINE_MAX  200      /* longer lines are printed in pieces, never dropped */
#define VUART_RING_SIZE 4096

struct vuart {
	const char *tag;                  /* partition name */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	char line[VUART_LINE_MAX];
	size_t line_len;
	char ring[VUART_RING_SIZE];
	uint64_t ring_written;            /* total bytes ever written; ring holds the last 4 KiB */
};

void vuart_init(struct vuart *u, const char *tag);
/* An I/O access to port VUART_BASE + offset; width 1 byte. */
void vuart_write(struct vuart *u, unsigned offset, uint8_t val);
uint8_t vuart_read(struct vuart *u, unsigned offset);
/* Print a pending partial line (when the partition ends). */
void vuart_flush(struct vuart *u);
/* Write the guest's console bytes (hypercall path): same buffering. */
void vuart_put(struct vuart *u, const char *s, size_t n);

#endif

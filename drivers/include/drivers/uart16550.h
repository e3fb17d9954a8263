/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <septum/types.h>

#include <hw/uart16550.h>

#define COM1_PORT 0x3f8

void uart16550_init(uint16_t port, unsigned baud);
void uart16550_write(uint16_t port, const char *s, size_t n);
/* Bytes the transmitter takes now without waiting: the FIFO depth (16 on a
 * 16550A, 1 without FIFOs) when LSR.THRE says it is empty, else 0. */
size_t uart16550_tx_room(uint16_t port);
/* Writes n bytes as they are (no CR added) that fit in tx_room(), without polling. */
void uart16550_write_nowait(uint16_t port, const char *s, size_t n);
/* Wait until the transmitter is empty (LSR.TEMT), e.g. before power-off. */
void uart16550_drain(uint16_t port);
/*
 * Received-data interrupt on (IER = ERBFI only: Septum's own output stays
 * polled, so never THRE) and MCR.OUT2 set, keeping DTR/RTS. Writing IER
 * clears it first: a byte already waiting then raises INTR again, a fresh
 * edge for an edge-triggered input that was masked when the first came.
 */
void uart16550_rx_irq_enable(uint16_t port);
/* The next received byte, or -1 when none is waiting (LSR.DR clear) or no
 * UART answers at port. Never blocks. */
int uart16550_getc(uint16_t port);

#endif

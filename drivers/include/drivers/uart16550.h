/* SPDX-License-Identifier: MIT */
#ifndef DRIVERS_UART16550_H
#define DRIVERS_UART16550_H

#include <septum/types.h>

/* 16550 register offsets (PC16550D data sheet) — also used by the vUART. */
#define UART_THR 0  /* transmit holding (write, DLAB=0) */
#define UART_RBR 0  /* receive buffer (read, DLAB=0) */
#define UART_DLL 0  /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1  /* divisor latch high (DLAB=1) */
#define UART_IIR 2  /* read */
#define UART_FCR 2  /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define   UART_IER_ERBFI 0x01  /* received data available interrupt */
#define   UART_MCR_DTR   0x01
#define   UART_MCR_RTS   0x02
#define   UART_MCR_OUT2  0x08  /* PC boards: gates INTR onto the IRQ line */
#define   UART_LCR_DLAB  0x80
#define   UART_LSR_DR    0x01
#define   UART_LSR_THRE  0x20
#define   UART_LSR_TEMT  0x40

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

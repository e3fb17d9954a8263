/* SPDX-License-Identifier: MIT */
/* The 16550 UART's registers (PC16550D data sheet): Septum's console driver
 * (drivers/uart16550.c) and the partitions' vUART (kernel/dev/vuart.c). */
#ifndef HW_UART16550_H
#define HW_UART16550_H

/* Register offsets */
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

#endif /* HW_UART16550_H */

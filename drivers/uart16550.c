// SPDX-License-Identifier: MIT
/* 16550 driver for the physical console: output polled, input polled or
 * (uart16550_rx_irq_enable()) announced by the received-data interrupt. */
#include <arch/cpu.h>
#include <drivers/uart16550.h>
#include <septum/console.h>

#define UART_CLOCK 115200u
/* A missing UART never sets THRE; give up after this many polls so a machine
 * without COM1 does not hang in the log path. */
#define THRE_POLLS 100000
#define TX_FIFO_DEPTH 16

static unsigned tx_depth = 1;

void uart16550_init(uint16_t port, unsigned baud)
{
	uint16_t div = (uint16_t)(UART_CLOCK / baud);

	outb(port + UART_IER, 0x00);          /* polled: no interrupts */
	outb(port + UART_LCR, UART_LCR_DLAB);
	outb(port + UART_DLL, (uint8_t)div);
	outb(port + UART_DLM, (uint8_t)(div >> 8));
	outb(port + UART_LCR, 0x03);          /* 8N1 */
	outb(port + UART_FCR, 0x07);          /* FIFO on, cleared */
	outb(port + UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	/* IIR bits 7:6 = 11: FIFOs enabled, a 16550A (PC16550D, IIR). A
	 * 16450 or 16550 without working FIFOs holds one byte. */
	tx_depth = (inb(port + UART_IIR) & 0xc0) == 0xc0 ? TX_FIFO_DEPTH : 1;
}

void uart16550_rx_irq_enable(uint16_t port)
{
	/* PC16550D: INTR follows (LSR.DR && IER.ERBFI), so IER 0 then ERBFI
	 * drops and re-raises it while data is waiting. */
	outb(port + UART_IER, 0x00);
	outb(port + UART_IER, UART_IER_ERBFI);
	outb(port + UART_MCR, (uint8_t)(inb(port + UART_MCR) | UART_MCR_OUT2));
}

static void put(uint16_t port, char c)
{
	for (int i = 0; i < THRE_POLLS && !(inb(port + UART_LSR) & UART_LSR_THRE); i++)
		cpu_relax();
	outb(port + UART_THR, (uint8_t)c);
}

void uart16550_write(uint16_t port, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put(port, '\r');
		put(port, s[i]);
	}
}

/* PC16550D, LSR bit 5: in FIFO mode THRE is set when the transmitter FIFO
 * is empty; it then takes a whole FIFO load. */
size_t uart16550_tx_room(uint16_t port)
{
	return (inb(port + UART_LSR) & UART_LSR_THRE) ? tx_depth : 0;
}

void uart16550_write_nowait(uint16_t port, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		outb(port + UART_THR, (uint8_t)s[i]);
}

void uart16550_drain(uint16_t port)
{
	for (int i = 0; i < THRE_POLLS && !(inb(port + UART_LSR) & UART_LSR_TEMT); i++)
		cpu_relax();
}

int uart16550_getc(uint16_t port)
{
	uint8_t lsr = inb(port + UART_LSR);

	/* No UART decodes the port: the bus floats to 0xff, which would
	 * read as "data ready" forever. */
	if (lsr == 0xff || !(lsr & UART_LSR_DR))
		return -1;
	return inb(port + UART_RBR);
}

/* The console router's receiver (septum/console.h): Septum's console is COM1. */
int console_hw_getc(void)
{
	return uart16550_getc(COM1_PORT);
}

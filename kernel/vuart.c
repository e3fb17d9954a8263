// SPDX-License-Identifier: MIT
#include <string.h>
#include <drivers/uart16550.h>
#include <septum/log.h>
#include <septum/vuart.h>

void vuart_init(struct vuart *u, const char *tag)
{
	memset(u, 0, sizeof(*u));
	u->tag = tag;
	u->lcr = 0x03;
}

void vuart_flush(struct vuart *u)
{
	if (u->line_len) {
		console_line(u->tag, u->line, u->line_len);
		u->line_len = 0;
	}
}

static void put_byte(struct vuart *u, char c)
{
	u->ring[u->ring_written++ % VUART_RING_SIZE] = c;
	if (c == '\n') {
		console_line(u->tag, u->line, u->line_len);
		u->line_len = 0;
		return;
	}
	if (c == '\r')
		return;
	if (u->line_len == VUART_LINE_MAX)
		vuart_flush(u);
	u->line[u->line_len++] = c;
}

void vuart_put(struct vuart *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_byte(u, s[i]);
}

void vuart_write(struct vuart *u, unsigned offset, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			put_byte(u, (char)val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_FCR: u->fcr = val; break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: u->mcr = val & 0x1f; break;
	case UART_SCR: u->scr = val; break;
	default: break; /* LSR/MSR are read-only */
	}
}

uint8_t vuart_read(struct vuart *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR: return dlab ? u->dll : 0;    /* no input yet */
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR: return (u->fcr & 1) ? 0xc1 : 0x01; /* no interrupt pending */
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return UART_LSR_THRE | UART_LSR_TEMT; /* always ready to send */
	case UART_MSR: return (u->mcr & 0x10) ? 0xf0 : 0xb0; /* loopback echoes MCR */
	case UART_SCR: return u->scr;
	default: return 0xff;
	}
}

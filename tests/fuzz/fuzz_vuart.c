/* SPDX-License-Identifier: MIT */
/*
 * The virtual 16550A (kernel/dev/vuart.c) as a guest and the console drive it:
 * 2-byte records, an operation and a byte. Operations: a read or a write
 * of each of the 8 registers (DLAB as the guest set it), a byte arriving
 * on the line (console input), the interrupt target set or cleared (what
 * the vPCI serial function does), a hypercall console write of a few
 * bytes, a flush (the partition ends).
 *
 * Oracle: a small model of what the PC16550D data sheet fixes and the
 * model must keep: the receiver is a FIFO of 16 bytes (1 with FIFOs off)
 * that returns bytes in order, loses the newest when full and says so in
 * LSR.OE until LSR is read; loopback feeds it from THR and cuts off the
 * line; THR and TEMT always read 1; DLL/DLM, LCR, SCR read back; IER and
 * MCR keep only their defined bits; IIR is a valid code whose condition
 * holds and is enabled; MSR shows a connected line outside loopback; an
 * interrupt goes only to the target set, one per rising edge; every byte
 * transmitted reaches the ring, in order.
 */
#include <stdlib.h>
#include <string.h>
#include <drivers/uart16550.h>
#include <fakes.h>
#include <septum/vuart.h>
#include "fuzz.h"

#define REC_SIZE 2
#define RX_MAX   16

struct model {
	uint8_t rx[RX_MAX];
	unsigned n;                 /* bytes waiting */
	bool oe;                    /* overrun since LSR was last read */
	uint8_t fcr, lcr, ier, mcr, scr, dll, dlm;
	uint64_t written;           /* bytes transmitted to the ring */
	struct vuart_irq irq;
	bool line;                  /* the chip's INTR as the IPIs show it */
};

static struct vuart *u;
static struct model m;

static unsigned capacity(void)
{
	return (m.fcr & 1) ? RX_MAX : 1;
}

static bool push(uint8_t c)
{
	if (m.n >= capacity()) {
		m.oe = true;
		return false;
	}
	m.rx[m.n++] = c;
	return true;
}

static void transmitted(uint8_t c)
{
	FUZZ_ASSERT(u->ring_written == m.written + 1);
	FUZZ_ASSERT((uint8_t)u->ring[m.written % VUART_RING_SIZE] == c);
	m.written++;
}

static void check_iir(uint8_t v)
{
	uint8_t id = v & 0x0f;

	FUZZ_ASSERT((v & 0x30) == 0);
	FUZZ_ASSERT((v & 0xc0) == ((m.fcr & 1) ? 0xc0 : 0));
	switch (id) {
	case 0x01:                  /* nothing pending that is enabled */
		FUZZ_ASSERT(!((m.ier & 4) && m.oe) && !((m.ier & 1) && m.n));
		break;
	case 0x06:                  /* line status: the overrun */
		FUZZ_ASSERT((m.ier & 4) && m.oe);
		break;
	case 0x04:                  /* received data */
	case 0x0c:                  /* character timeout: FIFO mode only */
		FUZZ_ASSERT((m.ier & 1) && m.n && !((m.ier & 4) && m.oe));
		FUZZ_ASSERT(id == 0x04 || (m.fcr & 1));
		break;
	case 0x02:                  /* THR empty */
		FUZZ_ASSERT((m.ier & 2) && !((m.ier & 4) && m.oe) && !((m.ier & 1) && m.n));
		break;
	case 0x00:                  /* modem status */
		FUZZ_ASSERT((m.ier & 8) && !((m.ier & 4) && m.oe) && !((m.ier & 1) && m.n));
		break;
	default:
		FUZZ_ASSERT(!"IIR code the 16550 does not have");
	}
}

static void do_read(unsigned off)
{
	bool dlab = m.lcr & UART_LCR_DLAB;
	uint8_t v = vuart_read(u, off);

	switch (off) {
	case UART_RBR:
		if (dlab) {
			FUZZ_ASSERT(v == m.dll);
		} else if (m.n) {
			FUZZ_ASSERT(v == m.rx[0]);
			memmove(m.rx, m.rx + 1, --m.n);
		}
		break;
	case UART_IER:
		FUZZ_ASSERT(v == (dlab ? m.dlm : m.ier));
		break;
	case UART_IIR:
		check_iir(v);
		break;
	case UART_LCR:
		FUZZ_ASSERT(v == m.lcr);
		break;
	case UART_MCR:
		FUZZ_ASSERT(v == m.mcr);
		break;
	case UART_LSR:
		FUZZ_ASSERT((v & 0x60) == 0x60);                /* THRE, TEMT */
		FUZZ_ASSERT((v & 0x9c) == 0);                   /* no parity, framing, break, FIFO error */
		FUZZ_ASSERT(!!(v & 1) == (m.n != 0));
		FUZZ_ASSERT(!!(v & 2) == m.oe);
		m.oe = false;
		break;
	case UART_MSR:
		if (!(m.mcr & 0x10))
			FUZZ_ASSERT((v & 0xf0) == 0xb0);        /* DCD, DSR, CTS; no ring */
		else
			FUZZ_ASSERT((v >> 4) == (((m.mcr & 1) << 1) | ((m.mcr & 2) >> 1) | ((m.mcr & 4)) |
						 ((m.mcr & 8))));
		break;
	default:
		FUZZ_ASSERT(v == m.scr);
		break;
	}
}

static void do_write(unsigned off, uint8_t val)
{
	bool dlab = m.lcr & UART_LCR_DLAB;

	vuart_write(u, off, val);
	switch (off) {
	case UART_THR:
		if (dlab)
			m.dll = val;
		else if (m.mcr & 0x10)
			push(val);
		else
			transmitted(val);
		break;
	case UART_IER:
		if (dlab)
			m.dlm = val;
		else
			m.ier = val & 0x0f;
		break;
	case UART_FCR:
		if (((val ^ m.fcr) & 1) || (val & 2))
			m.n = 0;
		m.fcr = (val & 1) ? val & 0xc9 : 0;
		break;
	case UART_LCR: m.lcr = val; break;
	case UART_MCR: m.mcr = val & 0x1f; break;
	case UART_SCR: m.scr = val; break;
	default: break;
	}
	FUZZ_ASSERT(u->ring_written == m.written);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	fake_arch_reset();
	if (!u && !(u = malloc(sizeof(*u))))
		return 0;
	vuart_init(u, "fuzz");
	memset(&m, 0, sizeof(m));
	m.lcr = 0x03;
	while (in.n >= REC_SIZE) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		uint8_t val = (uint8_t)fuzz_take(&in, 1);
		unsigned ipis = fake_send_ipi_count;

		switch (op >> 4) {
		case 0: case 1: case 2: case 3:
			do_read(op & 7);
			break;
		case 4: case 5: case 6: case 7: case 8:
			do_write(op & 7, val);
			break;
		case 9: case 10: {
			bool loop = m.mcr & 0x10;
			bool ok = vuart_rx_push(u, val);

			if (loop)
				FUZZ_ASSERT(!ok);
			else
				FUZZ_ASSERT(ok == push(val));
			break;
		}
		case 11:
			/* The serial function's target: CPU with APIC id op & 3, vector val. */
			m.irq = (op & 8) ? (struct vuart_irq){ .on = true, .apic_id = op & 3, .vector = val }
					 : (struct vuart_irq){ 0 };
			vuart_set_irq(u, m.irq);
			FUZZ_ASSERT(vuart_irq_equal(vuart_get_irq(u), m.irq));
			break;
		case 12: {
			/* A CONSOLE_WRITE hypercall of the next op & 15 bytes. */
			size_t n = op & 15;
			char buf[16];

			n = n < in.n ? n : in.n;
			memcpy(buf, in.p, n);
			in.p += n;
			in.n -= n;
			vuart_put(u, buf, n);
			for (size_t i = 0; i < n; i++)
				FUZZ_ASSERT(u->ring[(m.written + i) % VUART_RING_SIZE] == buf[i]);
			m.written += n;
			FUZZ_ASSERT(u->ring_written == m.written);
			break;
		}
		default:
			vuart_flush(u);
			break;
		}
		/* An interrupt only to the target, one per rising edge of INTR. */
		FUZZ_ASSERT(fake_send_ipi_count - ipis <= 1);
		if (fake_send_ipi_count != ipis) {
			FUZZ_ASSERT(m.irq.on && fake_send_ipi_apic_id == m.irq.apic_id &&
				    fake_send_ipi_vector == m.irq.vector);
			FUZZ_ASSERT(u->irq_line);
		}
		FUZZ_ASSERT(u->irqs_sent >= fake_send_ipi_count);
		fake_console_clear();
	}
	vuart_flush(u);
	return 0;
}

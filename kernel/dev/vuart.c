// SPDX-License-Identifier: MIT
/*
 * Virtual 16550A. The contract and the model's limits are in septum/vuart.h;
 * register behaviour cites the PC16550D data sheet (National Semiconductor,
 * June 1995), cited by register: its register summary, Table IV (interrupt
 * control functions), and the sections on each register (FCR, LSR, MCR).
 */
#include <stdatomic.h>
#include <stddef.h>
#include <string.h>
#include <hw/uart16550.h>
#include <septum/arch.h>
#include <septum/console.h>
#include <septum/log.h>
#include <septum/vuart.h>

/* The console router (console.c) registers itself here at boot
 * (console_start); programs without one (host tests) leave it NULL. */
const struct console_hooks *console_hooks;

/* Modem inputs of a line with a terminal attached: carrier, data set ready,
 * clear to send; no ring. What MSR shows outside loopback. */
#define LINES_CONNECTED (VUART_MSR_DCD | VUART_MSR_DSR | VUART_MSR_CTS)

/* FCR bits kept (register summary): FIFO enable, DMA mode, RX trigger level. Bits 1
 * and 2 are self-clearing actions, bits 5:4 reserved. */
#define FCR_KEPT  0xc9
#define FCR_TRIGGER_SHIFT 6

void vuart_init(struct vuart *u, const char *tag)
{
	memset(u, 0, VUART_RESET_SIZE);
	u->tag = tag;
	conout_init(&u->out, tag, u->out_buf, CONOUT_PART_SIZE);
	u->lcr = 0x03;          /* 8N1, as firmware leaves COM1 */
	if (console_hooks)
		console_hooks->attach(u);
}

/* ---------------------------------------------------------------- output */

static void flush_line(struct vuart *u)
{
	if (u->line_len) {
		console_line(&u->out, u->line, u->line_len);
		u->line_len = 0;
	}
}

void vuart_flush(struct vuart *u)
{
	spin_lock(&u->out_lock);
	flush_line(u);
	spin_unlock(&u->out_lock);
	conout_drain();
}

static void put_byte(struct vuart *u, char c)
{
	u->ring[u->ring_written++ % VUART_RING_SIZE] = c;
	if (c == '\n') {
		/* CR LF ends a line as LF does; any other CR is shown (escaped). */
		if (u->line_len && u->line[u->line_len - 1] == '\r')
			u->line_len--;
		console_line(&u->out, u->line, u->line_len);
		u->line_len = 0;
		return;
	}
	if (u->line_len == VUART_LINE_MAX)
		flush_line(u);
	u->line[u->line_len++] = c;
}

/* One line at a time, so that the partition's other vCPUs (a THR write
 * holds lock and waits for out_lock) wait at most for one line, never for a
 * whole SEPTUM_CONSOLE_MAX of them. */
void vuart_put(struct vuart *u, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		spin_lock(&u->out_lock);
		while (i < n && s[i] != '\n')
			put_byte(u, s[i++]);
		if (i < n)
			put_byte(u, s[i++]);
		spin_unlock(&u->out_lock);
	}
	conout_drain();                 /* once for the batch */
}

/* ------------------------------------------------------------- receiver */

static bool fifo_on(const struct vuart *u)
{
	return u->fcr & VUART_FCR_ENABLE;
}

/* Bytes waiting. Both indices only move under the lock; the clamp keeps a
 * corrupted pair from ever reading past rx[]. */
static unsigned rx_count(const struct vuart *u)
{
	uint32_t n = u->rx_head - u->rx_tail;

	return n > VUART_RX_FIFO ? VUART_RX_FIFO : n;
}

/* FCR section: without FIFOs the receiver holds one character (the 16450's RBR). */
static unsigned rx_capacity(const struct vuart *u)
{
	return fifo_on(u) ? VUART_RX_FIFO : 1;
}

static void rx_clear(struct vuart *u)
{
	u->rx_tail = u->rx_head;
}

/* A character completes reception. On a full receiver the chip keeps what
 * it holds and loses the new character, setting OE (LSR section, bit 1). */
static bool rx_push_locked(struct vuart *u, uint8_t c)
{
	if (rx_count(u) >= rx_capacity(u)) {
		u->lsr_err |= VUART_LSR_OE;
		u->rx_dropped++;
		return false;
	}
	u->rx[u->rx_head++ % VUART_RX_FIFO] = c;
	return true;
}

static uint8_t rx_pop(struct vuart *u)
{
	if (!rx_count(u))
		return 0;       /* the chip returns a stale byte; 0 is as good */
	return u->rx[u->rx_tail++ % VUART_RX_FIFO];
}

/* FCR bits 7:6 (register summary): the RCVR FIFO trigger level. */
static unsigned rx_trigger(const struct vuart *u)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };

	return level[u->fcr >> FCR_TRIGGER_SHIFT];
}

/* ---------------------------------------------------------- modem lines */

/* MCR bit 4, loopback: CTS <- RTS, DSR <- DTR, RI <- OUT1, DCD <- OUT2. */
static uint8_t msr_lines(const struct vuart *u)
{
	uint8_t m = u->mcr;

	if (!(m & VUART_MCR_LOOP))
		return LINES_CONNECTED;
	return (uint8_t)(((m & VUART_MCR_RTS) ? VUART_MSR_CTS : 0) |
			 ((m & VUART_MCR_DTR) ? VUART_MSR_DSR : 0) |
			 ((m & VUART_MCR_OUT1) ? VUART_MSR_RI : 0) |
			 ((m & VUART_MCR_OUT2) ? VUART_MSR_DCD : 0));
}

/* MSR bits 3:0 (register summary): DCTS, DDSR, TERI (RI trailing edge), DDCD. */
static uint8_t msr_deltas(uint8_t before, uint8_t after)
{
	uint8_t changed = before ^ after;

	return (uint8_t)(((changed & VUART_MSR_CTS) ? 0x01 : 0) |
			 ((changed & VUART_MSR_DSR) ? 0x02 : 0) |
			 ((before & VUART_MSR_RI) && !(after & VUART_MSR_RI) ? 0x04 : 0) |
			 ((changed & VUART_MSR_DCD) ? 0x08 : 0));
}

static void write_mcr(struct vuart *u, uint8_t val)
{
	uint8_t before = msr_lines(u);

	u->mcr = val & 0x1f;            /* bits 7:5 are always 0 */
	u->msr_delta |= msr_deltas(before, msr_lines(u));
}

/* ----------------------------------------------------------- interrupts */

/* Table IV: the highest-priority enabled condition, or "none". */
static uint8_t iir_source(const struct vuart *u)
{
	unsigned n = rx_count(u);

	if ((u->ier & VUART_IER_ELSI) && u->lsr_err)
		return VUART_IIR_RLS;
	if ((u->ier & VUART_IER_ERBFI) && n) {
		/* No clock: a FIFO below its trigger level reports the
		 * character timeout at once instead of after 4 characters. */
		if (fifo_on(u) && n < rx_trigger(u))
			return VUART_IIR_CTI;
		return VUART_IIR_RDA;
	}
	if ((u->ier & VUART_IER_ETBEI) && u->thre_pending)
		return VUART_IIR_THRE;
	if ((u->ier & VUART_IER_EDSSI) && u->msr_delta)
		return VUART_IIR_MSR;
	return VUART_IIR_NONE;
}

static uint8_t read_iir(struct vuart *u)
{
	uint8_t src = iir_source(u);

	/* Table IV: reading IIR clears THRE when THRE is what it reports. */
	if (src == VUART_IIR_THRE)
		u->thre_pending = false;
	return (uint8_t)(src | (fifo_on(u) ? VUART_IIR_FIFO : 0));
}

/*
 * The chip's INTR output is high while IIR reports anything (Table IV); an
 * MSI is a message per rising edge of it. Called under the lock after
 * every change; true when the edge must be sent (a target is set). The
 * count is taken here, under the lock, for the mark line and the tests.
 */
static bool line_rises(struct vuart *u)
{
	bool line = iir_source(u) != VUART_IIR_NONE;
	bool rise = line && !u->irq_line;

	u->irq_line = line;
	if (!rise || !u->irq.on)
		return false;
	u->irqs_sent++;
	return true;
}

/* Sent with no lock held: a fixed IPI lands in the guest's own APIC, and
 * the guest takes it when its interrupt flag allows, exit-free. */
static void raise(struct vuart_irq irq)
{
	arch_send_ipi(irq.apic_id, irq.vector);
}

/* Every entry point ends so: the line judged under the lock, the edge
 * sent after it. */
static void unlock_raising(struct vuart *u)
{
	bool rise = line_rises(u);
	struct vuart_irq irq = u->irq;

	spin_unlock(&u->lock);
	if (rise)
		raise(irq);
}

static uint64_t irq_pack(struct vuart_irq irq)
{
	return irq.on ? (1ull << 40) | ((uint64_t)irq.vector << 32) | irq.apic_id : 0;
}

void vuart_set_irq(struct vuart *u, struct vuart_irq irq)
{
	bool send;

	spin_lock(&u->lock);
	u->irq = irq.on ? irq : (struct vuart_irq){ 0 };
	atomic_store(&u->irq_word, irq_pack(u->irq));
	send = irq.on && u->irq_line;
	if (send)
		u->irqs_sent++;
	spin_unlock(&u->lock);
	if (send)
		raise(irq);
}

struct vuart_irq vuart_get_irq(struct vuart *u)
{
	uint64_t w = atomic_load(&u->irq_word);

	return (struct vuart_irq){ .on = (w >> 40) & 1, .apic_id = (uint32_t)w, .vector = (uint8_t)(w >> 32) };
}

static void write_ier(struct vuart *u, uint8_t val)
{
	/* Enabling ETBEI while THR is empty (always, here) raises THRE at
	 * once; Linux's 8250 driver probes for exactly that (UART_BUG_TXEN). */
	if (!(u->ier & VUART_IER_ETBEI) && (val & VUART_IER_ETBEI))
		u->thre_pending = true;
	u->ier = val & 0x0f;            /* bits 7:4 are always 0 */
}

/* -------------------------------------------------------------- registers */

static void write_thr(struct vuart *u, uint8_t val)
{
	if (u->mcr & VUART_MCR_LOOP) {
		rx_push_locked(u, val);     /* loopback: transmitter looped to receiver */
	} else {
		spin_lock(&u->out_lock);
		put_byte(u, (char)val);
		spin_unlock(&u->out_lock);
	}
	/* Sent at once: THR is empty again, which is a new THRE condition. */
	u->thre_pending = true;
}

static void write_fcr(struct vuart *u, uint8_t val)
{
	/* FCR section: changing FCR0 clears both FIFOs; with FCR0 = 0 the other bits
	 * are not programmed. */
	if ((val ^ u->fcr) & VUART_FCR_ENABLE)
		rx_clear(u);
	if (val & VUART_FCR_CLR_RX)
		rx_clear(u);
	/* CLR_TX: the transmitter never holds anything. */
	u->fcr = (val & VUART_FCR_ENABLE) ? (uint8_t)(val & FCR_KEPT) : 0;
}

static uint8_t read_lsr(struct vuart *u)
{
	uint8_t v = (uint8_t)(VUART_LSR_THRE | VUART_LSR_TEMT | u->lsr_err);

	if (rx_count(u))
		v |= VUART_LSR_DR;
	u->lsr_err = 0;                 /* LSR section: error bits clear when LSR is read */
	return v;
}

static uint8_t read_msr(struct vuart *u)
{
	uint8_t v = (uint8_t)(msr_lines(u) | u->msr_delta);

	u->msr_delta = 0;
	return v;
}

static void write_locked(struct vuart *u, unsigned offset, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			write_thr(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			write_ier(u, val);
		break;
	case UART_FCR: write_fcr(u, val); break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: write_mcr(u, val); break;
	case UART_SCR: u->scr = val; break;
	default: break;                 /* LSR and MSR are read-only */
	}
}

static uint8_t read_locked(struct vuart *u, unsigned offset)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR: return dlab ? u->dll : rx_pop(u);
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR: return read_iir(u);      /* not affected by DLAB */
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return read_lsr(u);
	case UART_MSR: return read_msr(u);
	case UART_SCR: return u->scr;
	default: return 0xff;
	}
}

/* Each access is a VM exit anyway: the moment to move console input, before
 * our lock is taken (the router takes it to deliver), when we have focus. */
static void poll_input(const struct vuart *u)
{
	if (console_hooks)
		console_hooks->input_poll(u);
	conout_drain();                 /* and to move output along (never waits) */
}

void vuart_write(struct vuart *u, unsigned offset, uint8_t val)
{
	poll_input(u);
	spin_lock(&u->lock);
	write_locked(u, offset, val);
	unlock_raising(u);
	if (offset == UART_THR && val == '\n')
		conout_drain();         /* the line just completed */
}

uint8_t vuart_read(struct vuart *u, unsigned offset)
{
	uint8_t v;

	poll_input(u);
	spin_lock(&u->lock);
	v = read_locked(u, offset);
	unlock_raising(u);
	return v;
}

bool vuart_rx_push(struct vuart *u, uint8_t c)
{
	bool ok;

	spin_lock(&u->lock);
	if (u->mcr & VUART_MCR_LOOP) {
		/* MCR section, bit 4: in loopback the receiver is cut off from the line. */
		u->rx_dropped++;
		ok = false;
	} else {
		ok = rx_push_locked(u, c);
	}
	unlock_raising(u);
	return ok;
}

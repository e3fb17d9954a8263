/* SPDX-License-Identifier: MIT */
/*
 * Virtual 16550A at 0x3f8, one per partition.
 *
 * Output: what a partition transmits is line-buffered, printed on the
 * physical console as "[name] text", and kept in a per-partition ring.
 * Input: the console router (septum/console.h) pushes the bytes typed on the
 * physical console into the receiver FIFO of the partition that has focus.
 *
 * The register model follows the National Semiconductor PC16550D data sheet
 * (its register summary, and Table IV for interrupt identification)
 * closely enough for Linux's 8250 driver to autodetect a 16550A. IIR
 * reports pending conditions (THRE, received data, line status, modem
 * status) exactly as the chip would, and the chip's INTR output is the OR
 * of them (irq_line). The partition has no I/O APIC and no PIC, so that
 * output can only reach it as an MSI: the vPCI serial function
 * (kernel/dev/vpci.c) sets an interrupt target with vuart_set_irq(), and every
 * rising edge of irq_line then sends one fixed IPI with the guest's vector
 * to the guest's CPU, as a PCI UART with MSI would. Without a target
 * (no MSI, or a guest that uses the UART at its legacy address only)
 * nothing is raised and the guest polls. The transmitter is infinitely
 * fast: THR empties at once, so LSR.THRE and LSR.TEMT always read 1.
 *
 * Locking: lock guards the registers and the receiver; out_lock the
 * output (line, ring, the console buffer), taken inside lock by a THR write
 * and alone by the hypercall path, vuart_put(), one line at a time. Only the
 * partition's own CPUs take either: console input reaches the receiver from
 * the focused partition's own exits (console.c), and other CPUs read the
 * interrupt target lock-free (vuart_get_irq()), so no other partition ever
 * waits on them (docs/security.md). Callers may hold their partition's lock
 * (partition.c flushes under it). vuart_read() and vuart_write() first poll
 * the physical console's receiver (console.c), with no lock held, which
 * moves input only when this vUART has focus.
 */
#ifndef SEPTUM_VUART_H
#define SEPTUM_VUART_H

#include <septum/conout.h>
#include <septum/log.h>
#include <septum/spinlock.h>
#include <septum/types.h>

#define VUART_BASE      0x3f8
#define VUART_PORTS     8
#define VUART_LINE_MAX  200      /* longer lines are printed in pieces, never dropped */
#define VUART_RING_SIZE 4096
#define VUART_RX_FIFO   16       /* PC16550D receiver FIFO depth; 1 byte (RBR) with FIFOs off */

/* Register bits (PC16550D register summary) the model and its users name. */
#define VUART_IER_ERBFI  0x01    /* received data available */
#define VUART_IER_ETBEI  0x02    /* transmitter holding register empty */
#define VUART_IER_ELSI   0x04    /* receiver line status */
#define VUART_IER_EDSSI  0x08    /* modem status */
#define VUART_IIR_NONE   0x01    /* bit 0 = 1: no interrupt pending */
#define VUART_IIR_MSR    0x00    /* priority 4: modem status changed */
#define VUART_IIR_THRE   0x02    /* priority 3: THR empty */
#define VUART_IIR_RDA    0x04    /* priority 2: received data at the trigger level */
#define VUART_IIR_RLS    0x06    /* priority 1: receiver line status (overrun) */
#define VUART_IIR_CTI    0x0c    /* priority 2: character timeout (FIFO mode) */
#define VUART_IIR_FIFO   0xc0    /* bits 7:6 = 11: FIFOs enabled (a 16550A) */
#define VUART_FCR_ENABLE 0x01
#define VUART_FCR_CLR_RX 0x02
#define VUART_FCR_CLR_TX 0x04
#define VUART_LSR_DR     0x01
#define VUART_LSR_OE     0x02
#define VUART_LSR_THRE   0x20
#define VUART_LSR_TEMT   0x40
#define VUART_MCR_DTR    0x01
#define VUART_MCR_RTS    0x02
#define VUART_MCR_OUT1   0x04
#define VUART_MCR_OUT2   0x08
#define VUART_MCR_LOOP   0x10
#define VUART_MSR_CTS    0x10
#define VUART_MSR_DSR    0x20
#define VUART_MSR_RI     0x40
#define VUART_MSR_DCD    0x80

/* An interrupt target: a fixed interrupt with vector to the CPU with
 * apic_id (physical destination), already checked to be the partition's. */
struct vuart_irq {
	bool on;
	uint32_t apic_id;
	uint8_t vector;
};

static inline bool vuart_irq_equal(struct vuart_irq a, struct vuart_irq b)
{
	return a.on == b.on && a.apic_id == b.apic_id && a.vector == b.vector;
}

struct vuart {
	spinlock_t lock;
	spinlock_t out_lock;
	const char *tag;                  /* partition name */
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t lsr_err;                  /* LSR.OE until LSR is read */
	uint8_t msr_delta;                /* MSR bits 3:0 until MSR is read */
	bool thre_pending;                /* THRE interrupt condition (Table IV) */
	/* Receiver FIFO; rx_head - rx_tail bytes are waiting. */
	uint8_t rx[VUART_RX_FIFO];
	uint32_t rx_head, rx_tail;
	uint64_t rx_dropped;              /* bytes lost to a full receiver (overrun) */
	char line[VUART_LINE_MAX];
	size_t line_len;
	char ring[VUART_RING_SIZE];
	uint64_t ring_written;            /* total bytes ever written; ring holds the last 4 KiB */
	bool irq_line;                    /* the chip's INTR: some enabled condition pending */
	struct vuart_irq irq;             /* where a rising edge of irq_line goes */
	_Atomic uint64_t irq_word;        /* irq packed, for lock-free readers */
	uint64_t irqs_sent;               /* edges sent as interrupts */
	/* Kept across vuart_init() (a restart): what a guest can make Septum
	 * log is limited per partition, not per boot of it. */
	struct log_limit limit;
	/* Its console output buffer (septum/conout.h): lines not yet sent
	 * survive a restart. */
	struct conout out;
	char out_buf[CONOUT_PART_SIZE];
};
#define VUART_RESET_SIZE offsetof(struct vuart, limit)

/* Reset state, 8N1; registers the vUART with the console router (config order). */
void vuart_init(struct vuart *u, const char *tag);
/* An I/O access to port VUART_BASE + offset; width 1 byte. */
void vuart_write(struct vuart *u, unsigned offset, uint8_t val);
uint8_t vuart_read(struct vuart *u, unsigned offset);
/* Print a pending partial line (when the partition ends). */
void vuart_flush(struct vuart *u);
/* Write the guest's console bytes (hypercall path): same buffering. */
void vuart_put(struct vuart *u, const char *s, size_t n);
/*
 * A byte arriving on the partition's serial line (console input). Returns
 * false when the receiver is full (VUART_RX_FIFO bytes with FIFOs enabled,
 * 1 without): the byte is lost as on the chip, LSR.OE is set and
 * rx_dropped counts it.
 */
bool vuart_rx_push(struct vuart *u, uint8_t c);
/*
 * Sets (irq.on) or clears the interrupt target. Turning a target on while
 * a condition is pending sends one interrupt at once: the guest enabled
 * MSI after the UART had something to say.
 */
void vuart_set_irq(struct vuart *u, struct vuart_irq irq);
/* The current target (a copy, read without any lock: any CPU may ask). */
struct vuart_irq vuart_get_irq(struct vuart *u);

#endif

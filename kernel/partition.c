// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/console.h>
#include <septum/log.h>
#include <septum/partition.h>
#include <septum/vdev.h>

struct partition *partitions;      /* npartitions of them, from the heap (kernel/main.c) */
unsigned npartitions;

/* Guest RAM is reached only through the calling CPU's window (<septum/arch.h>):
 * on an exit that is the partition's own CPU, whose window then keeps it. */
void *guest_ptr(const struct partition *p, uint64_t gpa, uint64_t len)
{
	uint8_t *ram;

	if (gpa >= p->ram_size || len > p->ram_size - gpa)
		return NULL;
	ram = arch_ram_window(p);
	return ram ? ram + gpa : NULL;
}

struct vcpu *partition_vcpu_on(const struct partition *p, cpuid_t cpu)
{
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpu[i] && p->vcpu[i]->cpu == cpu)
			return p->vcpu[i];
	return NULL;
}

/* Move p from READY/RUNNING to an end state; false if it had ended already. */
static bool end_once(struct partition *p, enum partition_state to)
{
	enum partition_state s = atomic_load(&p->state);

	while (s == PART_READY || s == PART_RUNNING)
		if (atomic_compare_exchange_weak(&p->state, &s, to))
			return true;
	return false;
}

/* An ended partition takes no more interrupts and no more input: its
 * vUART loses its interrupt target (the console IRQ must not point at a
 * CPU nobody runs on) and, if it had focus, focus moves on. */
static void console_release(struct partition *p)
{
	vdevs_end(p);     /* and no more DMA or MSIs from its devices (docs/pci.md) */
	if (console_hooks)
		console_hooks->port_ended(&p->uart);
}

static void kick_others(struct partition *p)
{
	cpuid_t self = arch_cpu_id();

	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpu[i] && p->vcpu[i]->cpu != self)
			vcpu_kick(p->vcpu[i]->cpu);
}

void partition_exit(struct partition *p, int status)
{
	spin_lock(&p->lock);
	if (!end_once(p, PART_EXITED)) {
		spin_unlock(&p->lock);
		return;
	}
	p->status = status;
	vuart_flush(&p->uart);
	spin_unlock(&p->lock);
	pr_info("partition %s exited with status %d", p->name, status);
	console_release(p);
	kick_others(p);
}

void partition_stop(struct partition *p, const char *fmt, ...)
{
	va_list ap;

	spin_lock(&p->lock);
	if (!end_once(p, PART_STOPPED)) {
		spin_unlock(&p->lock);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
	vuart_flush(&p->uart);
	spin_unlock(&p->lock);
	pr_err("partition %s stopped: %s", p->name, p->reason);
	console_release(p);
	kick_others(p);
}

/*
 * A guest that crashes again as soon as it starts would, with on_crash =
 * restart, loop for ever (each round reloads its images and logs). The
 * last CRASH_BURST crash restarts are remembered; a crash within
 * CRASH_WINDOW_S seconds of the oldest of them stops the partition instead,
 * unless the config says crash_loop = restart (a soak test's crasher).
 * Caller holds p->lock.
 */
static bool crash_loop(const struct partition *p, uint64_t now)
{
	uint64_t hz = arch_tsc_hz();

	if (p->cfg && p->cfg->crash_loop == CFG_ON_RESTART)
		return false;
	return hz && p->crash_restarts >= CRASH_BURST &&
	       now - p->crash_tsc[p->crash_restarts % CRASH_BURST] < hz * CRASH_WINDOW_S;
}

/* Ask every vCPU to leave guest mode and park for a restart. */
static void begin_restart(struct partition *p, const char *what, const char *key, bool crash)
{
	uint64_t now = arch_timestamp();
	bool looping;

	spin_lock(&p->lock);
	if (partition_ended(p) || atomic_load(&p->restarting)) {
		spin_unlock(&p->lock);
		return;
	}
	looping = crash && crash_loop(p, now);
	if (!looping) {
		if (crash)
			p->crash_tsc[p->crash_restarts++ % CRASH_BURST] = now;
		atomic_store(&p->restarting, true);
		vuart_flush(&p->uart);
	}
	spin_unlock(&p->lock);
	if (looping) {
		partition_stop(p, "%s; it crashed %u times within %u s, so it is not restarted again (on_crash = restart)",
			       what, CRASH_BURST + 1, CRASH_WINDOW_S);
		return;
	}
	log_guest(p, LOG_WARN, "partition %s: %s; restarting it (%s = restart, restart %u)", p->name, what, key, p->restarts + 1);
	kick_others(p);
}

static void reset_or_crash(struct partition *p, bool crash, const char *fmt, va_list ap)
{
	char what[REASON_MAX];
	enum cfg_on_event on = p->cfg ? (crash ? p->cfg->on_crash : p->cfg->on_reboot) : CFG_ON_STOP;
	const char *key = crash ? "on_crash" : "on_reboot";

	vsnprintf(what, sizeof(what), fmt, ap);
	if (on == CFG_ON_RESTART)
		begin_restart(p, what, key, crash);
	else if (crash)
		partition_stop(p, "%s", what);
	else
		partition_stop(p, "%s (%s = stop)", what, key);
}

void partition_reset(struct partition *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reset_or_crash(p, false, fmt, ap);
	va_end(ap);
}

void partition_crash(struct partition *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reset_or_crash(p, true, fmt, ap);
	va_end(ap);
}

/* "CPUID 12, I/O 40" for the exits of all of p's vCPUs, named by the backend; "none" if there were none. */
static void format_exits(const struct partition *p, char *buf, size_t len)
{
	uint64_t total[EXIT_REASON_SLOTS] = { 0 };
	size_t n = 0;

	for (unsigned v = 0; v < p->nvcpus; v++)
		for (unsigned r = 0; p->vcpu[v] && r < EXIT_REASON_SLOTS; r++)
			total[r] += p->vcpu[v]->exits[r];
	buf[0] = 0;
	for (unsigned r = 0; r < EXIT_REASON_SLOTS && n < len; r++) {
		if (!total[r])
			continue;
		n += (size_t)snprintf(buf + n, len - n, "%s%s %llu", n ? ", " : "", backend->exit_name(r),
				      (unsigned long long)total[r]);
		if (r == backend->io_slot && n < len) {
			uint64_t io[IO_GROUPS] = { 0 };

			for (unsigned v = 0; v < p->nvcpus; v++)
				for (unsigned g = 0; p->vcpu[v] && g < IO_GROUPS; g++)
					io[g] += p->vcpu[v]->io_exits[g];
			n += (size_t)snprintf(buf + n, len - n, " (vUART %llu, PCI %llu, other %llu)",
					      (unsigned long long)io[IO_VUART], (unsigned long long)io[IO_PCI],
					      (unsigned long long)io[IO_OTHER]);
		}
	}
	if (!n)
		snprintf(buf, len, "none");
}

void partition_log_exits(const struct partition *p, uint32_t label)
{
	char counts[400];

	format_exits(p, counts, sizeof(counts));
	log_guest(p, LOG_INFO, "partition %s: mark %u: exits: %s", p->name, label, counts);
}

void partitions_summary(void)
{
	pr_info("summary:");
	for (unsigned i = 0; i < npartitions; i++) {
		struct partition *p = &partitions[i];
		char counts[400];

		format_exits(p, counts, sizeof(counts));
		switch (atomic_load(&p->state)) {
		case PART_EXITED:
			pr_info("  %s: exited %d (exits: %s)", p->name, p->status, counts);
			break;
		case PART_STOPPED:
			pr_info("  %s: stopped (%s) (exits: %s)", p->name, p->reason, counts);
			break;
		default:
			pr_info("  %s: did not run", p->name);
			break;
		}
	}
}

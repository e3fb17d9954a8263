/* SPDX-License-Identifier: MIT */
/*
 * The hypercall dispatcher (kernel/exit/policy.c, hypercall()) with guest
 * buffers, for a partition whose guest RAM is the end of the input. The
 * first byte is the number of calls (1..16), then 33 bytes per call: a
 * flag byte, the call number and three arguments as the guest's RAX, RDI,
 * RSI and RDX (64 bits each). Flag bit 0 folds the number into 0..4, bit
 * 1 folds arg0 into the RAM's size plus a little, so that most calls land
 * near the RAM and its end rather than anywhere in 2^64. The rest is the
 * RAM, copied to an allocation of exactly its size: any access beyond it
 * is an ASan report.
 *
 * Oracles, from include/septum/abi.h: each call's result exactly (the
 * version; len for a console write wholly inside RAM and at most
 * SEPTUM_CONSOLE_MAX, -SEPTUM_EINVAL / -SEPTUM_EFAULT otherwise; 312 for
 * partition info into a buffer of at least that size inside RAM; the exit
 * status 0..255, first ending wins; -SEPTUM_ENOSYS for anything else);
 * what a console write prints is the guest's bytes; the RAM is written
 * only by partition info and only its 312 bytes, with the values the ABI
 * names.
 */
#include <stdlib.h>
#include <string.h>
#include <fakes.h>
#include <septum/abi.h>
#include <septum/policy.h>
#include "fuzz.h"

#define REC_SIZE  33
#define MAX_CALLS 16

static struct partition part;
static struct vcpu vcpu;
static struct cfg_partition cfg;

static bool inside(uint64_t gpa, uint64_t len)
{
	return gpa < part.ram_size && len <= part.ram_size - gpa;
}

static void check_info(const uint8_t *at)
{
	struct septum_partition_info info;

	memcpy(&info, at, sizeof(info));
	FUZZ_ASSERT(info.abi_version == SEPTUM_ABI_VERSION);
	FUZZ_ASSERT(info.partition_id == part.id && info.vcpu_index == vcpu.index);
	FUZZ_ASSERT(info.vcpu_count == part.nvcpus && info.ram_size == part.ram_size);
	FUZZ_ASSERT(!strcmp(info.name, part.name) && !strcmp(info.cmdline, cfg.cmdline));
	/* No stale bytes after the strings. */
	for (size_t i = strlen(info.name); i < sizeof(info.name); i++)
		FUZZ_ASSERT(info.name[i] == 0);
	for (size_t i = strlen(info.cmdline); i < sizeof(info.cmdline); i++)
		FUZZ_ASSERT(info.cmdline[i] == 0);
}

static void one_call(uint8_t *shadow, unsigned flags, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t written = part.uart.ring_written;
	enum partition_state before = atomic_load(&part.state);
	int status_before = part.status;
	int64_t rc;

	if (flags & 1)
		nr %= 5;
	if (flags & 2)
		a0 %= part.ram_size + 512;
	rc = hypercall(&vcpu, nr, a0, a1, a2);
	switch (nr) {
	case SEPTUM_HC_VERSION:
		FUZZ_ASSERT(rc == SEPTUM_ABI_VERSION);
		break;
	case SEPTUM_HC_CONSOLE_WRITE:
		if (a1 > SEPTUM_CONSOLE_MAX) {
			FUZZ_ASSERT(rc == -SEPTUM_EINVAL);
		} else if (!inside(a0, a1)) {
			FUZZ_ASSERT(rc == -SEPTUM_EFAULT);
		} else {
			FUZZ_ASSERT(rc == (int64_t)a1);
			FUZZ_ASSERT(part.uart.ring_written == written + a1);
			for (uint64_t i = a1 > VUART_RING_SIZE ? a1 - VUART_RING_SIZE : 0; i < a1; i++)
				FUZZ_ASSERT((uint8_t)part.uart.ring[(written + i) % VUART_RING_SIZE] == shadow[a0 + i]);
			return;
		}
		break;
	case SEPTUM_HC_PARTITION_EXIT:
		if (a0 > 255) {
			FUZZ_ASSERT(rc == -SEPTUM_EINVAL);
			FUZZ_ASSERT(atomic_load(&part.state) == before && part.status == status_before);
		} else {
			FUZZ_ASSERT(rc == 0);
			FUZZ_ASSERT(partition_ended(&part));
			/* The first ending wins. */
			if (before == PART_RUNNING)
				FUZZ_ASSERT(atomic_load(&part.state) == PART_EXITED && part.status == (int)a0);
			else
				FUZZ_ASSERT(atomic_load(&part.state) == before && part.status == status_before);
		}
		break;
	case SEPTUM_HC_PARTITION_INFO:
		if (a1 < sizeof(struct septum_partition_info)) {
			FUZZ_ASSERT(rc == -SEPTUM_EINVAL);
		} else if (!inside(a0, sizeof(struct septum_partition_info))) {
			FUZZ_ASSERT(rc == -SEPTUM_EFAULT);
		} else {
			FUZZ_ASSERT(rc == (int64_t)sizeof(struct septum_partition_info));
			check_info(part.ram_hva + a0);
			/* Outside the 312 bytes, RAM is as it was. */
			FUZZ_ASSERT(!memcmp(part.ram_hva, shadow, a0));
			FUZZ_ASSERT(!memcmp(part.ram_hva + a0 + rc, shadow + a0 + rc, part.ram_size - a0 - rc));
			memcpy(shadow + a0, part.ram_hva + a0, (size_t)rc);
			FUZZ_ASSERT(part.uart.ring_written == written);
			return;
		}
		break;
	default:
		FUZZ_ASSERT(rc == -SEPTUM_ENOSYS);
		break;
	}
	FUZZ_ASSERT(!memcmp(part.ram_hva, shadow, part.ram_size));
	FUZZ_ASSERT(part.uart.ring_written == written);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned ncalls = 1 + (unsigned)fuzz_take(&in, 1) % MAX_CALLS;
	const uint8_t *calls = in.p;
	uint8_t *shadow;

	if (in.n <= (size_t)ncalls * REC_SIZE)
		return 0;                 /* no RAM left */
	in.p += ncalls * REC_SIZE;
	in.n -= ncalls * REC_SIZE;

	fake_arch_reset();
	memset(&part, 0, sizeof(part));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.name, "fuzz-partition");
	strcpy(cfg.cmdline, "console=ttyS0 hypercall fuzz");
	part.cfg = &cfg;
	part.id = 2;
	part.name = cfg.name;
	part.cpus = BIT(1) | BIT(3);
	part.nvcpus = 2;
	part.vcpu[1] = &vcpu;
	part.ram = hpa(0x40000000);
	part.ram_size = in.n;
	part.ram_hva = malloc(in.n);
	shadow = malloc(in.n);
	if (!part.ram_hva || !shadow) {
		free(part.ram_hva);
		free(shadow);
		return 0;
	}
	memcpy(part.ram_hva, in.p, in.n);
	memcpy(shadow, in.p, in.n);
	vcpu.part = &part;
	vcpu.index = 1;
	vcpu.cpu = 3;
	vcpu.apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD;
	vuart_init(&part.uart, part.name);
	atomic_store(&part.state, PART_RUNNING);

	for (unsigned i = 0; i < ncalls; i++) {
		struct fuzz_in rec = { calls + i * REC_SIZE, REC_SIZE };
		unsigned flags = (unsigned)fuzz_take(&rec, 1);
		uint64_t nr = fuzz_take(&rec, 8), a0 = fuzz_take(&rec, 8), a1 = fuzz_take(&rec, 8);

		one_call(shadow, flags, nr, a0, a1, fuzz_take(&rec, 8));
		fake_console_clear();
	}
	vuart_flush(&part.uart);
	free(part.ram_hva);
	free(shadow);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * septum.cfg as the core and septum-check read it: the parser, then the
 * planner on a fixed machine, then the plan text. Bytes after a first NUL
 * pick the machine (CPU count and free ranges), so the planner's fits and
 * refusals are explored too. Oracles: every contract config.h and plan.h
 * state for a successful result (distinct CPUs, aligned and disjoint RAM
 * inside the free ranges, NUL-terminated strings) and for a failure (a reason).
 */
#include <string.h>
#include <septum/config.h>
#include <septum/plan.h>
#include "fuzz.h"

static struct cfg cfg;
static struct plan plan;

static void machine_from(struct fuzz_in *in, struct plan_machine *m)
{
	uint64_t next = PLAN_MIN_BASE;

	memset(m, 0, sizeof(*m));
	m->ncpus = 1 + (unsigned)(fuzz_take(in, 1) % 64);
	m->nfree = 1 + (unsigned)(fuzz_take(in, 1) % 4);
	for (unsigned i = 0; i < m->nfree; i++) {
		/* Sorted, disjoint blocks of 1 MiB .. 4 GiB, as struct plan_machine requires. */
		uint64_t gap = (fuzz_take(in, 2) & 0x3ff) << 20;
		uint64_t size = (1 + (fuzz_take(in, 2) & 0xfff)) << 20;

		m->free[i].base = next + gap;
		m->free[i].size = size;
		next = m->free[i].base + size;
	}
}

static void check_cfg(const struct cfg *c)
{
	uint64_t seen = 0;

	FUZZ_ASSERT(c->npartitions >= 1 && c->npartitions <= CFG_MAX_PARTITIONS);
	for (unsigned i = 0; i < c->npartitions; i++) {
		const struct cfg_partition *p = &c->part[i];

		FUZZ_ASSERT(memchr(p->name, 0, sizeof(p->name)));
		FUZZ_ASSERT(memchr(p->kernel, 0, sizeof(p->kernel)) && p->kernel[0]);
		FUZZ_ASSERT(memchr(p->initrd, 0, sizeof(p->initrd)));
		FUZZ_ASSERT(memchr(p->cmdline, 0, sizeof(p->cmdline)));
		FUZZ_ASSERT(p->cpus != 0 && (p->cpus & seen) == 0);
		FUZZ_ASSERT(p->memory > 0 && p->memory % CFG_MEM_ALIGN == 0);
		FUZZ_ASSERT(p->npci <= CFG_MAX_PCI && p->nmodules <= CFG_MAX_MODULES);
		for (unsigned j = 0; j < p->npci; j++)
			FUZZ_ASSERT(p->pci[j].dev < 32 && p->pci[j].fn < 8);
		for (unsigned j = 0; j < p->nmodules; j++)
			FUZZ_ASSERT(memchr(p->module[j].file, 0, sizeof(p->module[j].file)) &&
				    memchr(p->module[j].args, 0, sizeof(p->module[j].args)));
		seen |= p->cpus;
	}
}

static void check_plan(const struct cfg *c, const struct plan_machine *m, const struct plan *pl)
{
	FUZZ_ASSERT(pl->npartitions == c->npartitions);
	for (unsigned i = 0; i < pl->npartitions; i++) {
		const struct plan_partition *a = &pl->part[i];
		uint64_t base = a->base.v;
		bool inside = false;

		FUZZ_ASSERT(a->cpus == c->part[i].cpus);
		FUZZ_ASSERT(m->ncpus >= 64 || (a->cpus >> m->ncpus) == 0);
		FUZZ_ASSERT(a->size == c->part[i].memory);
		FUZZ_ASSERT(base % CFG_MEM_ALIGN == 0 && base >= PLAN_MIN_BASE);
		/* Adjacent free ranges are one block (plan.h): merge them for the check. */
		for (unsigned f = 0; f < m->nfree; f++) {
			uint64_t lo = m->free[f].base, hi = lo + m->free[f].size;

			while (f + 1 < m->nfree && m->free[f + 1].base == hi)
				hi += m->free[++f].size;
			inside |= base >= lo && base + a->size <= hi;
		}
		FUZZ_ASSERT(inside);
		for (unsigned j = 0; j < i; j++) {
			uint64_t b = pl->part[j].base.v;

			FUZZ_ASSERT(base + a->size <= b || b + pl->part[j].size <= base);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t text_len = nul ? (size_t)(nul - data) : size;
	struct fuzz_in in = { nul ? nul + 1 : data + size, nul ? size - text_len - 1 : 0 };
	struct plan_machine m;
	struct cfg_error err;
	char buf[4096];

	memset(&err, 0, sizeof(err));
	if (cfg_parse("f.cfg", (const char *)data, text_len, &cfg, &err) != 0) {
		FUZZ_ASSERT(err.reason[0] && memchr(err.reason, 0, sizeof(err.reason)));
		FUZZ_ASSERT(cfg_error_format(&err, buf, sizeof(buf)) > 0);
		return 0;
	}
	check_cfg(&cfg);
	machine_from(&in, &m);
	memset(&err, 0, sizeof(err));
	if (plan_build(&cfg, &m, &plan, &err) != 0) {
		FUZZ_ASSERT(err.reason[0] && memchr(err.reason, 0, sizeof(err.reason)));
		return 0;
	}
	check_plan(&cfg, &m, &plan);
	FUZZ_ASSERT(plan_format(&cfg, &plan, buf, sizeof(buf)) > 0);
	return 0;
}

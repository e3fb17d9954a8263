/* SPDX-License-Identifier: MIT */
/*
 * The partition planner (contract in <septum/plan.h>).
 *
 * RAM is handed out from the machine's free blocks minus what earlier
 * partitions took. Fixed addresses are honoured first so that a partition
 * placed by first fit can never take a range somebody asked for by address;
 * the rest go in config order, lowest address first. Sizes are at most 16
 * partitions and PLAN_MAX_FREE ranges, so plain scans are fast enough and
 * easy to follow.
 */
#include <septum/plan.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Host-physical ranges already given away, sorted by base. [base, end). */
struct taken {
	unsigned n;
	struct { uint64_t base, end; } r[CFG_MAX_PARTITIONS];
};

static void take(struct taken *t, uint64_t base, uint64_t size)
{
	unsigned i = t->n++;

	while (i > 0 && t->r[i - 1].base > base) {
		t->r[i] = t->r[i - 1];
		i--;
	}
	t->r[i].base = base;
	t->r[i].end = base + size;
}

/* Finds the next block of free RAM at or after index *i: a maximal run of
 * adjacent non-empty free[] ranges (firmware maps often split one stretch of
 * RAM into several descriptors). Returns false when there is none left. */
static bool next_block(const struct plan_machine *m, unsigned *i, uint64_t *base, uint64_t *end)
{
	while (*i < m->nfree && m->free[*i].size == 0)
		(*i)++;
	if (*i >= m->nfree)
		return false;
	*base = m->free[*i].base;
	*end = *base + m->free[*i].size;
	for ((*i)++; *i < m->nfree; (*i)++) {
		if (m->free[*i].size == 0)
			continue;
		if (m->free[*i].base != *end)
			break;
		*end += m->free[*i].size;
	}
	return true;
}

static int check_machine(const struct cfg *cfg, const struct plan_machine *m, struct cfg_error *err)
{
	uint64_t prev_end = 0;

	if (m->ncpus == 0 || m->ncpus > CFG_MAX_CPUS)
		return cfg_fail(err, cfg->file, 0, "machine: %u CPUs is not supported (1-%d)",
				m->ncpus, CFG_MAX_CPUS);
	if (m->nfree > PLAN_MAX_FREE)
		return cfg_fail(err, cfg->file, 0, "machine: too many free ranges (%u, at most %d)",
				m->nfree, PLAN_MAX_FREE);
	for (unsigned i = 0; i < m->nfree; i++) {
		const struct plan_range *r = &m->free[i];

		if (r->size == 0)
			continue;
		if (r->base < prev_end || r->size > CFG_PHYS_LIMIT || r->base > CFG_PHYS_LIMIT - r->size)
			return cfg_fail(err, cfg->file, 0,
					"machine: free range %u (0x%lx, %lu bytes) is unsorted, overlapping or beyond 52 bits",
					i, (unsigned long)r->base, (unsigned long)r->size);
		prev_end = r->base + r->size;
	}
	return 0;
}

static int check_cpus(const struct cfg *cfg, const struct plan_machine *m, struct cfg_error *err)
{
	/* ncpus <= 64 (check_machine); shifting by 64 would be undefined. */
	uint64_t exists = m->ncpus == CFG_MAX_CPUS ? ~0ull : BIT(m->ncpus) - 1;

	for (unsigned i = 0; i < cfg->npartitions; i++) {
		const struct cfg_partition *p = &cfg->part[i];
		uint64_t missing = p->cpus & ~exists;

		if (missing)
			return cfg_fail(err, cfg->file, p->key_line[CFG_KEY_CPUS],
					"cpus: CPU %d does not exist (this machine has %u CPU%s)",
					__builtin_ctzll(missing), m->ncpus, m->ncpus == 1 ? "" : "s");
	}
	return 0;
}

/* ------------------------------------------------------------ SMT */

/* Logical CPU c's core; without a topology every CPU is a core of its own. */
static struct topo_id cpu_topo(const struct plan_machine *m, unsigned c)
{
	return m->topology ? m->cpu[c] : (struct topo_id){ 0, c, 0 };
}

/* Groups the logical CPUs by physical core. */
static void find_cores(const struct plan_machine *m, struct plan *out)
{
	out->ncores = 0;
	for (unsigned c = 0; c < m->ncpus; c++) {
		struct topo_id t = cpu_topo(m, c);
		unsigned k;

		for (k = 0; k < out->ncores; k++)
			if (out->core[k].package == t.package && out->core[k].core == t.core)
				break;
		if (k == out->ncores)
			out->core[out->ncores++] = (struct plan_core){ t.package, t.core, 0 };
		out->core[k].cpus |= BIT(c);
	}
}

/* The partition (config index) that has logical CPU c, or -1. */
static int owner(const struct cfg *cfg, unsigned c)
{
	for (unsigned i = 0; i < cfg->npartitions; i++)
		if (cfg->part[i].cpus & BIT(c))
			return (int)i;
	return -1;
}

/*
 * SMT siblings share the core's L1D, fill/store/load buffers and branch
 * predictors: L1TF, MDS and cross-thread BTB/RSB attacks work between them
 * whatever the hypervisor flushes on entry and exit (Intel, "L1 Terminal
 * Fault" and "Microarchitectural Data Sampling" guidance: flushing does not
 * help against a sibling running at the same time). So a core belongs to
 * one partition unless both partitions on it accept the risk.
 */
static int check_core(const struct cfg *cfg, struct plan *out, unsigned k, struct cfg_error *err)
{
	uint64_t cpus = out->core[k].cpus;
	int first = -1;
	unsigned first_cpu = 0;

	for (unsigned c = 0; c < CFG_MAX_CPUS; c++) {
		const struct cfg_partition *a, *b;
		int o;

		if (!(cpus & BIT(c)) || (o = owner(cfg, c)) < 0)
			continue;
		if (first < 0) {
			first = o;
			first_cpu = c;
			continue;
		}
		if (o == first)
			continue;
		a = &cfg->part[first];
		b = &cfg->part[o];
		if (a->smt != CFG_SMT_SHARED_CORE_OK || b->smt != CFG_SMT_SHARED_CORE_OK) {
			const struct cfg_partition *later = o > first ? b : a;

			return cfg_fail(err, cfg->file, later->key_line[CFG_KEY_CPUS],
					"cpus: package %u core %u split: CPU %u to '%s', CPU %u to '%s' "
					"(SMT siblings; smt = shared-core-ok in both allows it)",
					out->core[k].package, out->core[k].core, first_cpu, a->name, c, b->name);
		}
		if (out->nshared < CFG_MAX_CPUS)
			out->shared[out->nshared++] = (struct plan_shared){ k, first_cpu, c,
									   (unsigned)first, (unsigned)o };
	}
	return 0;
}

static int check_smt(const struct cfg *cfg, const struct plan_machine *m, struct plan *out,
		     struct cfg_error *err)
{
	find_cores(m, out);
	for (unsigned k = 0; k < out->ncores; k++)
		if (check_core(cfg, out, k, err) < 0)
			return -1;
	return 0;
}

/* Is [base, end) wholly inside one free block? */
static bool inside_free(const struct plan_machine *m, uint64_t base, uint64_t end)
{
	unsigned i = 0;
	uint64_t b, e;

	while (next_block(m, &i, &b, &e))
		if (base >= b && end <= e)
			return true;
	return false;
}

static int place_fixed(const struct cfg *cfg, const struct plan_machine *m, struct plan *out,
		       struct taken *t, struct cfg_error *err)
{
	char sz[24];

	for (unsigned i = 0; i < cfg->npartitions; i++) {
		const struct cfg_partition *p = &cfg->part[i];
		uint64_t a = p->address.v;

		if (!cfg_has_address(p))
			continue;
		/* cfg_parse() already refused fixed ranges that overlap each other. */
		if (!inside_free(m, a, a + p->memory)) {
			cfg_format_size(p->memory, sz, sizeof(sz));
			return cfg_fail(err, cfg->file, p->key_line[CFG_KEY_ADDRESS],
					"address: 0x%lx-0x%lx (%s) is not inside free RAM on this machine",
					(unsigned long)a, (unsigned long)(a + p->memory - 1), sz);
		}
		out->part[i].base = p->address;
		take(t, a, p->memory);
	}
	return 0;
}

/* Considers the hole [s, e): its usable part is what lies 2 MiB aligned and
 * at or above 1 MiB. Records the first usable part that fits `need` and the
 * largest usable part seen. */
static void consider(uint64_t s, uint64_t e, uint64_t need, uint64_t *fit, uint64_t *largest)
{
	uint64_t lo = ALIGN_UP(s < PLAN_MIN_BASE ? PLAN_MIN_BASE : s, CFG_MEM_ALIGN);
	uint64_t hi = ALIGN_DOWN(e, CFG_MEM_ALIGN);

	if (hi <= lo)
		return;
	if (hi - lo > *largest)
		*largest = hi - lo;
	if (!*fit && hi - lo >= need)
		*fit = lo;
}

/*
 * Walks the holes (free blocks minus taken ranges) in ascending address
 * order. *fit gets the lowest base where `need` bytes fit (0 if none: 0 is
 * never a valid base, being below 1 MiB), *largest the largest hole.
 */
static void scan_holes(const struct plan_machine *m, const struct taken *t, uint64_t need,
		       uint64_t *fit, uint64_t *largest)
{
	unsigned i = 0;
	uint64_t b, e;

	*fit = 0;
	*largest = 0;
	while (next_block(m, &i, &b, &e)) {
		uint64_t cur = b;

		for (unsigned j = 0; j < t->n && t->r[j].base < e; j++) {
			if (t->r[j].end <= cur)
				continue;
			if (t->r[j].base > cur)
				consider(cur, t->r[j].base, need, fit, largest);
			cur = t->r[j].end;
		}
		if (cur < e)
			consider(cur, e, need, fit, largest);
	}
}

static int place_first_fit(const struct cfg *cfg, const struct plan_machine *m,
			   struct plan *out, struct taken *t, struct cfg_error *err)
{
	char asked[24], left[24];

	for (unsigned i = 0; i < cfg->npartitions; i++) {
		const struct cfg_partition *p = &cfg->part[i];
		uint64_t fit, largest;

		if (cfg_has_address(p))
			continue;
		scan_holes(m, t, p->memory, &fit, &largest);
		if (!fit) {
			cfg_format_size(p->memory, asked, sizeof(asked));
			if (largest)
				cfg_format_size(largest, left, sizeof(left));
			return cfg_fail(err, cfg->file, p->key_line[CFG_KEY_MEMORY],
					"memory: %s does not fit (largest free block left: %s)",
					asked, largest ? left : "none");
		}
		out->part[i].base = hpa(fit);
		take(t, fit, p->memory);
	}
	return 0;
}

int plan_build(const struct cfg *cfg, const struct plan_machine *m, struct plan *out,
	       struct cfg_error *err)
{
	struct taken t = { .n = 0 };

	memset(out, 0, sizeof(*out));
	if (check_machine(cfg, m, err) < 0 || check_cpus(cfg, m, err) < 0 ||
	    check_smt(cfg, m, out, err) < 0)
		return -1;
	out->npartitions = cfg->npartitions;
	for (unsigned i = 0; i < cfg->npartitions; i++) {
		out->part[i].cpus = cfg->part[i].cpus;
		out->part[i].size = cfg->part[i].memory;
	}
	if (place_fixed(cfg, m, out, &t, err) < 0 || place_first_fit(cfg, m, out, &t, err) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ formatting */

#define PLAN_ROW "%-16s %-10s %-37s %-9s %s"

int plan_format_header(char *buf, size_t len)
{
	return snprintf(buf, len, PLAN_ROW, "partition", "cpus", "host-physical RAM", "size", "kernel");
}

int plan_format_partition(const struct cfg *cfg, const struct plan *plan, unsigned i,
			  char *buf, size_t len)
{
	const struct cfg_partition *p = &cfg->part[i];
	const struct plan_partition *pp = &plan->part[i];
	char cpus[CFG_MAX_CPUS * 3 + 1], range[40], size[24];
	char image[CFG_FILE_MAX * 2 + 4];

	cfg_format_cpus(pp->cpus, cpus, sizeof(cpus));
	snprintf(range, sizeof(range), "0x%016lx-0x%016lx", (unsigned long)pp->base.v,
		 (unsigned long)(pp->base.v + pp->size - 1));
	cfg_format_size(pp->size, size, sizeof(size));
	snprintf(image, sizeof(image), "%s%s%s", p->kernel, p->initrd[0] ? " + " : "", p->initrd);
	if (p->role != CFG_ROLE_GUEST)
		return snprintf(buf, len, PLAN_ROW " (%s)", p->name, cpus, range, size, image,
				cfg_role_name(p->role));
	return snprintf(buf, len, PLAN_ROW, p->name, cpus, range, size, image);
}

/* Where the next piece goes in buf after pos bytes of text: NULL and 0
 * once buf is full, so that snprintf only counts (C11 7.21.6.5). */
static char *rest(char *buf, size_t len, size_t pos, size_t *room)
{
	*room = pos < len ? len - pos : 0;
	return pos < len ? buf + pos : NULL;
}

int plan_format(const struct cfg *cfg, const struct plan *plan, char *buf, size_t len)
{
	size_t pos = 0, room;
	char *at;
	int n;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i <= plan->npartitions; i++) {
		at = rest(buf, len, pos, &room);
		/* Line 0 is the header, line i the partition i - 1. */
		n = i == 0 ? plan_format_header(at, room)
			   : plan_format_partition(cfg, plan, i - 1, at, room);
		if (n > 0)
			pos += (size_t)n;
		at = rest(buf, len, pos, &room);
		n = snprintf(at, room, "\n");
		if (n > 0)
			pos += (size_t)n;
	}
	return (int)pos;
}

int plan_format_core(const struct cfg *cfg, const struct plan *plan, unsigned i, char *buf, size_t len)
{
	const struct plan_core *k = &plan->core[i];
	size_t pos = 0, room;
	const char *sep = "";
	char *at;
	int n;

	if (len)
		buf[0] = '\0';
	n = snprintf(buf, len, "package %u core %u:", k->package, k->core);
	pos = n > 0 ? (size_t)n : 0;
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++) {
		int o;

		if (!(k->cpus & BIT(c)))
			continue;
		o = owner(cfg, c);
		at = rest(buf, len, pos, &room);
		n = snprintf(at, room, "%s CPU %u (%s)", sep, c, o < 0 ? "idle" : cfg->part[o].name);
		if (n > 0)
			pos += (size_t)n;
		sep = ",";
	}
	return (int)pos;
}

int plan_format_shared(const struct cfg *cfg, const struct plan *plan, unsigned i, char *buf, size_t len)
{
	const struct plan_shared *s = &plan->shared[i];
	const struct plan_core *k = &plan->core[s->core];

	return snprintf(buf, len,
			"package %u core %u is shared: CPU %u to '%s', CPU %u to '%s' (smt = shared-core-ok): "
			"SMT siblings can read each other's L1D, CPU buffers and branch predictions",
			k->package, k->core, s->cpu_a, cfg->part[s->part_a].name, s->cpu_b,
			cfg->part[s->part_b].name);
}

/* SPDX-License-Identifier: MIT */
/*
 * The partition planner: turns a parsed config into dedicated CPUs and one
 * contiguous host-physical RAM range per partition, for a given machine.
 * Pure policy: it knows nothing of page tables or EPT (the EPT builder maps
 * what the plan says). The core runs it with the machine from boot_info;
 * septum-check runs it with a model machine. docs/config.md describes the
 * rules for people.
 *
 * CPU policy: every CPU, the boot CPU (index 0) included, can be given to a
 * partition; Septum keeps no CPU for itself (it runs in VMX root on each
 * partition's CPUs when they exit). CPUs that no partition names stay idle.
 */
#ifndef SEPTUM_PLAN_H
#define SEPTUM_PLAN_H

#include <septum/boot_info.h>
#include <septum/config.h>
#include <septum/topo.h>
#include <septum/types.h>

#define PLAN_MAX_FREE  BOOT_MAX_MEM
#define PLAN_MIN_BASE  0x100000ull   /* nothing is placed below 1 MiB */

/* A half-open range [base, base + size) of host-physical memory. */
struct plan_range {
	uint64_t base;
	uint64_t size;
};

/*
 * What the planner may hand out. free[] is the RAM usable for partitions
 * (boot_info's BOOT_MEM_FREE regions minus Septum's own reservation), sorted
 * by base and non-overlapping; adjacent ranges are treated as one block.
 * Ranges of size 0 are ignored.
 */
struct plan_machine {
	unsigned ncpus;                       /* logical CPUs 0..ncpus-1 exist, 1..64 */
	bool     topology;                    /* cpu[] is known; else each CPU is its own core */
	struct topo_id cpu[CFG_MAX_CPUS];     /* package/core/thread of logical CPU i */
	unsigned nfree;
	struct plan_range free[PLAN_MAX_FREE];
};

struct plan_partition {
	uint64_t cpus;                        /* mask of logical CPUs, == cfg cpus */
	hpa_t    base;                        /* 2 MiB aligned, >= 1 MiB */
	uint64_t size;                        /* == cfg memory */
};

/* A physical core and the logical CPUs (its hardware threads) on it. */
struct plan_core {
	uint32_t package, core;
	uint64_t cpus;                        /* mask of logical CPUs */
};

/* A core split between two partitions that both said smt = shared-core-ok:
 * allowed, with a warning (plan_format_shared()). */
struct plan_shared {
	unsigned core;                        /* index in plan.core[] */
	unsigned cpu_a, cpu_b;                /* logical CPUs, cpu_a < cpu_b */
	unsigned part_a, part_b;              /* partitions (config index) of cpu_a, cpu_b */
};

struct plan {
	unsigned npartitions;                 /* == cfg->npartitions */
	struct plan_partition part[CFG_MAX_PARTITIONS]; /* config order */
	unsigned ncores;                      /* distinct (package, core) pairs */
	struct plan_core core[CFG_MAX_CPUS];  /* in order of their lowest logical CPU */
	unsigned nshared;
	struct plan_shared shared[CFG_MAX_CPUS];
};

/*
 * Builds the plan, deterministically (same inputs, same plan):
 *  1. every CPU of every partition must be < m->ncpus
 *     (error at the cpus line);
 *  1a. no physical core is split between two partitions (error at the later
 *     partition's cpus line naming package, core, both CPUs and both
 *     partitions), unless both say smt = shared-core-ok: then the split is
 *     recorded in out->shared[] for a warning. Without m->topology every
 *     CPU counts as its own core;
 *  2. partitions with a fixed address get exactly [address, address+memory),
 *     which must lie wholly inside free RAM (error at the address line);
 *  3. the others are placed in config order, first fit: the lowest 2 MiB
 *     aligned address >= 1 MiB where memory fits in free RAM without
 *     overlapping anything placed before (error at the memory line naming
 *     the size asked and the largest free block left).
 * Machine descriptions that break the plan_machine contract are refused with
 * line 0. Returns 0 and fills *out, or -1 and fills *err (file = cfg->file).
 */
int plan_build(const struct cfg *cfg, const struct plan_machine *m, struct plan *out,
	       struct cfg_error *err);

/*
 * Text of the plan for people (septum-check's output, the core's boot log):
 * a header line, then one line per partition, each ending in '\n':
 *   name, CPUs ("1-2,4"), host-physical RAM as first-last (inclusive), size,
 *   kernel (and "+ initrd" when there is one), and the role when it is not
 *   guest. Returns what snprintf returns (the full length; >= len means the
 *   text was truncated, still NUL terminated when len > 0).
 */
int plan_format(const struct cfg *cfg, const struct plan *plan, char *buf, size_t len);

/* The header line alone, and the line of partition i alone (no '\n'), for
 * callers that log line by line. Same return convention. */
int plan_format_header(char *buf, size_t len);
int plan_format_partition(const struct cfg *cfg, const struct plan *plan, unsigned i,
			  char *buf, size_t len);

/*
 * The core map, one line per physical core (no '\n'), core i of
 * plan->ncores: "package P core C: CPU n (NAME), CPU m (idle)". Same return
 * convention as plan_format().
 */
int plan_format_core(const struct cfg *cfg, const struct plan *plan, unsigned i, char *buf, size_t len);

/* The warning for plan->shared[i] (no '\n'). Same return convention. */
int plan_format_shared(const struct cfg *cfg, const struct plan *plan, unsigned i, char *buf, size_t len);

#endif /* SEPTUM_PLAN_H */

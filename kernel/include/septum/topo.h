/* SPDX-License-Identifier: MIT */
/*
 * CPU topology: which logical CPUs are hardware threads (SMT siblings) of
 * one core. Pure functions, host-tested: the core feeds them CPUID output
 * and boot_info's firmware view; the planner (plan.c) uses the result to
 * keep a core's threads inside one partition.
 *
 * Intel SDM Vol. 2A, CPUID leaf 0BH "Extended Topology Enumeration" and
 * leaf 1FH "V2 Extended Topology Enumeration"; Vol. 3A, "Hierarchical
 * Mapping of CPUID Extended Topology Leaf": the x2APIC id is split into bit
 * fields, SMT lowest, then core (and, with leaf 1FH, module/tile/die),
 * then package. Subleaf n reports in EAX[4:0] how many low bits of the
 * x2APIC id to shift right to reach the next level's id, and in ECX[15:8]
 * the level type (1 SMT, 2 core, 3 module, 4 tile, 5 die, 0 invalid: the
 * end of the list).
 */
#ifndef SEPTUM_TOPO_H
#define SEPTUM_TOPO_H

#include <stdbool.h>
#include <stdint.h>

#define TOPO_MAX_LEVELS 8

/* Level types, CPUID.(EAX=0BH/1FH, ECX=n):ECX[15:8]. */
enum { TOPO_LEVEL_INVALID = 0, TOPO_LEVEL_SMT = 1, TOPO_LEVEL_CORE = 2 };

/* How an x2APIC id splits: thread = id[smt_shift-1:0], core = the bits
 * between smt_shift and pkg_shift (core, module, tile and die together, so
 * that two CPUs share a "core" id within a package exactly when they are
 * SMT siblings), package = id >> pkg_shift. */
struct topo_shifts {
	unsigned smt_shift;
	unsigned pkg_shift;
};

struct topo_id {
	uint32_t package, core, thread;
};

/*
 * Reads the shifts from the subleaves of leaf 0BH or 1FH, sub[i] =
 * { EAX, EBX, ECX, EDX } of subleaf i, n of them (the caller stops at the
 * first level type 0 or at TOPO_MAX_LEVELS). Returns false when the leaf
 * describes no topology (EBX[15:0] of subleaf 0 is 0, no SMT level first,
 * shifts not increasing or above 32).
 */
bool topo_shifts_parse(const uint32_t sub[][4], unsigned n, struct topo_shifts *out);

/*
 * The legacy method for CPUs without a usable leaf 0BH (SDM Vol. 3A,
 * "Identifying Topological Relationships in a MP System", using the initial
 * APIC id): CPUID.1:EDX[28] (HTT) off means one logical processor per
 * package; else CPUID.1:EBX[23:16] is the number of APIC ids a package
 * spans and CPUID.(EAX=4,ECX=0):EAX[31:26] + 1 the cores in it (leaf4_eax 0
 * when the CPU has no leaf 4): pkg_shift = log2 of the first rounded up to
 * a power of two, smt_shift = pkg_shift - log2 of the second rounded up.
 */
void topo_shifts_legacy(uint32_t leaf1_ebx, uint32_t leaf1_edx, uint32_t leaf4_eax, struct topo_shifts *out);

/* Splits an x2APIC id by the shifts. */
struct topo_id topo_decompose(uint32_t apic_id, const struct topo_shifts *s);

static inline bool topo_same_core(struct topo_id a, struct topo_id b)
{
	return a.package == b.package && a.core == b.core;
}

static inline bool topo_equal(struct topo_id a, struct topo_id b)
{
	return topo_same_core(a, b) && a.thread == b.thread;
}

#endif /* SEPTUM_TOPO_H */

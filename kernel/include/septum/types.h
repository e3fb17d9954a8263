/* SPDX-License-Identifier: MIT */
/*
 * Basic types shared by the core and its host-built tests.
 *
 * Host-physical and guest-physical addresses are distinct one-member structs:
 * passing a GPA where an HPA is expected does not compile. Mixing the two is
 * an isolation bug, so the compiler gets to find it.
 */
#ifndef SEPTUM_TYPES_H
#define SEPTUM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t v; } hpa_t; /* host-physical address */
typedef struct { uint64_t v; } gpa_t; /* guest-physical address */

static inline hpa_t hpa(uint64_t v) { return (hpa_t){ v }; }
static inline gpa_t gpa(uint64_t v) { return (gpa_t){ v }; }

typedef uint32_t cpuid_t;  /* logical CPU index: 0 = boot CPU, in boot_info order */
#define INVALID_CPU ((cpuid_t)~0u)

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1ull << PAGE_SHIFT)
#define SZ_2M      (1ull << 21)
#define SZ_1G      (1ull << 30)

#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a) - 1)) == 0)
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define BIT(n)           (1ull << (n))

#endif /* SEPTUM_TYPES_H */

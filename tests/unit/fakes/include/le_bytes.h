/* SPDX-License-Identifier: MIT */
/*
 * Little-endian fields of the byte images unit tests build and read back
 * (boot-protocol headers, multiboot information, ACPI tables): n bytes, n <= 8.
 */
#ifndef LE_BYTES_H
#define LE_BYTES_H

#include <stdint.h>

static inline void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint64_t get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

#endif

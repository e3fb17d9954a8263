/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer harnesses: the entry point's prototype (the
 * harnesses build with -Wmissing-prototypes) and a byte reader that takes
 * parameters from the front of the input, so one input drives both the
 * choices and the bytes.
 */
#ifndef SEPTUM_FUZZ_H
#define SEPTUM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* Takes up to `bytes` bytes (little endian) off the front; missing bytes read as 0. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes; i++) {
		if (in->n) {
			v |= (uint64_t)in->p[0] << (8 * i);
			in->p++;
			in->n--;
		}
	}
	return v;
}

/* An oracle failure: the code under test broke its own contract. abort()
 * makes libFuzzer keep the input as a crash. */
#define FUZZ_ASSERT(cond)                                                               \
	do {                                                                            \
		if (!(cond)) {                                                          \
			fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                        \
		}                                                                       \
	} while (0)

#endif

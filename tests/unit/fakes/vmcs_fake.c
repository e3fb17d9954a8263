// SPDX-License-Identifier: MIT
/*
 * Array-backed VMCS for host tests, keyed by field encoding. It keeps the
 * two properties of the real one that exit handlers can get wrong:
 *  - widths: bits 14:13 of the encoding give the field width (16-bit,
 *    64-bit, 32-bit, natural); values are truncated to it as VMWRITE does;
 *  - read-only fields: bits 11:10 = 1 is the VM-exit information group,
 *    which VMWRITE refuses (SDM Vol. 3C §25.11.2, Vol. 3D App. B).
 * The "high" half access of 64-bit fields (bit 0 = 1) is not modelled.
 */
#include <string.h>
#include <fakes.h>
#include <vmx/vmcs.h>

static uint64_t field[VMCS_FAKE_FIELDS];
static unsigned writes[VMCS_FAKE_FIELDS];
static unsigned bad_writes;

#define ENC_WIDTH(f)   (((unsigned)(f) >> 13) & 3)   /* 0 = 16, 1 = 64, 2 = 32, 3 = natural */
#define ENC_TYPE(f)    (((unsigned)(f) >> 10) & 3)   /* 1 = read-only data */

static uint64_t truncate(enum vmcs_field f, uint64_t v)
{
	switch (ENC_WIDTH(f)) {
	case 0: return v & 0xffff;
	case 2: return v & 0xffffffff;
	default: return v;
	}
}

void vmcs_fake_reset(void)
{
	memset(field, 0, sizeof(field));
	memset(writes, 0, sizeof(writes));
	bad_writes = 0;
}

void vmcs_fake_set(enum vmcs_field f, uint64_t v)
{
	if ((unsigned)f < VMCS_FAKE_FIELDS)
		field[f] = truncate(f, v);
}

unsigned vmcs_fake_writes(enum vmcs_field f)
{
	return (unsigned)f < VMCS_FAKE_FIELDS ? writes[f] : 0;
}

unsigned vmcs_fake_bad_writes(void) { return bad_writes; }

uint64_t vmcs_read(enum vmcs_field f)
{
	return (unsigned)f < VMCS_FAKE_FIELDS ? field[f] : 0;
}

int vmcs_write(enum vmcs_field f, uint64_t v)
{
	if ((unsigned)f >= VMCS_FAKE_FIELDS || ENC_TYPE(f) == 1) {
		bad_writes++;
		return -1;
	}
	field[f] = truncate(f, v);
	writes[f]++;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Virtual PCI configuration space (configuration mechanism #1, ports
 * 0xcf8-0xcff, PCI Local Bus Specification 3.0 §3.2.2.3.2). A partition
 * sees only what is assigned to it; everything else reads as absent.
 */
#ifndef SEPTUM_VPCI_H
#define SEPTUM_VPCI_H

#include <septum/types.h>

#define VPCI_ADDR_PORT 0xcf8u
#define VPCI_DATA_PORT 0xcfcu     /* 0xcfc-0xcff */

struct partition;

/* Per-partition state, embedded in struct partition. */
struct vpci_state {
	uint32_t addr;                /* last value written to 0xcf8 */
};

static inline bool vpci_port(uint16_t port)
{
	return port >= VPCI_ADDR_PORT && port < VPCI_DATA_PORT + 4;
}

/* Sets up p's view from p->cfg's pci = list (at start-up, after its EPT
 * exists). Returns 0, or -1 with a reason. */
int vpci_init(struct partition *p, char *why, size_t whylen);
/* A guest IN of size bytes (1, 2, 4) from port (vpci_port() true). */
uint32_t vpci_in(struct partition *p, uint16_t port, unsigned size);
/* A guest OUT. */
void vpci_out(struct partition *p, uint16_t port, unsigned size, uint32_t val);

#endif

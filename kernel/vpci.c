// SPDX-License-Identifier: MIT
#include <septum/partition.h>
#include <septum/vpci.h>

uint32_t vpci_in(struct partition *p, uint16_t port, unsigned size)
{
	if (port == VPCI_ADDR_PORT && size == 4)
		return p->vpci.addr;
	return size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;  /* no device */
}

void vpci_out(struct partition *p, uint16_t port, unsigned size, uint32_t val)
{
	if (port == VPCI_ADDR_PORT && size == 4)
		p->vpci.addr = val;
}

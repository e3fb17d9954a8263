// SPDX-License-Identifier: MIT
#include <septum/partition.h>
#include <septum/vpci.h>

int vpci_init(struct partition *p, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	p->vpci.addr = 0;
	return 0;
}

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

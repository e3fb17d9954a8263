// SPDX-License-Identifier: MIT
/*
 * The virtual device table (septum/vdev.h) and the platform's small port
 * devices: the reset ports, ACPI S5 and Septum's own test ports.
 */
#include <septum/abi.h>
#include <septum/log.h>
#include <septum/vacpi.h>
#include <septum/vdev.h>
#include <septum/vpci.h>
#include <septum/vuart.h>
#include <hw/x86.h>

/* A PC resets itself through the chipset's Reset Control register (0xcf9,
 * bit 2; also the vACPI FADT's RESET_REG) or the keyboard controller's
 * "pulse output port" command 0xfe on port 0x64. */
static enum vdev_result reset_io(struct partition *p, struct vdev_io *io)
{
	if (io->in || !((io->port == RESET_CONTROL_PORT && io->size == 1 && (io->val & RESET_CONTROL_RST_CPU)) ||
			(io->port == KBC_COMMAND_PORT && (uint8_t)io->val == KBC_PULSE_RESET)))
		return VDEV_PASS;
	partition_reset(p, "the guest reset itself (port 0x%x, value 0x%x)", io->port, (unsigned)(uint8_t)io->val);
	return VDEV_LEAVE;
}

static const struct vdev reset_dev = { .name = "reset", .group = IO_OTHER, .io = reset_io };

static enum vdev_result vuart_io(struct partition *p, struct vdev_io *io)
{
	if (io->port < VUART_BASE || io->port >= VUART_BASE + VUART_PORTS)
		return VDEV_PASS;
	if (io->in)
		io->val = vuart_read(&p->uart, io->port - VUART_BASE);
	else
		vuart_write(&p->uart, io->port - VUART_BASE, (uint8_t)io->val);
	return VDEV_DONE;
}

/* An ended partition's vUART loses its interrupt target: the console IRQ
 * must not point at a CPU nobody runs on. */
static void vuart_end(struct partition *p)
{
	vuart_set_irq(&p->uart, (struct vuart_irq){ 0 });
}

static const struct vdev vuart_dev = { .name = "vUART", .group = IO_VUART, .io = vuart_io, .end = vuart_end };

static enum vdev_result vpci_io(struct partition *p, struct vdev_io *io)
{
	if (!vpci_port(io->port))
		return VDEV_PASS;
	if (io->in)
		io->val = vpci_in(p, io->port, io->size);
	else
		vpci_out(p, io->port, io->size, io->val);
	return VDEV_DONE;
}

/* vpci_reset: bus mastering off before the images reload, so no DMA lands
 * in them; vpci_end: no more DMA or MSIs from an ended partition's devices
 * (docs/pci.md). */
static const struct vdev vpci_dev = {
	.name = "vPCI", .group = IO_PCI, .io = vpci_io, .reset = vpci_reset, .end = vpci_end,
};

/* The PM1 control register of the vACPI tables: SLP_EN with the S5 sleep
 * type powers the partition off (ACPI §4.8.3.2.1, §16.1.5). Other writes
 * are absorbed, reads are nobody's. */
static enum vdev_result acpi_pm_io(struct partition *p, struct vdev_io *io)
{
	if (!p->os_guest || io->port != p->sleep_port || io->in)
		return VDEV_PASS;
	if ((io->val & VACPI_SLEEP_CTL_SLP_EN) &&
	    ((io->val & VACPI_SLEEP_CTL_SLP_TYP_MASK) >> VACPI_SLEEP_CTL_SLP_TYP_SHIFT) == VACPI_S5_SLP_TYP) {
		log_guest(p, LOG_INFO, "partition %s: ACPI power-off (S5)", p->name);
		partition_exit(p, 0);
		return VDEV_LEAVE;
	}
	return VDEV_DONE;
}

static const struct vdev acpi_pm_dev = { .name = "ACPI PM", .group = IO_OTHER, .io = acpi_pm_io };

/* Septum's own ports (septum/abi.h): the exit-count mark and, for tests,
 * the exit port. Writes only. */
static enum vdev_result septum_io(struct partition *p, struct vdev_io *io)
{
	if (io->in || (io->port != SEPTUM_MARK_PORT && io->port != SEPTUM_TEST_EXIT_PORT))
		return VDEV_PASS;
	if (io->port == SEPTUM_MARK_PORT) {
		partition_log_exits(p, io->val);
		return VDEV_DONE;
	}
	partition_exit(p, (int)io->val);
	return VDEV_LEAVE;
}

static const struct vdev septum_dev = { .name = "Septum ports", .group = IO_OTHER, .io = septum_io };

/* The reset device before vPCI (0xcf9 is in vPCI's range); vPCI's end hook
 * (devices quiesced) before the vUART's. */
const struct vdev *const vdevs[] = { &reset_dev, &vpci_dev, &vuart_dev, &septum_dev, &acpi_pm_dev, NULL };

enum vdev_result vdev_io(struct partition *p, struct vdev_io *io, enum io_group *group)
{
	*group = IO_OTHER;
	for (unsigned i = 0; vdevs[i]; i++) {
		enum vdev_result r = vdevs[i]->io(p, io);

		if (r != VDEV_PASS) {
			*group = vdevs[i]->group;
			return r;
		}
	}
	return VDEV_PASS;
}

void vdevs_reset(struct partition *p)
{
	for (unsigned i = 0; vdevs[i]; i++)
		if (vdevs[i]->reset)
			vdevs[i]->reset(p);
}

void vdevs_end(struct partition *p)
{
	for (unsigned i = 0; vdevs[i]; i++)
		if (vdevs[i]->end)
			vdevs[i]->end(p);
}

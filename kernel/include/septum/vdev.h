/* SPDX-License-Identifier: MIT */
/*
 * Virtual devices of a partition, in one table (kernel/dev/vdev.c): what port
 * I/O reaches each, and what each does when the partition restarts or
 * ends. A new device is one entry here and one file; the exit layer, the
 * restart barrier and the end of a partition find it through the table.
 *
 * Port I/O goes to the devices in table order; a device answers
 * VDEV_PASS for an access that is not its own (the reset device takes only
 * a write with the reset bit to 0xcf9, vPCI the rest of 0xcf8-0xcff). An
 * access no device takes is absorbed: an IN reads all ones, as from an
 * address nothing decodes.
 */
#ifndef SEPTUM_VDEV_H
#define SEPTUM_VDEV_H

#include <septum/partition.h>

struct vdev_io {
	uint16_t port;
	uint8_t size;         /* 1, 2 or 4 */
	bool in;
	uint32_t val;         /* OUT: the value (masked to size); IN: the device's answer */
};

enum vdev_result {
	VDEV_DONE,            /* handled; the guest goes on */
	VDEV_PASS,            /* not this device's: ask the next one */
	VDEV_LEAVE,           /* handled, and the partition ended or restarts */
};

struct vdev {
	const char *name;
	enum io_group group;  /* where its I/O exits are counted */
	enum vdev_result (*io)(struct partition *p, struct vdev_io *io);
	/* Restart (before the images are reloaded) and end of the partition;
	 * either may be NULL. */
	void (*reset)(struct partition *p);
	void (*end)(struct partition *p);
};

/* The devices, NULL-terminated, in the order port I/O tries them. */
extern const struct vdev *const vdevs[];

/* One port access of p: to the first device that takes it (its group in
 * *group; VDEV_PASS and IO_OTHER when none does). */
enum vdev_result vdev_io(struct partition *p, struct vdev_io *io, enum io_group *group);
/* Every device's reset / end hook, in table order. */
void vdevs_reset(struct partition *p);
void vdevs_end(struct partition *p);

#endif /* SEPTUM_VDEV_H */

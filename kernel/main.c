// SPDX-License-Identifier: MIT
/*
 * The core's life: read the config, plan, load every partition, start every
 * CPU, run one vCPU per CPU, and when every partition has ended print the
 * summary and power off.
 *
 * CPU ownership: the boot CPU is handed to a partition like any other CPU
 * (config index 0); Septum keeps no CPU for itself. Its work after boot is
 * done in VM exits on the partitions' own CPUs, so no CPU is shared.
 */
#include <stdio.h>
#include <string.h>
#include <septum/abi.h>
#include <septum/arch.h>
#include <septum/boot_info.h>
#include <septum/config.h>
#include <septum/console.h>
#include <septum/conout.h>
#include <septum/elf.h>
#include <septum/heap.h>
#include <septum/image.h>
#include <septum/loader.h>
#include <septum/log.h>
#include <septum/partition.h>
#include <septum/plan.h>
#include <septum/reserve.h>
#include <septum/vdev.h>
#include <septum/vpci.h>

#define CONFIG_NAME "septum.cfg"

static const struct boot_info *boot;
static struct cfg config;
static struct plan plan;
static struct plan_machine machine;
static struct vcpu *cpu_vcpu[BOOT_MAX_CPUS];
static atomic_uint cpus_busy;
static unsigned cpus_used;              /* CPUs given a vCPU at set-up */
static atomic_uint cpus_prepared;       /* of those, how many have their VMCS */

/* septum/reserve.h counts these in pages; a struct that outgrows its count
 * must raise it, or the loader would reserve too little. */
_Static_assert(sizeof(struct vcpu) <= RESERVE_VCPU_PAGES * PAGE_SIZE, "septum/reserve.h: struct vcpu");
_Static_assert(sizeof(struct partition) <= RESERVE_PART_BYTES, "septum/reserve.h: struct partition");

__attribute__((noreturn)) static void halt_boot(void)
{
	pr_err("halted");
	conout_flush_sync();            /* the reason must leave the machine */
	arch_halt_cpu();
}

static const struct boot_file *find_file(const char *name)
{
	for (uint32_t i = 0; i < boot->nfiles; i++)
		if (!strcmp(boot->files[i].name, name))
			return &boot->files[i];
	return NULL;
}

static int img_find(void *ctx, const char *name, const void **data, size_t *size)
{
	const struct boot_file *f = find_file(name);

	(void)ctx;
	if (!f)
		return -1;
	*data = (const void *)(uintptr_t)f->addr;
	*size = (size_t)f->size;
	return 0;
}

static int img_check(void *ctx, const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen)
{
	(void)ctx;
	return guest_image_check(data, size, ram_size, why, whylen);
}

static void read_config(void)
{
	static const struct cfg_image_ops ops = { .find = img_find, .check_kernel = img_check,
						    .takes_modules = guest_image_takes_modules };
	struct cfg_error err;
	char msg[256], line[200];

	if (!boot->config.addr || !boot->config.size) {
		pr_err("config: no %s from the loader", CONFIG_NAME);
		halt_boot();
	}
	if (cfg_parse(CONFIG_NAME, (const char *)(uintptr_t)boot->config.addr, (size_t)boot->config.size,
		      &config, &err) ||
	    plan_build(&config, &machine, &plan, &err) || cfg_check_images(&config, &ops, &err)) {
		cfg_error_format(&err, msg, sizeof(msg));
		pr_err("config: %s", msg);
		pr_err("config unusable: no partition started");
		halt_boot();
	}
	pr_info("config %s: %u partition(s)", CONFIG_NAME, config.npartitions);
	plan_format_header(line, sizeof(line));
	pr_info("plan: %s", line);
	for (unsigned i = 0; i < plan.npartitions; i++) {
		plan_format_partition(&config, &plan, i, line, sizeof(line));
		pr_info("plan: %s", line);
	}
	for (unsigned i = 0; i < plan.ncores; i++) {
		plan_format_core(&config, &plan, i, line, sizeof(line));
		pr_info("core map: %s", line);
	}
	for (unsigned i = 0; i < plan.nshared; i++) {
		plan_format_shared(&config, &plan, i, msg, sizeof(msg));
		pr_warn("config: %s", msg);
	}
}

static void build_machine(unsigned ncpu)
{
	machine.ncpus = ncpu;
	/* The planner keeps SMT siblings in one partition; with any CPU's
	 * topology unknown it cannot, and treats each CPU as a core. */
	machine.topology = true;
	for (cpuid_t c = 0; c < ncpu; c++)
		machine.topology &= arch_cpu_topology(c, &machine.cpu[c]);
	if (!machine.topology)
		pr_warn("CPU topology unknown: SMT siblings cannot be kept in one partition");
	machine.nfree = 0;
	for (uint32_t i = 0; i < boot->nmem && machine.nfree < PLAN_MAX_FREE; i++)
		if (boot->mem[i].type == BOOT_MEM_FREE)
			machine.free[machine.nfree++] = (struct plan_range){ boot->mem[i].base, boot->mem[i].size };
}

/*
 * Put the partition's images into its RAM and set its entry state: at
 * start-up and again for every restart (the loader's copies of the files
 * stay in Septum's memory, BOOT_MEM_SEPTUM, for that).
 */
static int load_images_mapped(struct partition *p, char *why, size_t whylen)
{
	const struct cfg_partition *c = p->cfg;
	const struct boot_file *k = find_file(c->kernel);
	const void *kdata = (const void *)(uintptr_t)k->addr;
	enum guest_kind kind = guest_kind_of(kdata, (size_t)k->size);
	uint32_t apic_ids[CFG_MAX_CPUS];
	unsigned n = 0;

	for (cpuid_t cpu = 0; cpu < CFG_MAX_CPUS; cpu++)
		if (p->cpus & BIT(cpu))
			apic_ids[n++] = p->cpu_apic_id[cpu];
	/* cfg_check_images() refuses this already when its caller asks
	 * (takes_modules); never drop modules silently either way. */
	if (c->nmodules && !guest_formats[kind].takes_modules) {
		snprintf(why, whylen, "kernel '%s' is not a multiboot kernel: it cannot take modules", c->kernel);
		return -1;
	}
	if (kind == GUEST_MULTIBOOT) {
		struct mb_module mods[CFG_MAX_MODULES];

		for (unsigned i = 0; i < c->nmodules; i++) {
			const struct boot_file *m = find_file(c->module[i].file);

			if (!m) {
				snprintf(why, whylen, "module file '%s' not loaded", c->module[i].file);
				return -1;
			}
			mods[i] = (struct mb_module){ (const void *)(uintptr_t)m->addr, m->size, c->module[i].args };
		}
		if (partition_load_multiboot(p, kdata, (size_t)k->size, mods, c->nmodules, apic_ids, n,
					     why, whylen))
			return -1;
	} else if (kind == GUEST_ELF) {
		if (partition_load_elf(p, kdata, (size_t)k->size, virt_ept_large_pages() & S2_LARGE_1G,
				       why, whylen))
			return -1;
	} else {
		const struct boot_file *rd = c->initrd[0] ? find_file(c->initrd) : NULL;

		if (partition_load_linux(p, kdata, (size_t)k->size,
					 rd ? (const void *)(uintptr_t)rd->addr : NULL, rd ? (size_t)rd->size : 0,
					 apic_ids, n, virt_ept_large_pages() & S2_LARGE_1G, why, whylen))
			return -1;
	}
	return 0;
}

/* A partition that cannot be set up (a refused device, no memory for its
 * tables) does not start; the others do (DESIGN.md: refused, never half
 * applied). Its CPUs get no vCPU and park. */
static void not_started(struct partition *p, const char *why)
{
	for (cpuid_t cpu = 0; cpu < ARRAY_SIZE(cpu_vcpu); cpu++)
		if (cpu_vcpu[cpu] && cpu_vcpu[cpu]->part == p)
			cpu_vcpu[cpu] = NULL;
	p->nvcpus = 0;
	partition_stop(p, "not started: %s", why);
}

/* The loader writes through p->ram_hva: this CPU's window onto p's RAM,
 * for as long as the load takes (docs/security.md). */
static int load_images(struct partition *p, char *why, size_t whylen)
{
	int rc;

	p->ram_hva = arch_ram_window(p);
	if (!p->ram_hva) {
		snprintf(why, whylen, "%llu bytes of RAM do not fit Septum's 512 GiB window",
			 (unsigned long long)p->ram_size);
		return -1;
	}
	rc = load_images_mapped(p, why, whylen);
	p->ram_hva = NULL;
	arch_ram_window_close();
	return rc;
}

static struct reserve_out reserve;

/*
 * What this config needs of Septum's heap, by the same model the loader
 * sized it with (septum/reserve.h), now with the parsed config and the CPU's
 * real EPT capabilities. Septum's page tables and every CPU's block and
 * stacks (cpus_discover) are taken already; if the rest does not fit what
 * is left, no partition is started (nothing is half set up).
 */
static void check_reservation(void)
{
	struct reserve_in in = { 0 };
	unsigned large = virt_ept_large_pages();
	size_t rest, left = heap_free_pages(), parts = 0;

	cfg_reserve_parts(&config, &in);
	in.ncpus = ncpus;
	in.ept_split = (large & S2_LARGE_NX) || !(large & S2_LARGE_2M);
	in.mem = boot->mem;
	in.nmem = boot->nmem;
	in.image_size = boot->image_size;
	reserve_compute(&in, &reserve);
	for (unsigned i = 0; i < in.nparts; i++)
		parts += reserve.part[i];
	rest = reserve.need - reserve.paging - (size_t)ncpus * (RESERVE_PERCPU_PAGES + RESERVE_STACK_PAGES);
	pr_info("memory: Septum reserved %llu KiB: image %llu KiB + heap %llu KiB; this config needs %zu KiB of heap "
		"(page tables %zu, %u CPUs x %zu, %u partition(s) %zu + state %zu KiB) + margin %zu KiB",
		(unsigned long long)((boot->image_size + boot->heap_size) >> 10),
		(unsigned long long)(boot->image_size >> 10), (unsigned long long)(boot->heap_size >> 10),
		reserve.need * 4, reserve.paging * 4, in.ncpus, reserve.cpu_each * 4, in.nparts, parts * 4,
		reserve.state * 4, reserve.margin * 4);
	if (rest > left) {
		pr_err("memory: Septum's heap is too small for this config: %zu KiB more needed, %zu KiB left "
		       "(the loader reserved %llu KiB)", rest * 4, left * 4,
		       (unsigned long long)(boot->heap_size >> 10));
		pr_err("config unusable: no partition started");
		halt_boot();
	}
	partitions = pages_alloc(reserve.state);
	if (!partitions) {
		pr_err("memory: no heap left for the partitions' state (%zu KiB)", reserve.state * 4);
		halt_boot();
	}
}

static int setup_partition(unsigned id, char *why, size_t whylen)
{
	struct partition *p = &partitions[id];
	const struct cfg_partition *c = &config.part[id];
	size_t heap_before = heap_free_pages(), ept_pages;
	unsigned idx = 0;

	p->id = id;
	p->cfg = c;
	p->name = c->name;
	p->cpus = plan.part[id].cpus;
	p->ram = plan.part[id].base;
	p->ram_size = plan.part[id].size;
	p->ram_hva = NULL;      /* mapped only while the images are loaded (load_images) */
	arch_ram_hide(p->ram, p->ram_size);
	atomic_store(&p->state, PART_READY);
	vuart_init(&p->uart, p->name);
	for (cpuid_t cpu = 0; cpu < CFG_MAX_CPUS; cpu++)
		p->cpu_apic_id[cpu] = (p->cpus & BIT(cpu)) ? arch_cpu_apic_id(cpu) : 0xffffffffu;

	if (load_images(p, why, whylen))
		return -1;
	ept_pages = heap_free_pages();
	if (backend->s2_create(p, why, whylen))
		return -1;
	if (vpci_init(p, why, whylen))
		return -1;
	if (backend->s2_seal(p, why, whylen))
		return -1;
	ept_pages -= heap_free_pages();       /* now what the EPT took */
	for (cpuid_t cpu = 0; cpu < CFG_MAX_CPUS; cpu++) {
		struct vcpu *v;

		if (!(p->cpus & BIT(cpu)))
			continue;
		v = pages_alloc((sizeof(*v) + PAGE_SIZE - 1) / PAGE_SIZE);
		if (!v) {
			snprintf(why, whylen, "out of hypervisor memory for vCPUs");
			return -1;
		}
		v->part = p;
		v->index = idx++;
		v->cpu = cpu;
		atomic_store(&v->run, v->index == 0 ? VCPU_RUNNING : VCPU_WAIT_SIPI);
		p->vcpu[v->index] = v;
		cpu_vcpu[cpu] = v;
	}
	p->nvcpus = idx;
	/* Septum's own cost of this partition: EPT tables (with the split
	 * reserve) and vCPU structures here, each vCPU's VMCS and bitmaps at
	 * launch; beside it the model the loader reserved by. */
	pr_info("partition %s: Septum's memory for it: %zu KiB now (second-level tables %zu KiB of which split reserve %zu KiB, vCPUs), + %u KiB per vCPU at launch (its %s state); reserved for it %zu KiB",
		p->name, (size_t)((heap_before - heap_free_pages()) * 4), ept_pages * 4,
		backend->s2_split_reserve(p) * 4, backend->vcpu_pages * 4, backend->name, reserve.part[id] * 4);
	return 0;
}

void describe_hpa(uint64_t addr, char *buf, size_t len)
{
	for (unsigned i = 0; i < npartitions; i++) {
		const struct partition *p = &partitions[i];

		if (addr >= p->ram.v && addr - p->ram.v < p->ram_size) {
			snprintf(buf, len, "RAM of partition %s", p->name);
			return;
		}
	}
	if ((addr >= boot->image_base && addr - boot->image_base < boot->image_size) ||
	    (addr >= boot->heap_base && addr - boot->heap_base < boot->heap_size)) {
		snprintf(buf, len, "Septum's own memory");
		return;
	}
	for (uint32_t i = 0; i < boot->nmem; i++) {
		const struct boot_mem_region *r = &boot->mem[i];

		if (addr < r->base || addr - r->base >= r->size)
			continue;
		switch (r->type) {
		case BOOT_MEM_FREE: snprintf(buf, len, "RAM not given to any partition"); return;
		case BOOT_MEM_SEPTUM: snprintf(buf, len, "Septum's own memory (loaded files)"); return;
		case BOOT_MEM_MMIO: snprintf(buf, len, "device memory (MMIO)"); return;
		default: snprintf(buf, len, "firmware memory"); return;
		}
	}
	snprintf(buf, len, "beyond all RAM (nothing there)");
}

static bool overlaps(uint64_t b1, uint64_t s1, uint64_t b2, uint64_t s2)
{
	return s1 && s2 && b1 < b2 + s2 && b2 < b1 + s1;
}

/* Another partition's assigned BAR of the kind asked for (vpci_init fills
 * a partition's list before the next one is set up). */
static bool other_bar_used(const struct partition *p, bool io, uint64_t base, uint64_t size, char *buf, size_t len)
{
	for (unsigned i = 0; i < npartitions; i++) {
		const struct partition *q = &partitions[i];

		for (unsigned d = 0; q != p && d < q->vpci.ndevs; d++)
			for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
				const struct vpci_dev *dv = &q->vpci.dev[d];

				if ((dv->bar[b].kind == VPCI_BAR_IO) != io ||
				    !overlaps(base, size, dv->bar_base[b], dv->bar_size[b]))
					continue;
				snprintf(buf, len, "BAR %u of %02x:%02x.%x, assigned to partition %s", b,
					 PCI_BDF_BUS(dv->bdf), PCI_BDF_DEV(dv->bdf), PCI_BDF_FN(dv->bdf), q->name);
				return true;
			}
	}
	return false;
}

bool host_range_used(const struct partition *p, bool io, uint64_t base, uint64_t size, char *buf, size_t len)
{
	if (io)
		return other_bar_used(p, io, base, size, buf, len);
	for (unsigned i = 0; i < npartitions; i++)
		if (overlaps(base, size, partitions[i].ram.v, partitions[i].ram_size)) {
			snprintf(buf, len, "the RAM of partition %s", partitions[i].name);
			return true;
		}
	if (overlaps(base, size, boot->image_base, boot->image_size) ||
	    overlaps(base, size, boot->heap_base, boot->heap_size)) {
		snprintf(buf, len, "Septum's own memory");
		return true;
	}
	for (uint32_t i = 0; i < boot->nmem; i++) {
		const struct boot_mem_region *r = &boot->mem[i];

		/* Reserved and MMIO regions are where firmware puts device
		 * windows; only memory that is RAM (or Septum's) is refused. */
		if ((r->type == BOOT_MEM_FREE || r->type == BOOT_MEM_SEPTUM || r->type == BOOT_MEM_ACPI_RECLAIM ||
		     r->type == BOOT_MEM_ACPI_NVS) && overlaps(base, size, r->base, r->size)) {
			snprintf(buf, len, r->type == BOOT_MEM_SEPTUM ? "Septum's own memory (loaded files)" :
					   r->type == BOOT_MEM_FREE ? "RAM" : "firmware memory (ACPI)");
			return true;
		}
	}
	return other_bar_used(p, io, base, size, buf, len);
}

static void all_done(void)
{
	partitions_summary();
	/* Against the restart lines' figure: restarts must not leak (make soak). */
	pr_info("memory: at the end Septum's heap has %zu pages free", heap_free_pages());
	pr_info("all partitions ended");
	arch_poweroff();
}

/* A CPU whose vCPU has finished (or never could start). */
static __attribute__((noreturn)) void cpu_finished(void)
{
	if (atomic_fetch_sub(&cpus_busy, 1) == 1)
		all_done();
	conout_idle();                  /* the console's idle drainer, or halted */
}

enum wait_result { WAIT_STARTED, WAIT_RESTART, WAIT_ENDED };

/* Wait for a SIPI (state STARTING) and claim it, or for the partition to
 * restart or end. */
static enum wait_result wait_for_sipi(struct vcpu *v, uint8_t *vector)
{
	for (;;) {
		uint32_t r = atomic_load(&v->run);

		if (partition_ended(v->part))
			return WAIT_ENDED;
		if (atomic_load(&v->part->restarting))
			return WAIT_RESTART;
		if (VCPU_RUN_STATE(r) == VCPU_STARTING &&
		    atomic_compare_exchange_strong(&v->run, &r, VCPU_RUNNING)) {
			*vector = VCPU_RUN_VECTOR(r);
			return WAIT_STARTED;
		}
		conout_drain();         /* idle in root mode: feed the console meanwhile */
		__builtin_ia32_pause();
	}
}

/*
 * Restart (on_reboot / on_crash = restart): every vCPU parks here once it is
 * out of guest mode; the last to arrive reloads the images into the
 * partition's RAM and resets the vCPUs' run states, then all go again. No
 * other partition is involved: its CPUs, RAM and devices are untouched.
 * Returns false if the partition ended meanwhile.
 */
static bool restart_barrier(struct vcpu *v)
{
	struct partition *p = v->part;
	unsigned gen = atomic_load(&p->generation);
	char why[200];

	if (partition_ended(p))
		return false;
	if (atomic_fetch_add(&p->parked, 1) + 1 == p->nvcpus) {
		/* Assigned devices first: bus mastering off, so no DMA lands in
		 * the fresh images (docs/pci.md). */
		vdevs_reset(p);
		if (load_images(p, why, sizeof(why))) {
			partition_stop(p, "restart failed: %s", why);
		} else {
			for (unsigned i = 0; i < p->nvcpus; i++)
				atomic_store(&p->vcpu[i]->run, i == 0 ? VCPU_RUNNING : VCPU_WAIT_SIPI);
			p->restarts++;
			log_guest(p, LOG_INFO, "partition %s: images reloaded, starting again (restart %u), Septum's heap %zu pages free",
				  p->name, p->restarts, heap_free_pages());
		}
		atomic_store(&p->parked, 0);
		atomic_store(&p->restarting, false);
		atomic_fetch_add(&p->generation, 1);
	} else {
		while (atomic_load(&p->generation) == gen && !partition_ended(p))
			__builtin_ia32_pause();
	}
	return !partition_ended(p);
}

/*
 * One vCPU's life on its CPU: the boot vCPU starts at the partition's entry,
 * the others wait for the guest's INIT/SIPI (kernel/exit/lapic.c emulates both).
 * A vCPU that gets an INIT leaves guest mode and waits for a SIPI again; a
 * restart sends every vCPU through restart_barrier() and back to the start.
 */
static void run_vcpu(struct vcpu *v)
{
	struct partition *p = v->part;
	bool at_entry = v->index == 0;
	uint32_t r;

	for (;;) {
		if (at_entry) {
			enum partition_state ready = PART_READY;

			atomic_compare_exchange_strong(&p->state, &ready, PART_RUNNING);
			if (partition_ended(p))
				return;
			pr_info("partition %s: vCPU 0 starting on CPU %u (%u-bit entry at 0x%llx)", p->name,
				(unsigned)v->cpu, p->entry_bits, (unsigned long long)p->entry_rip);
			vcpu_reset_boot(v);
		} else {
			uint8_t vector = 0;

			switch (wait_for_sipi(v, &vector)) {
			case WAIT_ENDED:
				return;
			case WAIT_RESTART:
				if (!restart_barrier(v))
					return;
				at_entry = v->index == 0;
				continue;
			case WAIT_STARTED:
				break;
			}
			pr_info("partition %s: vCPU %u starting on CPU %u (SIPI, real mode at 0x%x)", p->name,
				v->index, (unsigned)v->cpu, (unsigned)vector << 12);
			vcpu_reset_sipi(v, vector);
		}
		vcpu_enter(v);
		if (partition_ended(p))
			return;
		if (atomic_load(&p->restarting)) {
			if (!restart_barrier(v))
				return;
			at_entry = v->index == 0;
			continue;
		}
		/* Left guest mode for an INIT: wait for the start-up IPI. */
		r = VCPU_INIT;
		atomic_compare_exchange_strong(&v->run, &r, VCPU_WAIT_SIPI);
		at_entry = false;
	}
}

/* The last CPU to have its VMCS says what set-up left of the heap. */
static void setup_done(void)
{
	size_t total = (size_t)(boot->heap_size / PAGE_SIZE), left = heap_free_pages();

	if (atomic_fetch_add(&cpus_prepared, 1) + 1 != cpus_used)
		return;
	pr_info("memory: after set-up Septum's heap has %zu KiB in use of %zu KiB reserved, %zu pages free",
		(total - left) * 4, total * 4, left);
}

void kernel_cpu_main(void)
{
	cpuid_t cpu = arch_cpu_id();
	struct vcpu *v = cpu_vcpu[cpu];
	char why[200];

	/* Every CPU enters VMX operation, used or not: a CPU left outside it
	 * would be the one place a stray VMXON could still succeed. */
	if (cpu != 0 && (virt_check_cpu(why, sizeof(why)) || virt_enable_cpu(why, sizeof(why)))) {
		if (!v) {
			pr_warn("CPU %u: %s (no partition uses this CPU)", (unsigned)cpu, why);
			arch_halt_cpu();
		}
		partition_stop(v->part, "CPU %u: %s", (unsigned)cpu, why);
		cpu_finished();
	}
	if (!v) {
		pr_info("CPU %u: %s on, no partition: parked", (unsigned)cpu, backend->name);
		conout_idle();          /* parked: the console's idle drainer, or halted */
	}
	if (vcpu_prepare(v, why, sizeof(why))) {
		partition_stop(v->part, "CPU %u: %s", (unsigned)cpu, why);
		setup_done();
		cpu_finished();
	}
	setup_done();
	run_vcpu(v);
	cpu_finished();
}

/* Self-check of set-up: Septum's page tables (those the APs copy) map no
 * partition's RAM; only a CPU's window will (docs/security.md). */
static void check_ram_hidden(void)
{
	for (unsigned i = 0; i < npartitions; i++) {
		if (arch_ram_visible(partitions[i].ram, partitions[i].ram_size)) {
			pr_err("partition %s: its RAM is still mapped in Septum's page tables", partitions[i].name);
			halt_boot();
		}
	}
	pr_info("partition RAM: in none of Septum's page tables, only in a CPU's window while in use");
}

void kernel_main(const struct boot_info *bi)
{
	char why[200];
	unsigned used = 0;

	boot = bi;
	pr_info("Septum %d.%d: %u memory regions, %u files, config %llu bytes", SEPTUM_ABI_MAJOR,
		SEPTUM_ABI_MINOR, bi->nmem, bi->nfiles, (unsigned long long)bi->config.size);
	console_start();
	cpus_discover(bi);

	if (backend_choose()) {
		pr_err("CPU 0: no virtualisation backend can run partitions here");
		halt_boot();
	}
	build_machine(ncpus);
	read_config();
	check_reservation();

	npartitions = config.npartitions;
	for (unsigned i = 0; i < npartitions; i++)
		if (setup_partition(i, why, sizeof(why)))
			not_started(&partitions[i], why);
	check_ram_hidden();
	for (cpuid_t c = 0; c < ncpus; c++)
		if (cpu_vcpu[c])
			used++;
	if (!used) {
		pr_err("config unusable: no partition started");
		halt_boot();
	}
	atomic_store(&cpus_busy, used);
	cpus_used = used;

	if (virt_enable_cpu(why, sizeof(why))) {
		pr_err("CPU 0: %s", why);
		halt_boot();
	}
	pr_info("%s on; %zu KiB of Septum's heap left", backend->name, heap_free_pages() * 4);
	smp_start_aps(bi);
	for (cpuid_t c = 1; c < ncpus; c++) {
		if (cpu_vcpu[c] && !ap_online(c)) {
			partition_stop(cpu_vcpu[c]->part, "CPU %u did not come online", (unsigned)c);
			if (atomic_fetch_sub(&cpus_busy, 1) == 1)
				all_done();
		}
	}
	kernel_cpu_main();
}

// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <septum/linux_boot.h>
#include <septum/loader.h>
#include <septum/vacpi.h>
#include <septum/why.h>

/* Guest page-table bits (SDM Vol. 3A §4.5): present, writable, page size. */
#define GPTE_P  BIT(0)
#define GPTE_W  BIT(1)
#define GPTE_PS BIT(7)

static void put64(struct partition *p, uint64_t gpa, uint64_t v)
{
	memcpy(p->ram_hva + gpa, &v, sizeof(v));
}

/* Identity map for a 64-bit guest: 0..4 GiB with 2 MiB pages; with 1 GiB
 * pages also 4..512 GiB, so a guest can name any address it likes (and find
 * out, through EPT, that it owns only its RAM). These tables are the guest's
 * own memory: they grant nothing. */
static void build_identity_map(struct partition *p, bool gbpages)
{
	put64(p, GUEST_PML4_GPA, GUEST_PDPT_GPA | GPTE_P | GPTE_W);
	for (uint64_t g = 0; g < 512; g++) {
		if (g < 4)
			put64(p, GUEST_PDPT_GPA + g * 8, (GUEST_PD_GPA + g * PAGE_SIZE) | GPTE_P | GPTE_W);
		else if (gbpages)
			put64(p, GUEST_PDPT_GPA + g * 8, (g << 30) | GPTE_P | GPTE_W | GPTE_PS);
	}
	for (uint64_t i = 0; i < 4 * 512; i++)
		put64(p, GUEST_PD_GPA + i * 8, (i << 21) | GPTE_P | GPTE_W | GPTE_PS);
	p->entry_cr3 = GUEST_PML4_GPA;
}

int partition_load_elf(struct partition *p, const void *image, size_t size, bool gbpages,
		       char *why, size_t whylen)
{
	struct elf_image img;

	if (elf_parse(image, size, &img, why, whylen) || elf_check_fits(&img, p->ram_size, why, whylen))
		return -1;
	if (p->ram_size < ELF_GUEST_LOAD_MIN) {
		snprintf(why, whylen, "partition RAM smaller than 1 MiB");
		return -1;
	}
	memset(p->ram_hva, 0, p->ram_size);
	elf_load(&img, image, p->ram_hva, p->ram_size);

	/* GDT (SDM Vol. 3A §3.4.5): null, flat code (64-bit or 32-bit), flat data. */
	put64(p, GUEST_GDT_GPA, 0);
	put64(p, GUEST_GDT_GPA + 8, img.bits == 64 ? 0x00af9a000000ffffull : 0x00cf9a000000ffffull);
	put64(p, GUEST_GDT_GPA + 16, 0x00cf92000000ffffull);
	if (img.bits == 64)
		build_identity_map(p, gbpages);
	p->entry_bits = img.bits;
	p->entry_rip = img.entry;
	p->entry_cs = 0x08;
	p->entry_ds = 0x10;
	p->gdt_limit = 3 * 8 - 1;
	p->os_guest = false;
	return 0;
}

/* Low memory of a guest-OS partition, Linux and multiboot alike: Septum's
 * boot structures (GDT, zero page or boot information, command line), the
 * ACPI tables, RAM the guest may use (Linux puts its real-mode trampoline
 * there), then the legacy VGA/BIOS hole. */
static const struct mem_range os_low_memory[] = {
	{ 0, GUEST_ACPI_GPA, MEM_RESERVED },
	{ GUEST_ACPI_GPA, GUEST_LOW_FREE - GUEST_ACPI_GPA, MEM_ACPI },
	{ 0xa0000, 0x60000, MEM_RESERVED },
};

/*
 * The reset vector of a guest OS partition. A PC's firmware sits at
 * F000:FFF0, and an OS that has tried everything else jumps there in real
 * mode to reboot (Linux's BOOT_BIOS, its fallback when EFI reset is not
 * offered, which is its choice on hardware-reduced ACPI). A partition has
 * no firmware: this stub stands in for it and asks for a reset the way the
 * FADT says, RST_CPU through the Reset Control register 0xcf9, which
 * on_reboot then handles.
 */
static void install_reset_stub(struct partition *p)
{
	static const uint8_t stub[] = {
		0xba, 0xf9, 0x0c,       /* mov dx, 0xcf9 */
		0xb0, 0x06,             /* mov al, 6 (SYS_RST | RST_CPU) */
		0xee,                   /* out dx, al */
		0xeb, 0xfe,             /* jmp $ (not reached) */
	};

	memcpy(p->ram_hva + GUEST_RESET_VECTOR, stub, sizeof(stub));
}

/* The partition's synthesised ACPI tables at GUEST_ACPI_GPA (docs/vacpi.md). */
static int build_acpi(struct partition *p, const uint32_t *apic_ids, unsigned ncpus,
		      struct vacpi_layout *layout, char *why, size_t whylen)
{
	const struct vacpi_desc acpi = {
		.oem_id = "SEPTUM", .name = p->name, .ncpus = ncpus, .apic_ids = apic_ids,
		.flags = VACPI_F_RESET_REG, .ram_size = p->ram_size,
	};

	return vacpi_build(p->ram_hva + GUEST_ACPI_GPA, GUEST_LOW_FREE - GUEST_ACPI_GPA, GUEST_ACPI_GPA,
			   &acpi, layout, why, whylen);
}

int partition_load_linux(struct partition *p, const void *image, size_t size, const void *initrd,
			 size_t initrd_size, const uint32_t *apic_ids, unsigned ncpus, bool gbpages,
			 char *why, size_t whylen)
{
	struct vacpi_layout layout;
	struct linux_image img;
	struct linux_boot out;
	struct linux_boot_args args = {
		.cmdline = p->cfg ? p->cfg->cmdline : "",
		.initrd = initrd, .initrd_size = initrd_size,
		.zero_page = GUEST_ZERO_PAGE_GPA,
		.cmdline_gpa = GUEST_CMDLINE_GPA, .cmdline_max = GUEST_ACPI_GPA - GUEST_CMDLINE_GPA,
		.reserved = os_low_memory, .nreserved = ARRAY_SIZE(os_low_memory),
	};

	if (linux_parse_bzimage(image, size, &img, why, whylen))
		return -1;
	memset(p->ram_hva, 0, p->ram_size);
	if (build_acpi(p, apic_ids, ncpus, &layout, why, whylen))
		return -1;
	install_reset_stub(p);
	args.acpi_rsdp = layout.rsdp.v;
	if (linux_build_boot_params(&img, image, size, p->ram_hva, p->ram_size, &args, &out, why, whylen))
		return -1;

	/* GDT (boot.rst, 64-bit boot protocol): __BOOT_CS = 0x10, __BOOT_DS = 0x18. */
	put64(p, GUEST_GDT_GPA, 0);
	put64(p, GUEST_GDT_GPA + 8, 0);
	put64(p, GUEST_GDT_GPA + LINUX_BOOT_CS, 0x00af9a000000ffffull);
	put64(p, GUEST_GDT_GPA + LINUX_BOOT_DS, 0x00cf92000000ffffull);
	build_identity_map(p, gbpages);
	p->entry_bits = 64;
	p->entry_rip = out.entry;
	p->entry_rsi = out.boot_params;
	p->entry_cs = LINUX_BOOT_CS;
	p->entry_ds = LINUX_BOOT_DS;
	p->gdt_limit = 4 * 8 - 1;
	p->os_guest = true;
	p->sleep_port = layout.sleep_ctl_port;
	return 0;
}

/*
 * Multiboot v1 §3.2 and Multiboot2 "I386 machine state": EAX magic, EBX
 * the boot information, CS a flat 32-bit read/execute segment, the other
 * segments flat read/write, CR0.PG clear, CR0.PE set, EFLAGS.IF and VM
 * clear. The GDT Septum leaves at GUEST_GDT_GPA is the one those selectors
 * come from; the specs let the kernel assume nothing about GDTR.
 */
int partition_load_multiboot(struct partition *p, const void *image, size_t size,
			     const struct mb_module *mods, unsigned nmods, const uint32_t *apic_ids,
			     unsigned ncpus, char *why, size_t whylen)
{
	/* The kernel and modules go at or above 1 MiB (mb_build()). */
	struct mb_boot_args args = {
		.cmdline = p->cfg ? p->cfg->cmdline : "",
		.mods = mods, .nmods = nmods,
		.reserved = os_low_memory, .nreserved = ARRAY_SIZE(os_low_memory),
		.info_gpa = GUEST_MB_INFO_GPA, .info_size = GUEST_ACPI_GPA - GUEST_MB_INFO_GPA,
	};
	struct vacpi_layout layout;
	struct mb_image img;
	struct mb_boot out;

	if (mb_parse(image, size, 0, &img, why, whylen))
		return -1;
	if (p->ram_size < ELF_GUEST_LOAD_MIN)
		return why_fail(why, whylen, "partition RAM smaller than 1 MiB");
	memset(p->ram_hva, 0, p->ram_size);
	if (build_acpi(p, apic_ids, ncpus, &layout, why, whylen))
		return -1;
	install_reset_stub(p);
	args.acpi_rsdp = layout.rsdp.v;
	if (mb_build(&img, image, size, p->ram_hva, p->ram_size, &args, &out, why, whylen))
		return -1;

	/* GDT (SDM Vol. 3A §3.4.5): null, flat 32-bit code (0x08), flat data (0x10). */
	put64(p, GUEST_GDT_GPA, 0);
	put64(p, GUEST_GDT_GPA + 8, 0x00cf9a000000ffffull);
	put64(p, GUEST_GDT_GPA + 16, 0x00cf92000000ffffull);
	p->entry_bits = 32;
	p->entry_rip = out.eip;
	p->entry_rax = out.eax;
	p->entry_rbx = out.ebx;
	p->entry_rsi = 0;
	p->entry_cr3 = 0;
	p->entry_cs = 0x08;
	p->entry_ds = 0x10;
	p->gdt_limit = 3 * 8 - 1;
	p->os_guest = true;               /* an OS: its interrupts, HLT in hardware, ACPI S5 */
	p->sleep_port = layout.sleep_ctl_port;
	return 0;
}

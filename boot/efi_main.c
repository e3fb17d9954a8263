/* SPDX-License-Identifier: MIT */
/*
 * BOOTX64.EFI: Septum's UEFI loader.
 *
 * Everything UEFI knows that the core needs is gathered here, before
 * ExitBootServices, into one struct boot_info (kernel/include/septum/
 * boot_info.h): the config and the images it names, the core placed and
 * relocated below 4 GiB with its heap, a trampoline page below 1 MiB, the
 * CPUs from MP services, the ACPI RSDP and the final memory map. Then the
 * core is called and nothing looks back at UEFI.
 *
 * gnu-efi code is System V; only calls into firmware go through
 * uefi_call_wrapper. The core is entered with a plain SysV call.
 */
#include "loader.h"
#include "cfg_scan.h"
#include "elf_load.h"

#define CONFIG_NAME "septum.cfg"
#define CORE_NAME   "septum.elf"

#define SZ_2MIB         (2ull << 20)
#define BELOW_4G        0xffffffffull
#define BELOW_1M        0xfffffull

/* ------------------------------------------------------------ helpers */

EFI_STATUS boot_fail(EFI_STATUS st, const CHAR16 *fmt, ...)
{
	va_list ap;

	Print(L"septum-boot: error: ");
	va_start(ap, fmt);
	VPrint(fmt, ap);
	va_end(ap);
	Print(L"\n");
	return st;
}

void boot_warn(const CHAR16 *fmt, ...)
{
	va_list ap;

	Print(L"septum-boot: warning: ");
	va_start(ap, fmt);
	VPrint(fmt, ap);
	va_end(ap);
	Print(L"\n");
}

/* Every allocation, so the error path can give it all back: a loader that
 * fails should not leave hundreds of MiB of EfiLoaderData to the next boot
 * option. Files + core + its image buffer + boot_info + trampoline. */
static struct {
	UINT64 addr;
	UINTN  pages;
} allocs[BOOT_MAX_FILES + 8];
static UINTN nallocs;

EFI_STATUS boot_alloc_pages(EFI_ALLOCATE_TYPE how, UINTN pages, UINT64 *addr,
			    const CHAR16 *what)
{
	EFI_PHYSICAL_ADDRESS a = *addr;
	EFI_STATUS st;

	if (nallocs == sizeof(allocs) / sizeof(allocs[0]))
		return boot_fail(EFI_OUT_OF_RESOURCES, L"too many allocations (loader bug)");
	st = uefi_call_wrapper(BS->AllocatePages, 4, how, EfiLoaderData, pages, &a);
	if (EFI_ERROR(st))
		return boot_fail(st, L"cannot allocate %ld pages for %s%a: %r", (UINT64)pages, what,
				 how == AllocateMaxAddress ? " below the required limit" : "", st);
	allocs[nallocs].addr = a;
	allocs[nallocs].pages = pages;
	nallocs++;
	*addr = a;
	return EFI_SUCCESS;
}

void boot_free_pages(UINT64 addr, UINTN pages)
{
	UINTN i;

	uefi_call_wrapper(BS->FreePages, 2, addr, pages);
	for (i = 0; i < nallocs; i++) {
		UINT64 end = allocs[i].addr + allocs[i].pages * BOOT_PAGE;

		if (addr == allocs[i].addr) {         /* whole, or head trimmed */
			allocs[i].addr += pages * BOOT_PAGE;
			allocs[i].pages -= pages;
		} else if (addr + pages * BOOT_PAGE == end) { /* tail trimmed */
			allocs[i].pages -= pages;
		} else {
			continue;
		}
		if (allocs[i].pages == 0)
			allocs[i] = allocs[--nallocs];
		return;
	}
}

void boot_free_all(void)
{
	while (nallocs) {
		nallocs--;
		uefi_call_wrapper(BS->FreePages, 2, allocs[nallocs].addr, allocs[nallocs].pages);
	}
}

/* ------------------------------------------------------------ steps */

static EFI_STATUS alloc_boot_info(struct boot_info **out)
{
	UINT64 addr = 0;
	EFI_STATUS st = boot_alloc_pages(AllocateAnyPages, BOOT_PAGES(sizeof(struct boot_info)),
					 &addr, L"boot_info");
	struct boot_info *bi = (struct boot_info *)(UINTN)addr;

	if (EFI_ERROR(st))
		return st;
	SetMem(bi, sizeof(*bi), 0);
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	*out = bi;
	return EFI_SUCCESS;
}

/* The config, then every distinct kernel/initrd/module file it names. */
static EFI_STATUS load_config_and_images(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	static char names[BOOT_MAX_FILES][BOOT_NAME_MAX];
	struct cfg_scan_error err;
	unsigned n, i;
	EFI_STATUS st;

	st = fs_load(root, CONFIG_NAME, &bi->config);
	if (EFI_ERROR(st))
		return st;
	if (cfg_scan_images((const char *)(UINTN)bi->config.addr, bi->config.size, names,
			    BOOT_MAX_FILES, &n, &err))
		return boot_fail(EFI_INVALID_PARAMETER, L"\\septum\\" CONFIG_NAME L":%d: %a",
				 err.line, err.reason);
	for (i = 0; i < n; i++) {
		st = fs_load(root, names[i], &bi->files[i]);
		if (EFI_ERROR(st))
			return boot_fail(st, L"image %a named by \\septum\\" CONFIG_NAME
					 L" could not be loaded", names[i]);
		bi->nfiles = i + 1;
	}
	return EFI_SUCCESS;
}

/*
 * Septum's heap, sized for this config on this machine (septum/reserve.h):
 * the partitions from a scan of septum.cfg, the CPUs from MP services, the
 * identity map from the memory map as it is now. The large-page EPT split
 * reserve is always counted: the loader cannot ask the CPU whether the
 * core will need it. The core checks its real needs against this figure.
 */
static EFI_STATUS heap_bytes(struct boot_info *bi, UINT64 image_size, UINT64 *bytes)
{
	struct reserve_in in = { 0 };
	struct reserve_out out;
	EFI_STATUS st = memmap_now(bi);

	if (EFI_ERROR(st))
		return st;
	cfg_scan_sizes((const char *)(UINTN)bi->config.addr, bi->config.size, &in);
	in.ncpus = bi->ncpus;
	in.ept_split = true;
	in.mem = bi->mem;
	in.nmem = bi->nmem;
	in.image_size = image_size;
	reserve_compute(&in, &out);
#ifdef BOOT_TEST_HEAP_PAGES
	/* Test-only build: a reservation too small for the config, so the
	 * core's refusal can be seen (docs/boot.md, "Debugging"). */
	out.total = BOOT_TEST_HEAP_PAGES;
#endif
	bi->nmem = 0; /* exit_boot_services() fills the final map */
	Print(L"septum-boot: reserving %ld KiB for Septum's heap: page tables %ld, %d CPUs x %ld, "
	      L"%d partition(s) %ld, margin %ld (4 KiB pages)\n", (UINT64)out.total * 4,
	      (UINT64)out.paging, in.ncpus, (UINT64)out.cpu_each, in.nparts,
	      (UINT64)(out.need - out.paging - out.cpus), (UINT64)out.margin);
	*bytes = (UINT64)out.total * BOOT_PAGE;
	return EFI_SUCCESS;
}

/*
 * One block below 4 GiB (APs start in real mode and the trampoline's
 * 32-bit leg must reach the core) holding the image and its heap. The
 * block is 2 MiB aligned, by over-allocating and trimming, so the core can
 * map itself with large pages.
 */
static EFI_STATUS alloc_core_block(UINT64 bytes, UINT64 *base)
{
	UINTN pages = BOOT_PAGES(bytes), slack = SZ_2MIB / BOOT_PAGE - 1, head;
	UINT64 raw = BELOW_4G, aligned;
	EFI_STATUS st;

	st = boot_alloc_pages(AllocateMaxAddress, pages + slack, &raw, L"septum.elf and its heap");
	if (EFI_ERROR(st))
		return st;
	aligned = (raw + SZ_2MIB - 1) & ~(SZ_2MIB - 1);
	head = (aligned - raw) / BOOT_PAGE;
	if (head)
		boot_free_pages(raw, head);
	if (slack - head)
		boot_free_pages(aligned + pages * BOOT_PAGE, slack - head);
	*base = aligned;
	return EFI_SUCCESS;
}

static EFI_STATUS elf_fail(const struct elf_error *err)
{
	if (err->has_value)
		return boot_fail(EFI_LOAD_ERROR, L"\\septum\\" CORE_NAME L": %a: %ld (0x%lx)",
				 err->reason, err->value, err->value);
	return boot_fail(EFI_LOAD_ERROR, L"\\septum\\" CORE_NAME L": %a", err->reason);
}

static EFI_STATUS load_core(EFI_FILE_HANDLE root, struct boot_info *bi, UINT64 *entry)
{
	struct boot_file file;
	struct elf_info info;
	struct elf_error err;
	UINT64 base = 0, heap;
	EFI_STATUS st;

	st = fs_load(root, CORE_NAME, &file);
	if (EFI_ERROR(st))
		return st;
	if (elf_check((const void *)(UINTN)file.addr, file.size, &info, &err)) {
		st = elf_fail(&err);
		goto out;
	}
	st = heap_bytes(bi, info.span, &heap);
	if (!EFI_ERROR(st))
		st = alloc_core_block(info.span + heap, &base);
	if (EFI_ERROR(st))
		goto out;
	if (elf_place((const void *)(UINTN)file.addr, file.size, &info, base, &err)) {
		st = elf_fail(&err);
		goto out;
	}
	bi->image_base = base;
	bi->image_size = info.span;
	bi->heap_base = base + info.span;
	bi->heap_size = heap;
	*entry = info.entry;
out:
	/* The file copy is no longer needed: its pages go back to the firmware. */
	boot_free_pages(file.addr, file.size ? BOOT_PAGES(file.size) : 1);
	return st;
}

/* One page below 1 MiB for the AP start-up code (SIPI vectors address
 * 4 KiB pages under 1 MiB, Intel SDM Vol. 3A 8.4.4.1), never page 0. */
static EFI_STATUS alloc_trampoline(struct boot_info *bi)
{
	UINT64 page = BELOW_1M, zero;
	EFI_STATUS st;

	st = boot_alloc_pages(AllocateMaxAddress, 1, &page, L"the AP trampoline (below 1 MiB)");
	if (EFI_ERROR(st))
		return st;
	if (page == 0) {
		/* Keep page 0 while asking again, so we cannot get it back. */
		zero = page;
		page = BELOW_1M;
		st = boot_alloc_pages(AllocateMaxAddress, 1, &page,
				      L"the AP trampoline (below 1 MiB, not page 0)");
		boot_free_pages(zero, 1);
		if (EFI_ERROR(st))
			return st;
	}
	bi->trampoline = page;
	return EFI_SUCCESS;
}

/* ACPI RSDP from the configuration table (UEFI 2.9, 4.6): 2.0 preferred. */
static UINT64 find_rsdp(const CHAR16 **which)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	UINT64 v1 = 0;
	UINTN i;

	for (i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20)) {
			*which = L"ACPI 2.0+";
			return (UINT64)(UINTN)t->VendorTable;
		}
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			v1 = (UINT64)(UINTN)t->VendorTable;
	}
	*which = v1 ? L"ACPI 1.0" : L"none";
	return v1;
}

static void print_summary(const struct boot_info *bi, UINT64 entry, const CHAR16 *rsdp_kind)
{
	UINT32 i;

	Print(L"septum-boot: config \\septum\\%a: %ld bytes\n", bi->config.name, bi->config.size);
	for (i = 0; i < bi->nfiles; i++)
		Print(L"septum-boot: image %a: %ld bytes at 0x%lx\n", bi->files[i].name,
		      bi->files[i].size, bi->files[i].addr);
	Print(L"septum-boot: %d CPUs, APIC ids:", bi->ncpus);
	for (i = 0; i < bi->ncpus; i++)
		Print(L" %d%a%a", bi->cpus[i].apic_id,
		      (bi->cpus[i].flags & BOOT_CPU_BSP) ? "(BSP)" : "",
		      (bi->cpus[i].flags & BOOT_CPU_ENABLED) ? "" : "(disabled)");
	Print(L"\n");
	Print(L"septum-boot: RSDP 0x%lx (%s)\n", bi->rsdp, rsdp_kind);
	Print(L"septum-boot: septum.elf at 0x%lx, image 0x%lx bytes, entry 0x%lx; "
	      L"heap 0x%lx bytes at 0x%lx\n", bi->image_base, bi->image_size,
	      bi->image_base + entry, bi->heap_size, bi->heap_base);
	Print(L"septum-boot: AP trampoline page 0x%lx\n", bi->trampoline);
	Print(L"septum-boot: exiting boot services, entering the core\n");
}

typedef void (*core_entry_t)(struct boot_info *bi);

/* boot_info.h: 64-bit, interrupts off, UEFI's identity map, SysV call. */
static void __attribute__((noreturn)) enter_core(struct boot_info *bi, UINT64 entry)
{
	core_entry_t core = (core_entry_t)(UINTN)(bi->image_base + entry);

	__asm__ volatile("cli" ::: "memory");
	core(bi);
	for (;;) /* the core never returns; if it does, stop here */
		__asm__ volatile("cli; hlt" ::: "memory");
}

static EFI_STATUS gather(EFI_HANDLE image, struct boot_info **bip, UINT64 *entry)
{
	EFI_FILE_HANDLE root = NULL;
	const CHAR16 *rsdp_kind = L"none";
	struct boot_info *bi;
	EFI_STATUS st;

	st = alloc_boot_info(&bi);
	if (!EFI_ERROR(st))
		st = fs_open_root(image, &root);
	if (!EFI_ERROR(st))
		st = load_config_and_images(root, bi);
	if (!EFI_ERROR(st))
		st = cpus_enumerate(bi); /* before load_core: the heap is sized from the CPUs */
	if (!EFI_ERROR(st))
		st = load_core(root, bi, entry);
	if (!EFI_ERROR(st))
		st = alloc_trampoline(bi);
	if (root)
		uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return st;
	bi->rsdp = find_rsdp(&rsdp_kind);
	print_summary(bi, *entry, rsdp_kind);
	*bip = bi;
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct boot_info *bi = NULL;
	UINT64 entry = 0;
	EFI_STATUS st;

	InitializeLib(image, systab);
	Print(L"septum-boot: Septum UEFI loader\n");
	st = gather(image, &bi, &entry);
	if (EFI_ERROR(st)) {
		boot_free_all();
		Print(L"septum-boot: boot aborted (%r)\n", st);
		return st;
	}
	/* exit_boot_services prints only while the console is certain to
	 * work; after a failed attempt nothing may be freed or printed. */
	st = exit_boot_services(image, bi);
	if (EFI_ERROR(st))
		return st;
	enter_core(bi, entry);
}

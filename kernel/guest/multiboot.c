/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 and v2 kernels. See septum/multiboot.h for the contract.
 *
 * Sources: Multiboot Specification 0.6.96 (§3.1 "OS image format", §3.2
 * "Machine state", §3.3 "Boot information format") and Multiboot2
 * Specification 1.6 ("OS image format", "Header tags", "I386 machine state",
 * "Boot information format", "Basic tags structure" and the tag sections).
 * The image is untrusted: it is read with memcpy, and every value taken from
 * it is bounded before it is added to anything. The boot information is
 * written through offsetof() on the packed spec structs, whose layouts the
 * _Static_asserts pin down.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <septum/multiboot.h>
#include <septum/why.h>

#define SZ_1M       (1ull << 20)
#define SZ_4G       (1ull << 32)
#define LOWER_MAX   (640u << 10)        /* v1 §3.3: mem_lower is at most 640 KiB */

/* v1 §3.1.2 header flags: bits 0-15 are requirements, 16-31 optional features. */
#define MB1_PAGE_ALIGN   BIT(0)         /* modules on 4 KiB boundaries */
#define MB1_MEMORY_INFO  BIT(1)         /* mem_* (and mmap) wanted */
#define MB1_VIDEO_MODE   BIT(2)         /* video mode table wanted: not provided */
#define MB1_AOUT_KLUDGE  BIT(16)        /* the address fields are valid */
#define MB1_REQUIRED     0xffffull
#define MB1_KNOWN_REQ    (MB1_PAGE_ALIGN | MB1_MEMORY_INFO)

/* v1 §3.3 boot information flags. */
#define MBI1_MEM         BIT(0)
#define MBI1_CMDLINE     BIT(2)
#define MBI1_MODS        BIT(3)
#define MBI1_MMAP        BIT(6)
#define MBI1_LOADER_NAME BIT(9)

/* v1 §3.1.2/§3.1.3: magic, flags, checksum, then the address fields. */
struct mb1_header {
	uint32_t magic;                 /*  0 */
	uint32_t flags;                 /*  4 */
	uint32_t checksum;              /*  8 */
	uint32_t header_addr;           /* 12: flags bit 16 */
	uint32_t load_addr;             /* 16 */
	uint32_t load_end_addr;         /* 20 */
	uint32_t bss_end_addr;          /* 24 */
	uint32_t entry_addr;            /* 28 */
};
_Static_assert(offsetof(struct mb1_header, header_addr) == 12, "multiboot v1 §3.1.3");
_Static_assert(sizeof(struct mb1_header) == 32, "multiboot v1 §3.1.3");
#define MB1_FIXED 12u

/* v1 §3.3 boot information, up to the VBE fields (flag 12, framebuffer, is never set). */
struct mb1_info {
	uint32_t flags;                 /*  0 */
	uint32_t mem_lower;             /*  4 */
	uint32_t mem_upper;             /*  8 */
	uint32_t boot_device;           /* 12 */
	uint32_t cmdline;               /* 16 */
	uint32_t mods_count;            /* 20 */
	uint32_t mods_addr;             /* 24 */
	uint32_t syms[4];               /* 28 */
	uint32_t mmap_length;           /* 44 */
	uint32_t mmap_addr;             /* 48 */
	uint32_t drives_length;         /* 52 */
	uint32_t drives_addr;           /* 56 */
	uint32_t config_table;          /* 60 */
	uint32_t boot_loader_name;      /* 64 */
	uint32_t apm_table;             /* 68 */
	uint32_t vbe_control_info;      /* 72 */
	uint32_t vbe_mode_info;         /* 76 */
	uint16_t vbe_mode;              /* 80 */
	uint16_t vbe_interface_seg;     /* 82 */
	uint16_t vbe_interface_off;     /* 84 */
	uint16_t vbe_interface_len;     /* 86 */
};
_Static_assert(offsetof(struct mb1_info, cmdline) == 16, "multiboot v1 §3.3");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "multiboot v1 §3.3");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "multiboot v1 §3.3");
_Static_assert(sizeof(struct mb1_info) == 88, "multiboot v1 §3.3");

/* v1 §3.3 memory map entry: size (of the rest) at -4, so base sits at 4. */
struct mb1_mmap_entry {
	uint32_t size;
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
} __attribute__((packed));
_Static_assert(offsetof(struct mb1_mmap_entry, base_addr) == 4, "multiboot v1 §3.3");
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "multiboot v1 §3.3");

struct mb1_module {
	uint32_t mod_start, mod_end, string, reserved;
};
_Static_assert(sizeof(struct mb1_module) == 16, "multiboot v1 §3.3");

/* v2 "OS image format": the fixed part, then 8-byte aligned tags. */
struct mb2_header {
	uint32_t magic;
	uint32_t architecture;          /* 0: i386 32-bit protected mode */
	uint32_t header_length;
	uint32_t checksum;
};
_Static_assert(sizeof(struct mb2_header) == 16, "multiboot2 header");

struct mb2_tag {                        /* v2 "General tag structure" */
	uint16_t type;
	uint16_t flags;                 /* bit 0: optional */
	uint32_t size;
};
_Static_assert(sizeof(struct mb2_tag) == 8, "multiboot2 header tag");

#define MB2_ARCH_I386        0u
#define MB2_TAG_OPTIONAL     1u
enum {
	MB2_HTAG_END = 0, MB2_HTAG_INFO_REQ = 1, MB2_HTAG_ADDRESS = 2, MB2_HTAG_ENTRY = 3,
	MB2_HTAG_CONSOLE = 4, MB2_HTAG_FRAMEBUFFER = 5, MB2_HTAG_MODULE_ALIGN = 6,
	MB2_HTAG_EFI_BS = 7, MB2_HTAG_ENTRY_EFI32 = 8, MB2_HTAG_ENTRY_EFI64 = 9,
	MB2_HTAG_RELOCATABLE = 10,
};
#define MB2_CONSOLE_REQUIRED BIT(0)     /* console flags tag: a console must be present */

/* v2 address tag body, after the tag header ("The address tag of Multiboot2 header"). */
struct mb2_address {
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr;
};
#define MB2_LOAD_FROM_START 0xffffffffu /* load_addr -1: the file loads from its first byte */

/* v2 boot information tags Septum writes ("Boot information format"). */
enum {
	MBI2_END = 0, MBI2_CMDLINE = 1, MBI2_LOADER_NAME = 2, MBI2_MODULE = 3, MBI2_MEMINFO = 4,
	MBI2_MMAP = 6, MBI2_ACPI_OLD = 14, MBI2_ACPI_NEW = 15,
};

struct mb2_mmap_entry {
	uint64_t base_addr, length;
	uint32_t type, reserved;
};
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 mmap entry");

/* ACPI RSDP (ACPI 6.5 §5.2.5.3): revision at 15, length (revision >= 2) at 20. */
#define RSDP_V1_LEN    20u
#define RSDP_REV_OFF   15u
#define RSDP_LEN_OFF   20u
#define RSDP_V2_LEN    36u

static unsigned long ul(uint64_t v)
{
	return (unsigned long)v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* ------------------------------------------------------------ finding headers */

/*
 * First header of this kind: a magic at an aligned offset, wholly inside
 * the search window, whose checksum holds (a magic without one may just be
 * data, so the search goes on, as boot loaders do). Reported on failure:
 * the first magic with a bad checksum, else the first unaligned magic.
 */
struct hdr_search {
	uint32_t magic;
	uint64_t window, align, fixed;  /* search span, header alignment, fixed-part bytes */
};

static uint32_t fixed_sum(const uint8_t *p, unsigned v)
{
	/* v1: magic + flags + checksum; v2: magic + arch + length + checksum. */
	uint32_t s = rd32(p) + rd32(p + 4) + rd32(p + 8);

	return v == 2 ? s + rd32(p + 12) : s;
}

static int find_header(const uint8_t *p, size_t size, unsigned v, uint64_t *at, char *why, size_t whylen)
{
	const struct hdr_search hs = v == 1 ? (struct hdr_search){ MB1_HEADER_MAGIC, MB1_SEARCH, 4, MB1_FIXED }
					    : (struct hdr_search){ MB2_HEADER_MAGIC, MB2_SEARCH, 8, 16 };
	const uint64_t span = min64(size, hs.window);
	uint64_t bad_sum = UINT64_MAX, unaligned = UINT64_MAX;

	for (uint64_t off = 0; off + hs.fixed <= span; off++) {
		if (rd32(p + off) != hs.magic)
			continue;
		if (!IS_ALIGNED(off, hs.align)) {
			unaligned = min64(unaligned, off);
			continue;
		}
		if (fixed_sum(p + off, v) == 0) {
			*at = off;
			return 0;
		}
		bad_sum = min64(bad_sum, off);
	}
	if (bad_sum != UINT64_MAX)
		return why_fail(why, whylen, "multiboot%s header at 0x%lx: checksum wrong",
				v == 1 ? "" : "2", ul(bad_sum));
	if (unaligned != UINT64_MAX)
		return why_fail(why, whylen, "multiboot%s magic at 0x%lx is not %lu-byte aligned",
				v == 1 ? "" : "2", ul(unaligned), ul(hs.align));
	return why_fail(why, whylen, "no multiboot%s header (magic 0x%x) in the first %lu bytes",
			v == 1 ? "" : "2", hs.magic, ul(hs.window));
}

static bool has_magic(const uint8_t *p, size_t size, uint32_t magic, uint64_t window)
{
	const uint64_t span = min64(size, window);

	for (uint64_t off = 0; off + 4 <= span; off++)
		if (rd32(p + off) == magic)
			return true;
	return false;
}

unsigned mb_detect(const void *img, size_t size)
{
	char why[MB_WHY_MAX];
	uint64_t at;

	if (find_header(img, size, 2, &at, why, sizeof(why)) == 0)
		return 2;
	if (find_header(img, size, 1, &at, why, sizeof(why)) == 0)
		return 1;
	return 0;
}

/* ------------------------------------------------------------ what to load */

/*
 * The address fields (v1 §3.1.3, v2 address tag): the file from
 * header_off - (header_addr - load_addr) is loaded at load_addr, up to
 * load_end_addr (0: the end of the file), then zeroed up to bss_end_addr
 * (0: no bss). The entry point must lie in what was loaded.
 */
static int use_address_fields(const struct mb2_address *a, uint32_t entry, uint64_t header_off,
			      size_t size, struct mb_image *out, char *why, size_t whylen)
{
	uint64_t load = a->load_addr, load_end;

	if (out->version == 2 && a->load_addr == MB2_LOAD_FROM_START) {
		if (a->header_addr < header_off)
			return why_fail(why, whylen, "header_addr 0x%x below its file offset 0x%lx",
					a->header_addr, ul(header_off));
		load = a->header_addr - header_off;
	}
	if (load > a->header_addr)
		return why_fail(why, whylen, "load_addr 0x%lx above header_addr 0x%x", ul(load), a->header_addr);
	if (a->header_addr - load > header_off)
		return why_fail(why, whylen, "load_addr 0x%lx starts 0x%lx bytes before the file does",
				ul(load), ul(a->header_addr - load - header_off));
	out->load_addr = load;
	out->load_offset = header_off - (a->header_addr - load);
	load_end = a->load_end_addr ? a->load_end_addr : load + (size - out->load_offset);
	if (load_end <= load)
		return why_fail(why, whylen, "load_end_addr 0x%x is not above load_addr 0x%lx",
				a->load_end_addr, ul(load));
	out->load_size = load_end - load;
	if (out->load_size > size - out->load_offset)
		return why_fail(why, whylen, "load_end_addr 0x%lx reaches past the end of the file (0x%lx bytes loadable)",
				ul(load_end), ul(size - out->load_offset));
	out->bss_end = a->bss_end_addr ? a->bss_end_addr : load_end;
	if (out->bss_end < load_end)
		return why_fail(why, whylen, "bss_end_addr 0x%x is below load_end_addr 0x%lx",
				a->bss_end_addr, ul(load_end));
	if (out->bss_end > SZ_4G)
		return why_fail(why, whylen, "image 0x%lx..0x%lx reaches past 4 GiB", ul(load), ul(out->bss_end));
	if (entry < load || entry >= out->bss_end)
		return why_fail(why, whylen, "entry_addr 0x%x is outside the image 0x%lx..0x%lx",
				entry, ul(load), ul(out->bss_end));
	out->elf = false;
	out->entry = entry;
	out->image_low = load;
	out->image_end = out->bss_end;
	return 0;
}

/* No address fields: an ELF image, entered in 32-bit protected mode, so
 * everything (entry included) below 4 GiB. */
static int use_elf(const uint8_t *p, size_t size, struct mb_image *out, char *why, size_t whylen)
{
	const struct elf_image *e = &out->elf_img;

	if (elf_parse(p, size, &out->elf_img, why, whylen))
		return -1;
	out->elf = true;
	out->image_low = UINT64_MAX;
	out->image_end = 0;
	for (unsigned s = 0; s < e->nseg; s++) {
		/* elf_parse() checked that paddr + memsz does not wrap. */
		uint64_t end = e->seg[s].paddr + e->seg[s].memsz;

		if (end > SZ_4G)
			return why_fail(why, whylen, "ELF segment 0x%lx+0x%lx reaches past 4 GiB",
					ul(e->seg[s].paddr), ul(e->seg[s].memsz));
		out->image_low = min64(out->image_low, e->seg[s].paddr);
		out->image_end = end > out->image_end ? end : out->image_end;
	}
	out->entry = e->entry;
	return 0;
}

/* ------------------------------------------------------------ v1 */

static int parse_v1(const uint8_t *p, size_t size, struct mb_image *out, char *why, size_t whylen)
{
	struct mb1_header h = { 0 };
	uint64_t off;

	if (find_header(p, size, 1, &off, why, whylen))
		return -1;
	memcpy(&h, p + off, MB1_FIXED);
	out->header_offset = off;
	out->flags = h.flags;
	if (h.flags & MB1_VIDEO_MODE)
		return why_fail(why, whylen, "multiboot header requires a video mode (flags bit 2): Septum has no display");
	if (h.flags & MB1_REQUIRED & ~MB1_KNOWN_REQ)
		return why_fail(why, whylen, "multiboot header requires unknown features (flags 0x%x)",
				(unsigned)(h.flags & MB1_REQUIRED & ~MB1_KNOWN_REQ));
	out->page_align_modules = h.flags & MB1_PAGE_ALIGN;
	if (!(h.flags & MB1_AOUT_KLUDGE))
		return use_elf(p, size, out, why, whylen);
	if (off + sizeof(h) > min64(size, MB1_SEARCH))
		return why_fail(why, whylen, "multiboot header at 0x%lx: address fields past the first %u bytes or the file",
				ul(off), MB1_SEARCH);
	memcpy(&h, p + off, sizeof(h));
	return use_address_fields(&(struct mb2_address){ h.header_addr, h.load_addr, h.load_end_addr,
							 h.bss_end_addr },
				  h.entry_addr, off, size, out, why, whylen);
}

/* ------------------------------------------------------------ v2 */

struct v2_tags {
	bool have_addr, have_entry;
	struct mb2_address addr;
	uint32_t entry;
};

/* The boot information tags Septum can always provide for an information request. */
static bool can_provide(uint32_t type)
{
	return type == MBI2_END || type == MBI2_CMDLINE || type == MBI2_LOADER_NAME ||
	       type == MBI2_MODULE || type == MBI2_MEMINFO || type == MBI2_MMAP;
}

static int tag_size(const struct mb2_tag *t, uint64_t at, uint32_t want, char *why, size_t whylen)
{
	if (t->size != want)
		return why_fail(why, whylen, "multiboot2 tag %u at 0x%lx: size %u, want %u",
				t->type, ul(at), t->size, want);
	return 0;
}

static int info_request(const uint8_t *body, const struct mb2_tag *t, uint64_t at,
			struct mb_image *out, char *why, size_t whylen)
{
	const bool required = !(t->flags & MB2_TAG_OPTIONAL);

	if ((t->size - sizeof(*t)) % 4)
		return why_fail(why, whylen, "multiboot2 information request at 0x%lx: size %u is not 8 + 4n",
				ul(at), t->size);
	for (uint32_t i = 0; i < (t->size - sizeof(*t)) / 4; i++) {
		const uint32_t type = rd32(body + 4 * i);

		if (!required || can_provide(type))
			continue;
		if (type == MBI2_ACPI_OLD || type == MBI2_ACPI_NEW) {
			out->needs_acpi = true;
			continue;
		}
		return why_fail(why, whylen, "multiboot2 header requires boot information tag %u, which Septum does not provide",
				type);
	}
	return 0;
}

/* One header tag (v2 "Header tags"): use it, ignore it, or refuse the kernel. */
static int header_tag(const uint8_t *tp, uint64_t at, struct v2_tags *v, struct mb_image *out,
		      char *why, size_t whylen)
{
	struct mb2_tag t;
	const uint8_t *body = tp + sizeof(t);

	memcpy(&t, tp, sizeof(t));
	switch (t.type) {
	case MB2_HTAG_INFO_REQ:
		return info_request(body, &t, at, out, why, whylen);
	case MB2_HTAG_ADDRESS:
		if (tag_size(&t, at, sizeof(t) + sizeof(v->addr), why, whylen))
			return -1;
		memcpy(&v->addr, body, sizeof(v->addr));
		v->have_addr = true;
		return 0;
	case MB2_HTAG_ENTRY:
		if (tag_size(&t, at, sizeof(t) + 4, why, whylen))
			return -1;
		v->entry = rd32(body);
		v->have_entry = true;
		return 0;
	case MB2_HTAG_CONSOLE:
		if (tag_size(&t, at, sizeof(t) + 4, why, whylen))
			return -1;
		if (!(t.flags & MB2_TAG_OPTIONAL) && (rd32(body) & MB2_CONSOLE_REQUIRED))
			return why_fail(why, whylen, "multiboot2 header requires a console Septum cannot describe (console flags tag)");
		return 0;
	case MB2_HTAG_MODULE_ALIGN:
		out->page_align_modules = true;
		return 0;
	case MB2_HTAG_RELOCATABLE:
		return 0;       /* loading at the link address is always allowed */
	case MB2_HTAG_FRAMEBUFFER:
	case MB2_HTAG_EFI_BS:
	case MB2_HTAG_ENTRY_EFI32:
	case MB2_HTAG_ENTRY_EFI64:
		if (t.flags & MB2_TAG_OPTIONAL)
			return 0;
		return why_fail(why, whylen, "multiboot2 header requires tag %u (%s), which Septum does not provide",
				t.type, t.type == MB2_HTAG_FRAMEBUFFER ? "framebuffer" : "EFI");
	default:
		if (t.flags & MB2_TAG_OPTIONAL)
			return 0;
		return why_fail(why, whylen, "multiboot2 header: unknown required tag %u at 0x%lx", t.type, ul(at));
	}
}

/* Walks the tags of the header at off (length len): each 8-byte aligned,
 * size >= 8, inside header_length, ending with an end tag of size 8. */
static int walk_tags(const uint8_t *p, uint64_t off, uint64_t len, struct v2_tags *v,
		     struct mb_image *out, char *why, size_t whylen)
{
	for (uint64_t t = sizeof(struct mb2_header); t + sizeof(struct mb2_tag) <= len;) {
		struct mb2_tag tag;

		memcpy(&tag, p + off + t, sizeof(tag));
		if (tag.size < sizeof(tag) || tag.size > len - t)
			return why_fail(why, whylen, "multiboot2 tag %u at 0x%lx: size %u runs outside header_length %lu",
					tag.type, ul(off + t), tag.size, ul(len));
		if (tag.type == MB2_HTAG_END)
			return tag_size(&tag, off + t, sizeof(tag), why, whylen);
		if (header_tag(p + off + t, off + t, v, out, why, whylen))
			return -1;
		t += ALIGN_UP(tag.size, 8);
	}
	return why_fail(why, whylen, "multiboot2 header at 0x%lx: no end tag within header_length %lu",
			ul(off), ul(len));
}

static int parse_v2(const uint8_t *p, size_t size, struct mb_image *out, char *why, size_t whylen)
{
	struct mb2_header h;
	struct v2_tags v = { 0 };
	uint64_t off;

	if (find_header(p, size, 2, &off, why, whylen))
		return -1;
	memcpy(&h, p + off, sizeof(h));
	out->header_offset = off;
	if (h.architecture != MB2_ARCH_I386)
		return why_fail(why, whylen, "multiboot2 header for architecture %u (want 0, i386)", h.architecture);
	if (h.header_length < sizeof(h) + sizeof(struct mb2_tag) ||
	    h.header_length > min64(size, MB2_SEARCH) - off)
		return why_fail(why, whylen, "multiboot2 header_length %u at 0x%lx is outside 24..0x%lx",
				h.header_length, ul(off), ul(min64(size, MB2_SEARCH) - off));
	if (walk_tags(p, off, h.header_length, &v, out, why, whylen))
		return -1;
	if (v.have_addr && !v.have_entry)
		return why_fail(why, whylen, "multiboot2 address tag without an entry address tag");
	if (v.have_addr)
		return use_address_fields(&v.addr, v.entry, off, size, out, why, whylen);
	if (use_elf(p, size, out, why, whylen))
		return -1;
	if (!v.have_entry)
		return 0;
	out->entry = v.entry;   /* an entry address tag overrides e_entry */
	if (out->entry < out->image_low || out->entry >= out->image_end)
		return why_fail(why, whylen, "entry_addr 0x%lx is outside the image 0x%lx..0x%lx",
				ul(out->entry), ul(out->image_low), ul(out->image_end));
	return 0;
}

int mb_parse(const void *img, size_t size, unsigned want, struct mb_image *out, char *why,
	     size_t whylen)
{
	const uint8_t *p = img;

	memset(out, 0, sizeof(*out));
	if (want > 2)
		return why_fail(why, whylen, "multiboot version %u: want 1 or 2", want);
	if (want == 0)
		want = has_magic(p, size, MB2_HEADER_MAGIC, MB2_SEARCH) ? 2 : 1;
	out->version = want;
	return want == 1 ? parse_v1(p, size, out, why, whylen) : parse_v2(p, size, out, why, whylen);
}

/* ------------------------------------------------------------ building */

/* The boot information area: a bump allocator that keeps counting past its
 * end, so a refusal can say how much was needed; nothing past it is written. */
struct area {
	uint8_t *ram;
	uint64_t base, cur, end;
};

static uint64_t take(struct area *a, uint64_t n, uint64_t align)
{
	uint64_t at = ALIGN_UP(a->cur, align);

	a->cur = at + n;
	return at;
}

static void emit(struct area *a, uint64_t gpa, const void *src, uint64_t n)
{
	if (gpa <= a->end && n <= a->end - gpa)
		memcpy(a->ram + gpa, src, n);
}

#define EMIT(a, gpa, val) do { __typeof__(val) v_ = (val); emit((a), (gpa), &v_, sizeof(v_)); } while (0)

static uint64_t emit_string(struct area *a, const char *s)
{
	const uint64_t n = strlen(s ? s : "") + 1;
	const uint64_t at = take(a, n, 1);

	emit(a, at, s ? s : "", n);
	return at;
}

/*
 * v1 §3.3 mem_lower/mem_upper in KiB. Lower memory: from 0 while the map has
 * something there (reserved ranges count, as the BIOS's own areas do on a
 * PC), at most 640 KiB. Upper memory: usable RAM from 1 MiB up to the first
 * range that is not (a kernel that reads only mem_upper treats it all as free).
 */
static void meminfo(const struct mem_range *map, int n, uint32_t *lower, uint32_t *upper)
{
	uint64_t lo = 0, up = SZ_1M;

	for (int i = 0; i < n && map[i].start <= lo; i++)
		lo = map[i].start + map[i].size;
	for (int i = 0; i < n; i++)
		if (map[i].type == MEM_RAM && map[i].start <= up && map[i].start + map[i].size > up)
			up = map[i].start + map[i].size;
	*lower = (uint32_t)(min64(lo, LOWER_MAX) >> 10);
	*upper = (uint32_t)(min64(up - SZ_1M, SZ_4G - SZ_1M) >> 10);
}

/* Kernel range(s) as busy ranges; each checked against RAM and the reserved ranges. */
static int check_kernel(const struct mb_image *img, const struct mb_boot_args *a, uint64_t ram_size,
			char *why, size_t whylen)
{
	struct mem_range k[ELF_MAX_SEGMENTS];
	unsigned nk = 0;

	if (img->elf) {
		if (elf_check_fits(&img->elf_img, ram_size, why, whylen))
			return -1;
		for (unsigned s = 0; s < img->elf_img.nseg; s++)
			k[nk++] = (struct mem_range){ img->elf_img.seg[s].paddr, img->elf_img.seg[s].memsz, 0 };
	} else {
		if (img->load_addr < ELF_GUEST_LOAD_MIN || img->bss_end > ram_size)
			return why_fail(why, whylen, "image 0x%lx..0x%lx is not inside RAM 0x%lx..0x%lx",
					ul(img->load_addr), ul(img->bss_end), ul(ELF_GUEST_LOAD_MIN), ul(ram_size));
		k[nk++] = (struct mem_range){ img->load_addr, img->bss_end - img->load_addr, 0 };
	}
	for (unsigned i = 0; i < nk; i++) {
		uint64_t at;

		/* Free exactly where it is: a fit with lo = start, hi = end. */
		if (!guest_find_free(a->reserved, a->nreserved, k[i].size, 1, k[i].start,
				     k[i].start + k[i].size, false, &at))
			return why_fail(why, whylen, "kernel 0x%lx+0x%lx overlaps a reserved range",
					ul(k[i].start), ul(k[i].size));
	}
	return 0;
}

static void load_kernel(const struct mb_image *img, const uint8_t *data, uint8_t *ram, uint64_t ram_size)
{
	if (img->elf) {
		elf_load(&img->elf_img, data, ram, ram_size);
		return;
	}
	memcpy(ram + img->load_addr, data + img->load_offset, img->load_size);
	memset(ram + img->load_addr + img->load_size, 0, img->bss_end - img->load_addr - img->load_size);
}

/* Modules in order, each on a fresh page above the kernel, below 4 GiB
 * (their addresses are 32-bit fields), clear of the reserved ranges. */
static int place_modules(const struct mb_image *img, const struct mb_boot_args *a, uint8_t *ram,
			 uint64_t ram_size, struct mb_boot *out, char *why, size_t whylen)
{
	uint64_t lo = img->image_end > SZ_1M ? img->image_end : SZ_1M;
	const uint64_t hi = min64(ram_size, SZ_4G);

	for (unsigned i = 0; i < a->nmods; i++) {
		const struct mb_module *m = &a->mods[i];
		const uint64_t room = m->size ? ALIGN_UP(m->size, PAGE_SIZE) : PAGE_SIZE;

		if (m->size > hi || !guest_find_free(a->reserved, a->nreserved, room, PAGE_SIZE, lo, hi,
						     false, &out->mod_start[i]))
			return why_fail(why, whylen, "module %u (0x%lx bytes) does not fit in free RAM between 0x%lx and 0x%lx",
					i, ul(m->size), ul(lo), ul(hi));
		memcpy(ram + out->mod_start[i], m->data, m->size);
		lo = out->mod_start[i] + room;
	}
	return 0;
}

static void build_v1(struct area *ar, const struct mb_boot_args *a, const struct mem_range *map,
		     int nmap, struct mb_boot *out)
{
	const uint64_t info = take(ar, sizeof(struct mb1_info), 8);
	const uint64_t mmap = take(ar, (uint64_t)nmap * sizeof(struct mb1_mmap_entry), 4);
	const uint64_t mods = take(ar, (uint64_t)a->nmods * sizeof(struct mb1_module), 4);
	struct mb1_info mi = { 0 };

	mi.flags = MBI1_MEM | MBI1_CMDLINE | MBI1_MODS | MBI1_MMAP | MBI1_LOADER_NAME;
	meminfo(map, nmap, &mi.mem_lower, &mi.mem_upper);
	mi.cmdline = (uint32_t)emit_string(ar, a->cmdline);
	mi.mods_count = a->nmods;
	mi.mods_addr = (uint32_t)mods;
	mi.mmap_length = (uint32_t)((unsigned)nmap * sizeof(struct mb1_mmap_entry));
	mi.mmap_addr = (uint32_t)mmap;
	mi.boot_loader_name = (uint32_t)emit_string(ar, MB_LOADER_NAME);
	for (int i = 0; i < nmap; i++) {
		struct mb1_mmap_entry e = { sizeof(e) - sizeof(e.size), map[i].start, map[i].size, map[i].type };

		emit(ar, mmap + (uint64_t)i * sizeof(e), &e, sizeof(e));
	}
	for (unsigned i = 0; i < a->nmods; i++) {
		struct mb1_module m = { (uint32_t)out->mod_start[i],
					(uint32_t)(out->mod_start[i] + a->mods[i].size),
					(uint32_t)emit_string(ar, a->mods[i].cmdline), 0 };

		emit(ar, mods + (uint64_t)i * sizeof(m), &m, sizeof(m));
	}
	emit(ar, info, &mi, sizeof(mi));
	out->eax = MB1_BOOT_MAGIC;
	out->ebx = (uint32_t)info;
}

/* A v2 tag with a string body; tags start 8-byte aligned. */
static void tag_string(struct area *ar, uint32_t type, const char *s)
{
	const uint64_t n = strlen(s ? s : "") + 1;
	const uint64_t at = take(ar, 8 + n, 8);

	EMIT(ar, at, type);
	EMIT(ar, at + 4, (uint32_t)(8 + n));
	emit(ar, at + 8, s ? s : "", n);
}

/* v2 "ACPI old/new RSDP": a copy of the RSDP the caller put in RAM. */
static void tag_acpi(struct area *ar, const uint8_t *ram, uint64_t ram_size, uint64_t rsdp)
{
	uint64_t len = RSDP_V1_LEN;
	uint32_t type = MBI2_ACPI_OLD;
	uint64_t at;

	if (ram[rsdp + RSDP_REV_OFF] >= 2) {
		len = rd32(ram + rsdp + RSDP_LEN_OFF);
		type = MBI2_ACPI_NEW;
		if (len < RSDP_V2_LEN || len > ram_size - rsdp)
			len = RSDP_V2_LEN;
	}
	at = take(ar, 8 + len, 8);
	EMIT(ar, at, type);
	EMIT(ar, at + 4, (uint32_t)(8 + len));
	emit(ar, at + 8, ram + rsdp, len);
}

static void build_v2(struct area *ar, const uint8_t *ram, uint64_t ram_size,
		     const struct mb_boot_args *a, const struct mem_range *map, int nmap,
		     struct mb_boot *out)
{
	const uint64_t start = take(ar, 8, 8);
	uint32_t lower, upper;
	uint64_t at;

	tag_string(ar, MBI2_CMDLINE, a->cmdline);
	tag_string(ar, MBI2_LOADER_NAME, MB_LOADER_NAME);
	for (unsigned i = 0; i < a->nmods; i++) {
		const char *s = a->mods[i].cmdline ? a->mods[i].cmdline : "";
		const uint64_t n = strlen(s) + 1;

		at = take(ar, 16 + n, 8);
		EMIT(ar, at, (uint32_t)MBI2_MODULE);
		EMIT(ar, at + 4, (uint32_t)(16 + n));
		EMIT(ar, at + 8, (uint32_t)out->mod_start[i]);
		EMIT(ar, at + 12, (uint32_t)(out->mod_start[i] + a->mods[i].size));
		emit(ar, at + 16, s, n);
	}
	meminfo(map, nmap, &lower, &upper);
	at = take(ar, 16, 8);
	EMIT(ar, at, (uint32_t)MBI2_MEMINFO);
	EMIT(ar, at + 4, (uint32_t)16);
	EMIT(ar, at + 8, lower);
	EMIT(ar, at + 12, upper);

	at = take(ar, 16 + (uint64_t)nmap * sizeof(struct mb2_mmap_entry), 8);
	EMIT(ar, at, (uint32_t)MBI2_MMAP);
	EMIT(ar, at + 4, (uint32_t)(16 + (unsigned)nmap * sizeof(struct mb2_mmap_entry)));
	EMIT(ar, at + 8, (uint32_t)sizeof(struct mb2_mmap_entry));
	EMIT(ar, at + 12, (uint32_t)0);        /* entry_version */
	for (int i = 0; i < nmap; i++)
		EMIT(ar, at + 16 + (uint64_t)i * sizeof(struct mb2_mmap_entry),
		     ((struct mb2_mmap_entry){ map[i].start, map[i].size, map[i].type, 0 }));
	if (a->acpi_rsdp)
		tag_acpi(ar, ram, ram_size, a->acpi_rsdp);

	at = take(ar, 8, 8);
	EMIT(ar, at, (uint32_t)MBI2_END);
	EMIT(ar, at + 4, (uint32_t)8);
	EMIT(ar, start, (uint32_t)(ar->cur - start));   /* total_size, end tag included */
	EMIT(ar, start + 4, (uint32_t)0);
	out->eax = MB2_BOOT_MAGIC;
	out->ebx = (uint32_t)start;
}

static bool inside_reserved(const struct mb_boot_args *a, uint64_t start, uint64_t size)
{
	for (unsigned i = 0; i < a->nreserved; i++) {
		const struct mem_range *r = &a->reserved[i];

		if (start >= r->start && size <= r->size && start - r->start <= r->size - size)
			return true;
	}
	return false;
}

static int check_args(const struct mb_image *img, const struct mb_boot_args *a, uint64_t ram_size,
		      char *why, size_t whylen)
{
	if (a->nmods > MB_MAX_MODULES)
		return why_fail(why, whylen, "%u modules, at most %u", a->nmods, MB_MAX_MODULES);
	if (a->info_size == 0 || !IS_ALIGNED(a->info_gpa, 8) || !inside_reserved(a, a->info_gpa, a->info_size) ||
	    a->info_gpa + a->info_size > SZ_4G)
		return why_fail(why, whylen, "boot information area 0x%lx+0x%lx is not 8-byte aligned inside a reserved range below 4 GiB",
				ul(a->info_gpa), ul(a->info_size));
	if (a->acpi_rsdp && (a->acpi_rsdp > ram_size || ram_size - a->acpi_rsdp < RSDP_V2_LEN))
		return why_fail(why, whylen, "RSDP at 0x%lx is outside RAM", ul(a->acpi_rsdp));
	if (img->needs_acpi && !a->acpi_rsdp)
		return why_fail(why, whylen, "multiboot2 header requires an ACPI tag and the partition has no RSDP");
	return 0;
}

int mb_build(const struct mb_image *img, const void *data, size_t size, uint8_t *ram,
	     uint64_t ram_size, const struct mb_boot_args *args, struct mb_boot *out, char *why,
	     size_t whylen)
{
	struct mem_range map[GUEST_MAP_MAX];
	struct area ar;
	int nmap;

	(void)size; /* mb_parse() bounded every range it read by it */
	memset(out, 0, sizeof(*out));
	nmap = guest_memmap(ram_size, args->reserved, args->nreserved, map, why, whylen);
	if (nmap < 0 || check_args(img, args, ram_size, why, whylen) ||
	    check_kernel(img, args, ram_size, why, whylen))
		return -1;
	load_kernel(img, data, ram, ram_size);
	if (place_modules(img, args, ram, ram_size, out, why, whylen))
		return -1;

	ar = (struct area){ ram, args->info_gpa, args->info_gpa, args->info_gpa + args->info_size };
	if (img->version == 1)
		build_v1(&ar, args, map, nmap, out);
	else
		build_v2(&ar, ram, ram_size, args, map, nmap, out);
	if (ar.cur > ar.end)
		return why_fail(why, whylen, "boot information needs 0x%lx bytes, its area at 0x%lx holds 0x%lx",
				ul(ar.cur - ar.base), ul(ar.base), ul(args->info_size));
	out->eip = (uint32_t)img->entry;
	out->info_size = ar.cur - ar.base;
	out->mmap_entries = (unsigned)nmap;
	return 0;
}

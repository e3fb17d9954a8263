/* SPDX-License-Identifier: MIT */
/*
 * septum.cfg: the partition configuration, parsed by the same code in the
 * core (read from \septum\septum.cfg on the ESP) and in the host checker
 * tools/septum-check. docs/config.md is the reference of the format.
 *
 *   # full-line comment
 *   [partition hello]
 *   cpus    = 1-2,4
 *   memory  = 16M
 *   address = 0x40000000
 *   kernel  = hello.elf
 *   initrd  = initrd.img
 *   cmdline = console=ttyS0
 *   role    = guest
 *
 * The parser is pure: it uses only string/stdlib/ctype/stdio pieces of the C
 * library (newlib in the core), allocates nothing, keeps no global state and
 * prints nothing. Every failure is returned as a struct cfg_error that names
 * the file, the line and the reason, so the UEFI console and septum-check
 * show the same text. A config is taken whole or refused: there is no
 * partial result and nothing is ever trimmed to fit.
 *
 * Formatting note: 64-bit values are printed with "%lx"/"%lu" and an
 * (unsigned long) cast, the same type on x86_64, so the text is identical in
 * the core (newlib) and on the host (glibc).
 */
#ifndef SEPTUM_CONFIG_H
#define SEPTUM_CONFIG_H

#include <septum/abi.h>
#include <septum/boot_info.h>
#include <septum/reserve.h>
#include <septum/types.h>

#define CFG_MAX_PARTITIONS 16
_Static_assert(CFG_MAX_PARTITIONS == RESERVE_MAX_PARTS, "septum/reserve.h sizes every partition");
#define CFG_MAX_CPUS       64                 /* CPU indices 0..63: one uint64_t mask */
#define CFG_NAME_MAX       SEPTUM_NAME_MAX    /* 31 characters + NUL */
#define CFG_FILE_MAX       BOOT_NAME_MAX      /* 63 characters + NUL */
#define CFG_CMDLINE_MAX    256                /* 255 bytes + NUL, == septum_partition_info.cmdline */
#define CFG_LINE_MAX       511                /* bytes per line, without the line end */
#define CFG_REASON_MAX     160
#define CFG_MAX_PCI        8                  /* pci = devices per partition */
#define CFG_MAX_MODULES    8                  /* module = lines per partition (multiboot) */

/* RAM granularity: partitions' RAM is mapped with 2 MiB EPT pages. */
#define CFG_MEM_ALIGN      SZ_2M
/* Highest host-physical address + 1 any x86_64 CPU can have (MAXPHYADDR <= 52,
 * Intel SDM Vol. 3A 4.1.4); a range reaching beyond it cannot be RAM. */
#define CFG_PHYS_LIMIT     (1ull << 52)

_Static_assert(CFG_MAX_CPUS == BOOT_MAX_CPUS, "a CPU mask covers every boot CPU");

enum cfg_role {
	CFG_ROLE_GUEST = 0,          /* default */
	CFG_ROLE_CONTAINER_HOST,     /* runs compart; at most one per config */
};

/* What happens when the guest resets itself (on_reboot) or crashes (on_crash). */
enum cfg_on_event {
	CFG_ON_STOP = 0,             /* the partition ends; its CPUs park */
	CFG_ON_RESTART,              /* images reloaded into its RAM, started again */
};

/* Whether the partition's CPUs may share a physical core with another
 * partition's (smt = ...). SMT siblings share the core's L1D, fill and
 * store buffers and branch predictors, so the planner refuses a split core
 * unless both partitions on it say shared-core-ok (docs/security.md). */
enum cfg_smt {
	CFG_SMT_EXCLUSIVE = 0,       /* default: a core is never split with another partition */
	CFG_SMT_SHARED_CORE_OK,      /* accepts a sibling thread in another partition (warned) */
};

/* A PCI function given to the partition (pci = BB:DD.F). */
struct cfg_pci {
	uint8_t bus, dev, fn;        /* bus 0-255, device 0-31, function 0-7 */
};

/* A multiboot module (module = FILE [ARGS]). */
struct cfg_module {
	char file[CFG_FILE_MAX];     /* in \septum\ */
	char args[CFG_CMDLINE_MAX];  /* the module's string after the file name, "" if none */
	unsigned line;               /* its module = line (the key may repeat) */
};

/* Keys of a [partition] section; index of cfg_partition.key_line[]. */
enum cfg_key {
	CFG_KEY_CPUS = 0,
	CFG_KEY_MEMORY,
	CFG_KEY_ADDRESS,
	CFG_KEY_KERNEL,
	CFG_KEY_INITRD,
	CFG_KEY_CMDLINE,
	CFG_KEY_ROLE,
	CFG_KEY_ON_REBOOT,
	CFG_KEY_ON_CRASH,
	CFG_KEY_PCI,
	CFG_KEY_MODULE,              /* may repeat: key_line holds the first one */
	CFG_KEY_DMA,
	CFG_KEY_SMT,
	CFG_KEY_CRASH_LOOP,
	CFG_KEY_COUNT
};

struct cfg_partition {
	char     name[CFG_NAME_MAX];
	unsigned line;                        /* line of the [partition NAME] header */
	unsigned key_line[CFG_KEY_COUNT];     /* line where each key was set, 0 if absent */
	uint64_t cpus;                        /* mask: bit n = logical CPU n */
	uint64_t memory;                      /* bytes, multiple of CFG_MEM_ALIGN, > 0 */
	hpa_t    address;                     /* fixed base if key_line[CFG_KEY_ADDRESS] != 0 */
	char     kernel[CFG_FILE_MAX];        /* file in \septum\ */
	char     initrd[CFG_FILE_MAX];        /* "" if none */
	char     cmdline[CFG_CMDLINE_MAX];    /* "" if none */
	enum cfg_role role;
	enum cfg_on_event on_reboot;          /* default CFG_ON_RESTART */
	enum cfg_on_event on_crash;           /* default CFG_ON_STOP */
	enum cfg_on_event crash_loop;         /* on_crash = restart in a crash loop: default
	                                       * CFG_ON_STOP; restart = no limit (soak tests) */
	enum cfg_smt smt;                     /* default CFG_SMT_EXCLUSIVE */
	unsigned npci;
	struct cfg_pci pci[CFG_MAX_PCI];
	bool     dma_unconfined;              /* dma = unconfined: pci = without an IOMMU accepted */
	unsigned nmodules;
	struct cfg_module module[CFG_MAX_MODULES];
};

struct cfg {
	const char *file;                     /* as given to cfg_parse(); not copied */
	unsigned    nlines;
	unsigned    npartitions;              /* >= 1 after a successful parse */
	struct cfg_partition part[CFG_MAX_PARTITIONS]; /* config order */
};

/*
 * One error: where and why. line is 1-based; 0 means the file as a whole
 * (e.g. "no partition defined"). reason never contains the file or line.
 */
struct cfg_error {
	const char *file;
	unsigned    line;
	char        reason[CFG_REASON_MAX];
};

static inline bool cfg_has_key(const struct cfg_partition *p, enum cfg_key k)
{
	return p->key_line[k] != 0;
}

static inline bool cfg_has_address(const struct cfg_partition *p)
{
	return cfg_has_key(p, CFG_KEY_ADDRESS);
}

/*
 * Parses and validates the config text.
 *   file: name used in errors (and kept in out->file, so it must outlive out).
 *   text, len: the bytes; need not be NUL terminated; may contain CR LF ends.
 * Checks everything that needs no knowledge of the machine: syntax, each
 * value, required keys, names, CPUs given twice (inside one partition or to
 * two), overlapping fixed addresses, at most one container-host, limits.
 * Returns 0 and fills *out, or -1 and fills *err (then *out is unspecified).
 */
int cfg_parse(const char *file, const char *text, size_t len, struct cfg *out,
	      struct cfg_error *err);

/* Fills *err with file, line and a printf-formatted reason (truncated to
 * CFG_REASON_MAX). Returns -1 so callers can `return cfg_fail(...)`. */
int cfg_fail(struct cfg_error *err, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Formats "FILE:LINE: reason" (or "FILE: reason" when line is 0) into buf,
 * NUL terminated. Returns what snprintf returns: the length the full text
 * needs, so a result >= len means it was truncated.
 */
int cfg_error_format(const struct cfg_error *err, char *buf, size_t len);

/* Formats a CPU mask the way the config writes it ("1-2,4", "-" if empty).
 * Same return convention as snprintf. */
int cfg_format_cpus(uint64_t mask, char *buf, size_t len);

/* Formats a byte count for people: "16 MiB", "1 GiB", "4 KiB" when exact,
 * else "N bytes". Same return convention as snprintf. */
int cfg_format_size(uint64_t bytes, char *buf, size_t len);

/*
 * Parses a size or address as the config writes them: decimal or 0x-hex
 * digits, optionally followed by one of K M G (either case, binary
 * multiples), nothing else (no blanks, no sign). Also used by septum-check
 * for its --ram option, so both speak the same grammar. Returns CFG_SIZE_OK
 * with *out set, CFG_SIZE_MALFORMED, or CFG_SIZE_TOO_LARGE (above
 * CFG_PHYS_LIMIT).
 */
enum { CFG_SIZE_OK = 0, CFG_SIZE_MALFORMED = -1, CFG_SIZE_TOO_LARGE = -2 };
int cfg_parse_size(const char *s, uint64_t *out);

/* "guest" or "container-host". */
const char *cfg_role_name(enum cfg_role role);

/* The config spelling of a key ("cpus", "memory", ...). */
const char *cfg_key_name(enum cfg_key key);

/*
 * Image checks, decoupled from where the files live and from the image
 * format: the core looks in boot_info.files[], septum-check in a directory,
 * and the kernel validator is the ELF loader's (or, later, Linux/multiboot).
 */
struct cfg_image_ops {
	void *ctx;
	/* Finds file `name`. Returns 0 with *data and *size set, or -1 if missing. */
	int (*find)(void *ctx, const char *name, const void **data, size_t *size);
	/* Checks that a kernel image can run in a partition with ram_size bytes
	 * of RAM. Returns 0, or -1 with a NUL-terminated reason in why. */
	int (*check_kernel)(void *ctx, const void *data, size_t size, uint64_t ram_size,
			    char *why, size_t whylen);
	/* Optional: whether the kernel image receives boot modules (a
	 * multiboot kernel). NULL leaves module = lines unchecked against the
	 * kernel kind (the files are still checked). */
	bool (*takes_modules)(void *ctx, const void *data, size_t size);
};

/*
 * For every partition in config order: the kernel must exist and pass
 * ops->check_kernel for the partition's memory; the initrd, if any, must
 * exist and be smaller than the partition's memory; each module file must
 * exist and be smaller than the partition's memory, and modules are refused
 * (at the first module line) when ops->takes_modules says the kernel does
 * not take them. The first failure is reported at the kernel, initrd or
 * module line, naming the file. Returns 0 or -1.
 */
int cfg_check_images(const struct cfg *cfg, const struct cfg_image_ops *ops,
		     struct cfg_error *err);

/* The partitions' part of Septum's reservation (septum/reserve.h): RAM,
 * vCPUs and assigned PCI functions of each, in config order. Sets
 * in->nparts and in->part[]; leaves the rest of *in alone. */
void cfg_reserve_parts(const struct cfg *cfg, struct reserve_in *in);

#endif /* SEPTUM_CONFIG_H */

/* SPDX-License-Identifier: MIT */
/*
 * The septum.cfg parser: one implementation for the core and for the host
 * checker (DESIGN.md "one parser, one set of rules"). docs/config.md is the
 * reference; the contracts are in <septum/config.h>.
 *
 * The text is processed line by line; each line is copied into a bounded
 * buffer so the helpers can work on NUL-terminated strings. Every check that
 * needs only the file itself happens here, so a config that cfg_parse()
 * accepts can only still fail on machine facts (plan.c) or image contents
 * (cfg_check_images()).
 */
#include <septum/config.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parser state: lives on the caller's stack for one cfg_parse() call. */
struct parser {
	const char *file;
	struct cfg *cfg;
	struct cfg_error *err;
	struct cfg_partition *cur;   /* section being filled; NULL before the first header */
	unsigned line;               /* current line, 1-based */
};

static const char *const key_names[CFG_KEY_COUNT] = {
	[CFG_KEY_CPUS]    = "cpus",
	[CFG_KEY_MEMORY]  = "memory",
	[CFG_KEY_ADDRESS] = "address",
	[CFG_KEY_KERNEL]  = "kernel",
	[CFG_KEY_INITRD]  = "initrd",
	[CFG_KEY_CMDLINE] = "cmdline",
	[CFG_KEY_ROLE]    = "role",
	[CFG_KEY_ON_REBOOT] = "on_reboot",
	[CFG_KEY_ON_CRASH]  = "on_crash",
	[CFG_KEY_PCI]       = "pci",
	[CFG_KEY_MODULE]    = "module",
	[CFG_KEY_DMA]       = "dma",
	[CFG_KEY_SMT]       = "smt",
	[CFG_KEY_CRASH_LOOP] = "crash_loop",
};

const char *cfg_key_name(enum cfg_key key)
{
	return (unsigned)key < CFG_KEY_COUNT ? key_names[key] : "?";
}

const char *cfg_role_name(enum cfg_role role)
{
	return role == CFG_ROLE_CONTAINER_HOST ? "container-host" : "guest";
}

static void vfail(struct cfg_error *err, const char *file, unsigned line, const char *fmt,
		  va_list ap)
{
	err->file = file;
	err->line = line;
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
}

int cfg_fail(struct cfg_error *err, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(err, file, line, fmt, ap);
	va_end(ap);
	return -1;
}

int cfg_error_format(const struct cfg_error *err, char *buf, size_t len)
{
	const char *file = err->file ? err->file : "(config)";

	if (err->line == 0)
		return snprintf(buf, len, "%s: %s", file, err->reason);
	return snprintf(buf, len, "%s:%u: %s", file, err->line, err->reason);
}

/* ------------------------------------------------------------ formatting */

/* Appends to a bounded buffer the way snprintf would: *pos counts what the
 * whole text needs even after buf is full, so callers can detect truncation. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(*pos < len ? buf + *pos : NULL, *pos < len ? len - *pos : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos += (size_t)n;
}

int cfg_format_cpus(uint64_t mask, char *buf, size_t len)
{
	size_t pos = 0;
	unsigned c = 0;

	if (len)
		buf[0] = '\0';
	if (!mask) {
		append(buf, len, &pos, "-");
		return (int)pos;
	}
	while (c < CFG_MAX_CPUS) {
		unsigned first;

		if (!(mask & BIT(c))) {
			c++;
			continue;
		}
		first = c;
		while (c + 1 < CFG_MAX_CPUS && (mask & BIT(c + 1)))
			c++;
		append(buf, len, &pos, "%s%u", pos ? "," : "", first);
		if (c > first)
			append(buf, len, &pos, "-%u", c);
		c++;
	}
	return (int)pos;
}

int cfg_format_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB" };
	int i;

	/* Largest binary unit that divides the value exactly: no rounding,
	 * so what is printed is what was planned. */
	for (i = (int)ARRAY_SIZE(unit) - 1; i >= 0; i--) {
		uint64_t u = 1ull << (10 * (i + 1));

		if (bytes >= u && bytes % u == 0)
			return snprintf(buf, len, "%lu %s", (unsigned long)(bytes / u), unit[i]);
	}
	return snprintf(buf, len, "%lu bytes", (unsigned long)bytes);
}

/* ------------------------------------------------------------ lexical helpers */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Strips blanks at both ends in place; returns the new start. */
static char *trim(char *s)
{
	size_t n;

	while (is_blank(*s))
		s++;
	n = strlen(s);
	while (n && is_blank(s[n - 1]))
		s[--n] = '\0';
	return s;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

/* [a-z][a-z0-9_-]{0,30}: safe in a console tag, a CPUID leaf and a file name. */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

/* [A-Za-z0-9._-]{1,63}, not "." or "..": a plain file in \septum\ on the
 * ESP, never a path (no separators, so no way out of that directory). */
static bool valid_file(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= CFG_FILE_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(isalnum(c) || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/*
 * The character set is checked first because strtoull() alone would accept
 * blanks, signs ("-1" wraps) and a leading-zero octal form. Values are
 * bounded by CFG_PHYS_LIMIT, so the sum of two of them cannot overflow.
 */
int cfg_parse_size(const char *s, uint64_t *out)
{
	const char *digits = s;
	int base = 10;
	size_t n, ndig;
	unsigned shift = 0;
	unsigned long long v;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		digits = s + 2;
		base = 16;
	}
	n = strlen(digits);
	ndig = 0;
	while (ndig < n && (base == 16 ? isxdigit((unsigned char)digits[ndig])
				       : isdigit((unsigned char)digits[ndig])))
		ndig++;
	if (ndig == 0 || n - ndig > 1)
		return CFG_SIZE_MALFORMED;
	if (n - ndig == 1) {
		switch (digits[ndig]) {
		case 'K': case 'k': shift = 10; break;
		case 'M': case 'm': shift = 20; break;
		case 'G': case 'g': shift = 30; break;
		default: return CFG_SIZE_MALFORMED;
		}
	}
	v = strtoull(digits, &end, base);
	/* ULLONG_MAX is both strtoull's overflow value and useless as a size. */
	if (end != digits + ndig || v == ~0ull || v > (CFG_PHYS_LIMIT >> shift))
		return CFG_SIZE_TOO_LARGE;
	*out = (uint64_t)v << shift;
	return CFG_SIZE_OK;
}

/* ------------------------------------------------------------ values */

/* Fails at the current line. */
static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(ps->err, ps->file, ps->line, fmt, ap);
	va_end(ap);
	return -1;
}

/* CPU index: decimal digits. Returns 0 with *v set (values of 1000 and
 * more are kept >= 1000, which is enough to refuse them), or -1. */
static int cpu_number(const char *s, int *v)
{
	if (!*s)
		return -1;
	*v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return -1;
		if (*v < 1000)
			*v = *v * 10 + (*s - '0');
	}
	return 0;
}

/* One element of a CPU list: "N" or "N-M", blanks allowed around it. */
static int parse_cpu_item(struct parser *ps, char *item, uint64_t *mask)
{
	char *s = trim(item);
	char *dash = strchr(s, '-');
	char *lo_s = s, *hi_s = s;
	int lo, hi;

	if (!*s)
		return fail(ps, "cpus: empty element in the list");
	if (dash) {
		*dash = '\0';
		lo_s = trim(s);
		hi_s = trim(dash + 1);
	}
	if (cpu_number(lo_s, &lo) < 0 || cpu_number(hi_s, &hi) < 0)
		return fail(ps, "cpus: malformed element '%.32s%s%.32s' (expected N or N-M, comma separated)",
			    lo_s, dash ? "-" : "", dash ? hi_s : "");
	if (lo >= CFG_MAX_CPUS || hi >= CFG_MAX_CPUS)
		return fail(ps, "cpus: CPU %.32s is out of range (0-%d)",
			    lo >= CFG_MAX_CPUS ? lo_s : hi_s, CFG_MAX_CPUS - 1);
	if (lo > hi)
		return fail(ps, "cpus: range %d-%d is reversed", lo, hi);
	for (int c = lo; c <= hi; c++) {
		if (*mask & BIT(c))
			return fail(ps, "cpus: CPU %d listed twice", c);
		*mask |= BIT(c);
	}
	return 0;
}

static int parse_cpus(struct parser *ps, char *v)
{
	struct cfg_partition *p = ps->cur;
	uint64_t mask = 0;
	char *item = v;

	for (;;) {
		char *comma = strchr(item, ',');

		if (comma)
			*comma = '\0';
		if (parse_cpu_item(ps, item, &mask) < 0)
			return -1;
		if (!comma)
			break;
		item = comma + 1;
	}
	/* Partitions have dedicated CPUs: earlier sections are complete, so a
	 * clash is known here and reported at the line that causes it. */
	for (struct cfg_partition *q = ps->cfg->part; q < p; q++) {
		uint64_t shared = q->cpus & mask;

		if (shared)
			return fail(ps, "cpus: CPU %d is already given to partition '%s' (line %u)",
				    __builtin_ctzll(shared), q->name, q->key_line[CFG_KEY_CPUS]);
	}
	p->cpus = mask;
	return 0;
}

static int parse_memory(struct parser *ps, char *v)
{
	uint64_t size;
	int rc = cfg_parse_size(v, &size);

	if (rc == CFG_SIZE_MALFORMED)
		return fail(ps, "memory: malformed size '%.40s' (expected bytes or a number with K, M or G, e.g. 16M)",
			    v);
	if (rc == CFG_SIZE_TOO_LARGE)
		return fail(ps, "memory: '%.40s' is too large (the limit is 4 PiB, 52-bit physical addresses)", v);
	if (size < CFG_MEM_ALIGN)
		return fail(ps, "memory: '%.40s' is less than 2 MiB", v);
	if (size % CFG_MEM_ALIGN)
		return fail(ps, "memory: '%.40s' is not a multiple of 2 MiB", v);
	ps->cur->memory = size;
	return 0;
}

static int parse_address(struct parser *ps, char *v)
{
	uint64_t a;
	int rc = cfg_parse_size(v, &a);

	if (rc == CFG_SIZE_MALFORMED)
		return fail(ps, "address: malformed address '%.40s' (expected e.g. 0x40000000)", v);
	if (rc == CFG_SIZE_TOO_LARGE)
		return fail(ps, "address: '%.40s' is beyond the 52-bit physical address space", v);
	if (!IS_ALIGNED(a, CFG_MEM_ALIGN))
		return fail(ps, "address: 0x%lx is not 2 MiB aligned", (unsigned long)a);
	/* The first MiB holds firmware data and the AP start-up trampoline. */
	if (a < 0x100000)
		return fail(ps, "address: 0x%lx is below 1 MiB", (unsigned long)a);
	ps->cur->address = hpa(a);
	return 0;
}

static int parse_file(struct parser *ps, char *v, char *dst, const char *key)
{
	if (!valid_file(v))
		return fail(ps, "%s: bad file name '%.64s' (expected 1-63 characters of A-Z a-z 0-9 . _ -)",
			    key, v);
	strcpy(dst, v); /* fits: valid_file() bounds the length */
	return 0;
}

static int parse_cmdline(struct parser *ps, char *v)
{
	size_t n = strlen(v);

	/* Refused, not truncated: a cut command line boots something else. */
	if (n >= CFG_CMDLINE_MAX)
		return fail(ps, "cmdline: too long (%lu bytes, at most %d)", (unsigned long)n,
			    CFG_CMDLINE_MAX - 1);
	memcpy(ps->cur->cmdline, v, n + 1);
	return 0;
}

static int parse_role(struct parser *ps, char *v)
{
	struct cfg_partition *p = ps->cur;

	if (!strcmp(v, "guest")) {
		p->role = CFG_ROLE_GUEST;
		return 0;
	}
	if (strcmp(v, "container-host"))
		return fail(ps, "role: unknown role '%.40s' (expected guest or container-host)", v);
	for (struct cfg_partition *q = ps->cfg->part; q < p; q++)
		if (q->role == CFG_ROLE_CONTAINER_HOST)
			return fail(ps, "role: partition '%s' (line %u) is already the container-host",
				    q->name, q->key_line[CFG_KEY_ROLE]);
	p->role = CFG_ROLE_CONTAINER_HOST;
	return 0;
}

/* on_reboot / on_crash: what Septum does when the guest resets itself or
 * crashes (triple fault, ...). */
static int parse_on_event(struct parser *ps, char *v, enum cfg_on_event *dst, const char *key)
{
	if (!strcmp(v, "restart"))
		*dst = CFG_ON_RESTART;
	else if (!strcmp(v, "stop"))
		*dst = CFG_ON_STOP;
	else
		return fail(ps, "%s: unknown action '%.40s' (expected restart or stop)", key, v);
	return 0;
}

/* smt: may this partition's CPUs share a core with another partition's?
 * The planner applies it (it needs the machine's topology). */
static int parse_smt(struct parser *ps, char *v)
{
	if (!strcmp(v, "exclusive"))
		ps->cur->smt = CFG_SMT_EXCLUSIVE;
	else if (!strcmp(v, "shared-core-ok"))
		ps->cur->smt = CFG_SMT_SHARED_CORE_OK;
	else
		return fail(ps, "smt: unknown value '%.40s' (expected exclusive or shared-core-ok)", v);
	return 0;
}

/* 1 to `max` hex digits, nothing else (strtoul would take blanks and signs). */
static int hex_field(const char *s, size_t max, unsigned *v)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isxdigit(c))
			return -1;
		*v = *v * 16 + (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	return 0;
}

/* One PCI function, BB:DD.F in hex as lspci prints it (bus 2 digits,
 * device 2, function 1; PCI Local Bus Spec 3.0 §3.2.2.3.2: 32 devices of
 * 8 functions per bus). */
static int parse_pci_item(struct parser *ps, char *item, struct cfg_pci *out)
{
	char *s = trim(item);
	char *colon = strchr(s, ':');
	char *dot = colon ? strchr(colon + 1, '.') : NULL;
	unsigned bus, dev, fn;

	if (!*s)
		return fail(ps, "pci: empty element in the list");
	if (!colon || !dot)
		return fail(ps, "pci: malformed device '%.32s' (expected BB:DD.F in hex, e.g. 00:1f.3)", s);
	*colon = '\0';
	*dot = '\0';
	if (hex_field(s, 2, &bus) < 0 || hex_field(colon + 1, 2, &dev) < 0 ||
	    hex_field(dot + 1, 1, &fn) < 0) {
		*colon = ':';
		*dot = '.';
		return fail(ps, "pci: malformed device '%.32s' (expected BB:DD.F in hex, e.g. 00:1f.3)", s);
	}
	if (dev > 0x1f)
		return fail(ps, "pci: device %02x of %02x:%02x.%x is out of range (00-1f)", dev, bus, dev, fn);
	if (fn > 7)
		return fail(ps, "pci: function %x of %02x:%02x.%x is out of range (0-7)", fn, bus, dev, fn);
	*out = (struct cfg_pci){ (uint8_t)bus, (uint8_t)dev, (uint8_t)fn };
	return 0;
}

static bool same_pci(const struct cfg_pci *a, const struct cfg_pci *b)
{
	return a->bus == b->bus && a->dev == b->dev && a->fn == b->fn;
}

/* A device is passed through to one partition only: like CPUs, a clash
 * with an earlier partition is reported at the line that causes it. */
static int pci_taken(struct parser *ps, const struct cfg_pci *d)
{
	struct cfg_partition *p = ps->cur;

	for (unsigned i = 0; i < p->npci; i++)
		if (same_pci(&p->pci[i], d))
			return fail(ps, "pci: %02x:%02x.%x listed twice", d->bus, d->dev, d->fn);
	for (struct cfg_partition *q = ps->cfg->part; q < p; q++)
		for (unsigned i = 0; i < q->npci; i++)
			if (same_pci(&q->pci[i], d))
				return fail(ps, "pci: %02x:%02x.%x is already given to partition '%s' (line %u)",
					    d->bus, d->dev, d->fn, q->name, q->key_line[CFG_KEY_PCI]);
	return 0;
}

static int parse_pci(struct parser *ps, char *v)
{
	struct cfg_partition *p = ps->cur;
	char *item = v;

	for (;;) {
		char *comma = strchr(item, ',');
		struct cfg_pci d;

		if (comma)
			*comma = '\0';
		if (parse_pci_item(ps, item, &d) < 0 || pci_taken(ps, &d) < 0)
			return -1;
		if (p->npci == CFG_MAX_PCI)
			return fail(ps, "pci: too many devices (at most %d per partition)", CFG_MAX_PCI);
		p->pci[p->npci++] = d;
		if (!comma)
			break;
		item = comma + 1;
	}
	return 0;
}

/* module = FILE [ARGS...]: the file, then the module's string (multiboot
 * v1 §3.3 mods "string", v2 "Modules" tag), given to the kernel as is. */
static int parse_module(struct parser *ps, char *v)
{
	struct cfg_partition *p = ps->cur;
	struct cfg_module *m;
	char *args = v;
	size_t n;

	if (p->nmodules == CFG_MAX_MODULES)
		return fail(ps, "module: too many modules (at most %d per partition)", CFG_MAX_MODULES);
	while (*args && !is_blank(*args))
		args++;
	if (*args)
		*args++ = '\0';
	args = trim(args);
	m = &p->module[p->nmodules];
	if (parse_file(ps, v, m->file, "module") < 0)
		return -1;
	n = strlen(args);
	/* Refused, not truncated, like cmdline. */
	if (n >= CFG_CMDLINE_MAX)
		return fail(ps, "module: string of '%s' too long (%lu bytes, at most %d)", m->file,
			    (unsigned long)n, CFG_CMDLINE_MAX - 1);
	memcpy(m->args, args, n + 1);
	m->line = ps->line;
	p->nmodules++;
	return 0;
}

/* dma = unconfined | confined: whether the partition accepts that the
 * functions of its pci = list can reach all memory by DMA (no IOMMU yet). */
static int parse_dma(struct parser *ps, char *v)
{
	if (!strcmp(v, "unconfined"))
		ps->cur->dma_unconfined = true;
	else if (!strcmp(v, "confined"))
		ps->cur->dma_unconfined = false;
	else
		return fail(ps, "dma: unknown value '%.40s' (expected unconfined or confined)", v);
	return 0;
}

static int parse_value(struct parser *ps, enum cfg_key k, char *v)
{
	struct cfg_partition *p = ps->cur;

	switch (k) {
	case CFG_KEY_CPUS:    return parse_cpus(ps, v);
	case CFG_KEY_MEMORY:  return parse_memory(ps, v);
	case CFG_KEY_ADDRESS: return parse_address(ps, v);
	case CFG_KEY_KERNEL:  return parse_file(ps, v, p->kernel, "kernel");
	case CFG_KEY_INITRD:  return parse_file(ps, v, p->initrd, "initrd");
	case CFG_KEY_CMDLINE: return parse_cmdline(ps, v);
	case CFG_KEY_ROLE:    return parse_role(ps, v);
	case CFG_KEY_ON_REBOOT: return parse_on_event(ps, v, &p->on_reboot, "on_reboot");
	case CFG_KEY_ON_CRASH:  return parse_on_event(ps, v, &p->on_crash, "on_crash");
	case CFG_KEY_PCI:     return parse_pci(ps, v);
	case CFG_KEY_MODULE:  return parse_module(ps, v);
	case CFG_KEY_DMA:     return parse_dma(ps, v);
	case CFG_KEY_SMT:     return parse_smt(ps, v);
	case CFG_KEY_CRASH_LOOP: return parse_on_event(ps, v, &p->crash_loop, "crash_loop");
	case CFG_KEY_COUNT:   break;
	}
	return fail(ps, "internal: bad key");
}

/* ------------------------------------------------------------ lines */

static int parse_key_line(struct parser *ps, char *s)
{
	char *eq = strchr(s, '=');
	char *key, *val;
	int k;

	if (!eq)
		return fail(ps, "expected 'key = value', '[partition NAME]' or a '#' comment");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	for (k = 0; k < CFG_KEY_COUNT; k++)
		if (!strcmp(key, key_names[k]))
			break;
	if (k == CFG_KEY_COUNT)
		return fail(ps, "unknown key '%.40s'", key);
	if (!ps->cur)
		return fail(ps, "key '%s' outside a [partition NAME] section", key);
	/* module is the one key that repeats (one line per module). */
	if (ps->cur->key_line[k] && k != CFG_KEY_MODULE)
		return fail(ps, "duplicate key '%s' (first set at line %u)", key, ps->cur->key_line[k]);
	if (!*val && k != CFG_KEY_CMDLINE)
		return fail(ps, "%s: missing value", key);
	if (parse_value(ps, (enum cfg_key)k, val) < 0)
		return -1;
	if (!ps->cur->key_line[k])
		ps->cur->key_line[k] = ps->line;
	return 0;
}

/* Checks that need the whole section: required keys, and the fixed address
 * range (memory may come after address) against earlier partitions'. */
static int end_section(struct parser *ps)
{
	static const enum cfg_key required[] = { CFG_KEY_CPUS, CFG_KEY_MEMORY, CFG_KEY_KERNEL };
	struct cfg_partition *p = ps->cur;
	uint64_t a, end;

	if (!p)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(required); i++)
		if (!cfg_has_key(p, required[i]))
			return cfg_fail(ps->err, ps->file, p->line,
					"partition '%s': missing required key '%s'",
					p->name, key_names[required[i]]);
	/* Septum has no IOMMU yet (issue 14): a device given to a partition
	 * can DMA anywhere, so the config has to say it accepts that. */
	if (p->npci && !p->dma_unconfined)
		return cfg_fail(ps->err, ps->file, p->key_line[CFG_KEY_PCI],
				"pci: partition '%s': without an IOMMU its devices' DMA can reach all memory (Septum's and other partitions' included); add 'dma = unconfined' to accept that",
				p->name);
	if (!cfg_has_address(p))
		return 0;
	a = p->address.v;
	end = a + p->memory; /* both < 2^52: no overflow */
	if (end > CFG_PHYS_LIMIT)
		return cfg_fail(ps->err, ps->file, p->key_line[CFG_KEY_ADDRESS],
				"address: 0x%lx + %lu MiB reaches beyond the 52-bit physical address space",
				(unsigned long)a, (unsigned long)(p->memory >> 20));
	for (struct cfg_partition *q = ps->cfg->part; q < p; q++) {
		if (!cfg_has_address(q) || end <= q->address.v || q->address.v + q->memory <= a)
			continue;
		return cfg_fail(ps->err, ps->file, p->key_line[CFG_KEY_ADDRESS],
				"address: 0x%lx-0x%lx overlaps partition '%s' (0x%lx-0x%lx, line %u)",
				(unsigned long)a, (unsigned long)(end - 1), q->name,
				(unsigned long)q->address.v,
				(unsigned long)(q->address.v + q->memory - 1),
				q->key_line[CFG_KEY_ADDRESS]);
	}
	return 0;
}

static int parse_header(struct parser *ps, char *s)
{
	struct cfg *cfg = ps->cfg;
	size_t n = strlen(s);
	char *kind, *name;
	struct cfg_partition *p;

	if (end_section(ps) < 0)
		return -1;
	ps->cur = NULL;
	if (s[n - 1] != ']')
		return fail(ps, "malformed section header (expected '[partition NAME]')");
	s[n - 1] = '\0';
	kind = trim(s + 1);
	for (name = kind; *name && !is_blank(*name); name++)
		;
	if (*name)
		*name++ = '\0';
	name = trim(name);
	if (strcmp(kind, "partition"))
		return fail(ps, "unknown section kind '%.40s' (expected '[partition NAME]')", kind);
	if (!*name)
		return fail(ps, "section [partition] needs a name");
	if (!valid_name(name))
		return fail(ps, "bad partition name '%.40s' (expected [a-z][a-z0-9_-]*, at most %d characters)",
			    name, CFG_NAME_MAX - 1);
	if (!strcmp(name, "septum"))
		return fail(ps, "partition name 'septum' is reserved (the hypervisor's own console tag)");
	for (unsigned i = 0; i < cfg->npartitions; i++)
		if (!strcmp(cfg->part[i].name, name))
			return fail(ps, "duplicate partition name '%s' (first defined at line %u)",
				    name, cfg->part[i].line);
	if (cfg->npartitions == CFG_MAX_PARTITIONS)
		return fail(ps, "too many partitions (at most %d)", CFG_MAX_PARTITIONS);

	p = &cfg->part[cfg->npartitions++];
	strcpy(p->name, name); /* fits: valid_name() bounds the length */
	p->line = ps->line;
	p->role = CFG_ROLE_GUEST;
	p->on_reboot = CFG_ON_RESTART;
	p->on_crash = CFG_ON_STOP;
	p->crash_loop = CFG_ON_STOP;
	p->smt = CFG_SMT_EXCLUSIVE;
	ps->cur = p;
	return 0;
}

/* Text is 7-bit or UTF-8 for people; control characters other than TAB
 * would reach the guest (cmdline) or the console and are refused. */
static int check_chars(struct parser *ps, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\0')
			return fail(ps, "NUL byte in line (column %lu)", (unsigned long)i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, "control character 0x%02x in line (column %lu)", c,
				    (unsigned long)i + 1);
	}
	return 0;
}

static int parse_line(struct parser *ps, const char *raw, size_t n)
{
	char buf[CFG_LINE_MAX + 1];
	char *s;

	if (n && raw[n - 1] == '\r') /* CR LF line ends, as DOS editors write them */
		n--;
	if (check_chars(ps, raw, n) < 0)
		return -1;
	if (n > CFG_LINE_MAX)
		return fail(ps, "line too long (%lu bytes, at most %d)", (unsigned long)n, CFG_LINE_MAX);
	memcpy(buf, raw, n);
	buf[n] = '\0';
	s = trim(buf);
	if (!*s || *s == '#')
		return 0;
	if (*s == '[')
		return parse_header(ps, s);
	return parse_key_line(ps, s);
}

int cfg_parse(const char *file, const char *text, size_t len, struct cfg *out,
	      struct cfg_error *err)
{
	struct parser ps = { .file = file, .cfg = out, .err = err, .cur = NULL, .line = 0 };
	size_t pos = 0;

	memset(out, 0, sizeof(*out));
	out->file = file;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		ps.line++;
		if (parse_line(&ps, text + pos, n) < 0)
			return -1;
		pos += n + (nl ? 1 : 0);
	}
	out->nlines = ps.line;
	if (end_section(&ps) < 0)
		return -1;
	if (out->npartitions == 0)
		return cfg_fail(err, file, 0, "no partition defined (expected at least one [partition NAME] section)");
	return 0;
}

/* ------------------------------------------------------------ images */

static int check_file(const struct cfg *cfg, const struct cfg_image_ops *ops,
		      const struct cfg_partition *p, enum cfg_key k, const char *name,
		      struct cfg_error *err)
{
	const void *data;
	size_t size;
	char why[CFG_REASON_MAX];
	char sz[24];

	if (ops->find(ops->ctx, name, &data, &size) < 0)
		return cfg_fail(err, cfg->file, p->key_line[k], "%s: file '%s' not found", key_names[k], name);
	if (k == CFG_KEY_INITRD) {
		/* The initrd is copied into the partition's RAM next to the kernel. */
		if (size >= p->memory) {
			cfg_format_size(p->memory, sz, sizeof(sz));
			return cfg_fail(err, cfg->file, p->key_line[k],
					"initrd: '%s' (%lu bytes) does not fit in the partition's %s",
					name, (unsigned long)size, sz);
		}
		return 0;
	}
	why[0] = '\0';
	if (ops->check_kernel(ops->ctx, data, size, p->memory, why, sizeof(why)) < 0)
		return cfg_fail(err, cfg->file, p->key_line[k], "kernel: '%s': %s", name,
				why[0] ? why : "not a usable image");
	return 0;
}

/* Modules are copied into the partition's RAM next to the kernel, and only
 * a kernel that reads a module list (multiboot) ever sees them: given to
 * another kind they would be silently lost, so they are refused. */
static int check_modules(const struct cfg *cfg, const struct cfg_image_ops *ops,
			 const struct cfg_partition *p, struct cfg_error *err)
{
	const void *data;
	size_t size;
	char sz[24];

	if (!p->nmodules)
		return 0;
	if (ops->takes_modules && ops->find(ops->ctx, p->kernel, &data, &size) == 0 &&
	    !ops->takes_modules(ops->ctx, data, size))
		return cfg_fail(err, cfg->file, p->module[0].line,
				"module: kernel '%s' is not a multiboot kernel (only multiboot kernels take modules)",
				p->kernel);
	for (unsigned m = 0; m < p->nmodules; m++) {
		const struct cfg_module *mod = &p->module[m];

		if (ops->find(ops->ctx, mod->file, &data, &size) < 0)
			return cfg_fail(err, cfg->file, mod->line, "module: file '%s' not found", mod->file);
		if (size >= p->memory) {
			cfg_format_size(p->memory, sz, sizeof(sz));
			return cfg_fail(err, cfg->file, mod->line,
					"module: '%s' (%lu bytes) does not fit in the partition's %s",
					mod->file, (unsigned long)size, sz);
		}
	}
	return 0;
}

int cfg_check_images(const struct cfg *cfg, const struct cfg_image_ops *ops,
		     struct cfg_error *err)
{
	for (unsigned i = 0; i < cfg->npartitions; i++) {
		const struct cfg_partition *p = &cfg->part[i];

		if (check_file(cfg, ops, p, CFG_KEY_KERNEL, p->kernel, err) < 0)
			return -1;
		if (p->initrd[0] && check_file(cfg, ops, p, CFG_KEY_INITRD, p->initrd, err) < 0)
			return -1;
		if (check_modules(cfg, ops, p, err) < 0)
			return -1;
	}
	return 0;
}

void cfg_reserve_parts(const struct cfg *cfg, struct reserve_in *in)
{
	in->nparts = cfg->npartitions;
	for (unsigned i = 0; i < cfg->npartitions; i++)
		in->part[i] = (struct reserve_part){ .ram = cfg->part[i].memory,
						     .ncpus = (unsigned)__builtin_popcountll(cfg->part[i].cpus),
						     .npci = cfg->part[i].npci };
}

/* SPDX-License-Identifier: MIT */
/*
 * septum-check: checks a septum.cfg on the host with the very parser and
 * planner the hypervisor runs at boot (kernel/config.c, kernel/plan.c), plans
 * it against a model machine, optionally validates the images with the core's
 * ELF loader checks (kernel/guest/elf.c), and prints the plan.
 *
 *   septum-check [--cpus N] [--threads-per-core T] [--ram SIZE[@BASE]]... [--images DIR] FILE.cfg
 *
 * Exit status: 0 valid, 1 invalid ("FILE:LINE: reason" on stderr), 2 usage.
 * docs/config.md documents the options and the output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <septum/config.h>
#include <septum/elf.h>
#include <septum/image.h>
#include <septum/plan.h>

#define DEFAULT_CPUS     4u
#define DEFAULT_RAM_BASE (16ull << 20)
#define DEFAULT_RAM_SIZE (1ull << 30)
#define MAX_RAM_OPTS     64
#define MAX_THREADS_PER_CORE 8    /* SMT-2 and SMT-4 (Xeon Phi) exist; 8 is ample */
#define MAX_CONFIG_SIZE  (1u << 20)   /* far beyond 16 partitions of 511-byte lines */

enum { EXIT_INVALID = 1, EXIT_USAGE = 2 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: septum-check [--cpus N] [--threads-per-core T] [--ram SIZE[@BASE]]...\n"
		"                    [--images DIR] FILE.cfg\n"
		"\n"
		"Parses and validates a Septum partition config with the hypervisor's own\n"
		"parser and planner, plans it against a model machine and prints the plan.\n"
		"\n"
		"  --cpus N          the machine has N logical CPUs, 0..N-1 (1-64; default %u)\n"
		"  --threads-per-core T\n"
		"                    each physical core has T hardware threads (SMT): CPUs\n"
		"                    0..T-1 are core 0, T..2T-1 core 1, ... (1-8; default 1)\n"
		"  --ram SIZE[@BASE] a block of free RAM of SIZE bytes at host-physical BASE;\n"
		"                    repeatable; without @BASE a block starts where the\n"
		"                    previous one ends (the first at 0x%lx). SIZE and BASE:\n"
		"                    decimal or 0x-hex, optional K/M/G suffix.\n"
		"                    Default: one block of 1G at 16M (0x1000000-0x40ffffff)\n"
		"  --images DIR      also check that every kernel and initrd named exists in\n"
		"                    DIR, and that each kernel is a valid ELF image that fits\n"
		"                    its partition's RAM\n"
		"  -h, --help        this text\n"
		"\n"
		"Exit status: 0 valid, 1 invalid (FILE:LINE: reason on stderr), 2 usage error.\n",
		DEFAULT_CPUS, (unsigned long)DEFAULT_RAM_BASE);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "septum-check: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'septum-check --help'.\n");
	return EXIT_USAGE;
}

/* ------------------------------------------------------------ model machine */

static int cmp_range(const void *a, const void *b)
{
	const struct plan_range *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Parses SIZE[@BASE] with the config's own number grammar. */
static int parse_ram(const char *arg, uint64_t next_base, struct plan_range *r)
{
	char buf[64];
	char *at;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	at = strchr(buf, '@');
	if (at)
		*at++ = '\0';
	if (cfg_parse_size(buf, &r->size) != CFG_SIZE_OK || r->size == 0)
		return -1;
	r->base = next_base;
	if (at && cfg_parse_size(at, &r->base) != CFG_SIZE_OK)
		return -1;
	return r->base + r->size <= CFG_PHYS_LIMIT ? 0 : -1;
}

/* Sorts the blocks and refuses overlaps: struct plan_machine's contract. */
static int finish_machine(struct plan_machine *m)
{
	qsort(m->free, m->nfree, sizeof(m->free[0]), cmp_range);
	for (unsigned i = 1; i < m->nfree; i++)
		if (m->free[i].base < m->free[i - 1].base + m->free[i - 1].size)
			return -1;
	return 0;
}

/* ------------------------------------------------------------ files */

/* Reads a whole regular file of at most max bytes into a malloc'd buffer.
 * Returns NULL with errno set. */
static char *read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	int e = 0;

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) < 0)
		e = errno;
	else if (!S_ISREG(st.st_mode))
		e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
	else if ((uint64_t)st.st_size > max)
		e = EFBIG;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		e = ENOMEM;
	else if (fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		e = EIO;
	fclose(f);
	if (e) {
		free(buf);
		errno = e;
		return NULL;
	}
	*len = (size_t)st.st_size;
	return buf;
}

/* Images found in --images DIR, kept until exit so pointers stay valid. */
struct image_dir {
	const char *dir;
	unsigned n;
	struct { char name[CFG_FILE_MAX]; char *data; size_t size; } file[2 * CFG_MAX_PARTITIONS];
};

static int dir_find(void *ctx, const char *name, const void **data, size_t *size)
{
	struct image_dir *d = ctx;
	char path[4096];
	char *buf;
	size_t len;

	for (unsigned i = 0; i < d->n; i++) {
		if (!strcmp(d->file[i].name, name)) {
			*data = d->file[i].data;
			*size = d->file[i].size;
			return 0;
		}
	}
	if (d->n == ARRAY_SIZE(d->file) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", d->dir, name) >= sizeof(path))
		return -1;
	buf = read_file(path, (size_t)1 << 40, &len);
	if (!buf)
		return -1;
	snprintf(d->file[d->n].name, sizeof(d->file[d->n].name), "%s", name);
	d->file[d->n].data = buf;
	d->file[d->n].size = len;
	d->n++;
	*data = buf;
	*size = len;
	return 0;
}

/* The core's own acceptance test for a partition image (multiboot, ELF or bzImage). */
static int elf_check_kernel(void *ctx, const void *data, size_t size, uint64_t ram_size,
			    char *why, size_t whylen)
{
	(void)ctx;
	return guest_image_check(data, size, ram_size, why, whylen);
}

static void free_images(struct image_dir *d)
{
	for (unsigned i = 0; i < d->n; i++)
		free(d->file[i].data);
}

/* ------------------------------------------------------------ main */

static int report(const struct cfg_error *err)
{
	char line[CFG_REASON_MAX + 4096];

	cfg_error_format(err, line, sizeof(line));
	fprintf(stderr, "%s\n", line);
	return EXIT_INVALID;
}

/* The model machine's topology: one package, threads_per_core threads per core. */
static void set_topology(struct plan_machine *m, unsigned threads_per_core)
{
	m->topology = true;
	for (unsigned c = 0; c < m->ncpus; c++)
		m->cpu[c] = (struct topo_id){ 0, c / threads_per_core, c % threads_per_core };
}

static void print_machine(const struct plan_machine *m, unsigned threads_per_core)
{
	char sz[24];

	printf("machine: %u CPU%s, %u thread%s per core; free RAM", m->ncpus, m->ncpus == 1 ? "" : "s",
	       threads_per_core, threads_per_core == 1 ? "" : "s");
	for (unsigned i = 0; i < m->nfree; i++) {
		cfg_format_size(m->free[i].size, sz, sizeof(sz));
		printf("%s 0x%lx-0x%lx (%s)", i ? "," : "", (unsigned long)m->free[i].base,
		       (unsigned long)(m->free[i].base + m->free[i].size - 1), sz);
	}
	printf("\n");
}

/* Checks the config against the machine and the images; prints the plan. */
static int check(const char *path, const char *text, size_t len, const struct plan_machine *m,
		 unsigned threads_per_core, const char *images)
{
	static struct cfg cfg;
	static struct plan plan;
	static struct image_dir dir;
	struct cfg_error err;
	char out[8192];
	int rc = 0;

	if (cfg_parse(path, text, len, &cfg, &err) < 0 || plan_build(&cfg, m, &plan, &err) < 0)
		return report(&err);
	if (images) {
		const struct cfg_image_ops ops = { .ctx = &dir, .find = dir_find,
						   .check_kernel = elf_check_kernel,
						   .takes_modules = guest_image_takes_modules };

		dir.dir = images;
		rc = cfg_check_images(&cfg, &ops, &err);
		free_images(&dir);
		if (rc < 0)
			return report(&err);
	}
	for (unsigned i = 0; i < plan.nshared; i++) {
		plan_format_shared(&cfg, &plan, i, out, sizeof(out));
		fprintf(stderr, "%s: warning: %s\n", path, out);
	}
	printf("%s: valid, %u partition%s\n", path, cfg.npartitions, cfg.npartitions == 1 ? "" : "s");
	print_machine(m, threads_per_core);
	plan_format(&cfg, &plan, out, sizeof(out));
	fputs(out, stdout);
	printf("core map:\n");
	for (unsigned i = 0; i < plan.ncores; i++) {
		plan_format_core(&cfg, &plan, i, out, sizeof(out));
		printf("  %s\n", out);
	}
	if (images)
		printf("images: every kernel, initrd and module found in %s; kernels are valid (ELF test guest, multiboot kernel or Linux bzImage) and fit\n", images);
	else
		printf("images: not checked (use --images DIR)\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cpus",   required_argument, NULL, 'c' },
		{ "ram",    required_argument, NULL, 'r' },
		{ "threads-per-core", required_argument, NULL, 't' },
		{ "images", required_argument, NULL, 'i' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct plan_machine m;
	const char *images = NULL;
	uint64_t next_base = DEFAULT_RAM_BASE;
	char *text, *end;
	size_t len;
	unsigned long v;
	unsigned threads_per_core = 1;
	int c, rc;

	m.ncpus = DEFAULT_CPUS;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > CFG_MAX_CPUS)
				return usage_error("--cpus wants a number from 1 to 64, not '%s'", optarg);
			m.ncpus = (unsigned)v;
			break;
		case 'r':
			if (m.nfree == MAX_RAM_OPTS)
				return usage_error("at most %d --ram blocks", MAX_RAM_OPTS);
			if (parse_ram(optarg, next_base, &m.free[m.nfree]) < 0)
				return usage_error("--ram wants SIZE[@BASE] (e.g. 512M@0x100000000), not '%s'",
						   optarg);
			next_base = m.free[m.nfree].base + m.free[m.nfree].size;
			m.nfree++;
			break;
		case 't':
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > MAX_THREADS_PER_CORE)
				return usage_error("--threads-per-core wants a number from 1 to %d, not '%s'",
						   MAX_THREADS_PER_CORE, optarg);
			threads_per_core = (unsigned)v;
			break;
		case 'i':
			images = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", optind == argc ? "which config file?" : "one config file only");
	if (m.nfree == 0) {
		m.free[0] = (struct plan_range){ DEFAULT_RAM_BASE, DEFAULT_RAM_SIZE };
		m.nfree = 1;
	}
	if (finish_machine(&m) < 0)
		return usage_error("--ram blocks overlap");
	set_topology(&m, threads_per_core);

	text = read_file(argv[optind], MAX_CONFIG_SIZE, &len);
	if (!text) {
		fprintf(stderr, "septum-check: %s: %s\n", argv[optind], strerror(errno));
		return EXIT_USAGE;
	}
	rc = check(argv[optind], text, len, &m, threads_per_core, images);
	free(text);
	return rc;
}

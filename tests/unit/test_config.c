/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the septum.cfg parser (kernel/config.c): valid files with
 * every parsed field checked, and one test per kind of invalid input that
 * asserts the exact line number and a substring of the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/config.h>

static struct cfg cfg;
static struct cfg_error err;

static int parse_len(const char *text, size_t len)
{
	memset(&err, 0xa5, sizeof(err));
	return cfg_parse("t.cfg", text, len, &cfg, &err);
}

static int parse(const char *text)
{
	return parse_len(text, strlen(text));
}

static void expect_ok(const char *text)
{
	if (parse(text) != 0)
		fail_msg("unexpected error: %s:%u: %s", err.file, err.line, err.reason);
}

/* The config must be refused at `line` with a reason containing `what`. */
#define expect_error(text, line, what) check_error(parse(text), line, what)

static void check_error(int rc, unsigned line, const char *what)
{
	assert_int_equal(rc, -1);
	assert_string_equal(err.file, "t.cfg");
	if (err.line != line || !strstr(err.reason, what))
		fail_msg("got %u: '%s', want %u: '...%s...'", err.line, err.reason, line, what);
}

#define P1 "[partition a]\ncpus = 1\nmemory = 16M\nkernel = a.elf\n"

/* ------------------------------------------------------------ valid */

static void full_config(void **state)
{
	(void)state;
	expect_ok("# Septum test config\r\n"
		  "\r\n"
		  "  [partition linux0]  \r\n"
		  "cpus    = 1-2,4\r\n"
		  "memory  = 512M\r\n"
		  "address = 0x40000000\r\n"
		  "\tkernel  =\tvmlinuz\r\n"
		  "initrd  = initrd.img\r\n"
		  "cmdline = console=ttyS0 root=/dev/ram0 # not a comment\r\n"
		  "role    = container-host\r\n"
		  "\n"
		  "[ partition   rt_1-b ]\n"
		  "# comment inside a section\n"
		  "kernel=rt.elf\n"
		  "memory=2097152\n"
		  "cpus=0\n");
	assert_string_equal(cfg.file, "t.cfg");
	assert_int_equal(cfg.npartitions, 2);
	assert_int_equal(cfg.nlines, 16);

	const struct cfg_partition *p = &cfg.part[0];
	assert_string_equal(p->name, "linux0");
	assert_int_equal(p->line, 3);
	assert_int_equal(p->cpus, 0x16);
	assert_int_equal(p->memory, 512ull << 20);
	assert_true(cfg_has_address(p));
	assert_int_equal(p->address.v, 0x40000000);
	assert_string_equal(p->kernel, "vmlinuz");
	assert_string_equal(p->initrd, "initrd.img");
	assert_string_equal(p->cmdline, "console=ttyS0 root=/dev/ram0 # not a comment");
	assert_int_equal(p->role, CFG_ROLE_CONTAINER_HOST);
	assert_int_equal(p->key_line[CFG_KEY_CPUS], 4);
	assert_int_equal(p->key_line[CFG_KEY_MEMORY], 5);
	assert_int_equal(p->key_line[CFG_KEY_ADDRESS], 6);
	assert_int_equal(p->key_line[CFG_KEY_KERNEL], 7);
	assert_int_equal(p->key_line[CFG_KEY_INITRD], 8);
	assert_int_equal(p->key_line[CFG_KEY_CMDLINE], 9);
	assert_int_equal(p->key_line[CFG_KEY_ROLE], 10);

	p = &cfg.part[1];
	assert_string_equal(p->name, "rt_1-b");
	assert_int_equal(p->line, 12);
	assert_int_equal(p->cpus, 0x1);
	assert_int_equal(p->memory, 2ull << 20);
	assert_false(cfg_has_address(p));
	assert_string_equal(p->kernel, "rt.elf");
	assert_string_equal(p->initrd, "");
	assert_string_equal(p->cmdline, "");
	assert_int_equal(p->role, CFG_ROLE_GUEST);
	assert_int_equal(p->key_line[CFG_KEY_KERNEL], 14);
	assert_int_equal(p->key_line[CFG_KEY_MEMORY], 15);
	assert_int_equal(p->key_line[CFG_KEY_CPUS], 16);
	assert_int_equal(p->key_line[CFG_KEY_ADDRESS], 0);
	assert_int_equal(p->key_line[CFG_KEY_INITRD], 0);
	assert_int_equal(p->key_line[CFG_KEY_CMDLINE], 0);
	assert_int_equal(p->key_line[CFG_KEY_ROLE], 0);
}

static void size_forms(void **state)
{
	static const struct { const char *text; uint64_t bytes; } cases[] = {
		{ "2M", 2ull << 20 },       { "2m", 2ull << 20 },
		{ "2048K", 2ull << 20 },    { "2048k", 2ull << 20 },
		{ "1G", 1ull << 30 },       { "3g", 3ull << 30 },
		{ "0x200000", 2ull << 20 }, { "0X400000", 4ull << 20 },
		{ "0x2M", 2ull << 20 },     { "4194304", 4ull << 20 },
		{ "4194304K", 4ull << 30 }, { "4194304G", 1ull << 52 },
	};
	char text[200];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "[partition a]\ncpus=1\nkernel=a\nmemory=%s\n",
			 cases[i].text);
		expect_ok(text);
		assert_int_equal(cfg.part[0].memory, cases[i].bytes);
	}
}

static void parse_size_api(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cfg_parse_size("16M", &v), CFG_SIZE_OK);
	assert_int_equal(v, 16ull << 20);
	assert_int_equal(cfg_parse_size("0x100000000", &v), CFG_SIZE_OK);
	assert_int_equal(v, 1ull << 32);
	assert_int_equal(cfg_parse_size("010", &v), CFG_SIZE_OK); /* decimal, not octal */
	assert_int_equal(v, 10);
	v = 7;
	assert_int_equal(cfg_parse_size("", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(cfg_parse_size("0x", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(cfg_parse_size(" 1", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(cfg_parse_size("+1", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(cfg_parse_size("1T", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(cfg_parse_size("1MM", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(cfg_parse_size("0x1g0", &v), CFG_SIZE_MALFORMED);
	assert_int_equal(v, 7);
	assert_int_equal(cfg_parse_size("0x10000000000001", &v), CFG_SIZE_TOO_LARGE);
	assert_int_equal(cfg_parse_size("4194305G", &v), CFG_SIZE_TOO_LARGE);
	assert_int_equal(cfg_parse_size("18446744073709551616", &v), CFG_SIZE_TOO_LARGE);
	assert_int_equal(v, 7);
}

static void cpu_forms(void **state)
{
	static const struct { const char *text; uint64_t mask; } cases[] = {
		{ "0", 0x1 },           { "63", 1ull << 63 },
		{ "1-3,5", 0x2e },      { " 1 - 2 , 4 ", 0x16 },
		{ "0-63", ~0ull },      { "7,3", 0x88 },
		{ "5-5", 0x20 },        { "007", 0x80 },
	};
	char text[200];

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "[partition a]\nmemory=2M\nkernel=a\ncpus=%s\n",
			 cases[i].text);
		expect_ok(text);
		assert_int_equal(cfg.part[0].cpus, cases[i].mask);
	}
}

static void cmdline_limits(void **state)
{
	char text[600];
	char line[300];

	(void)state;
	memset(line, 'x', 255);
	line[255] = '\0';
	snprintf(text, sizeof(text), P1 "cmdline = %s\n", line);
	expect_ok(text);
	assert_int_equal(strlen(cfg.part[0].cmdline), 255);
	assert_memory_equal(cfg.part[0].cmdline, line, 256);

	expect_ok(P1 "cmdline =\n");
	assert_string_equal(cfg.part[0].cmdline, "");
	assert_int_equal(cfg.part[0].key_line[CFG_KEY_CMDLINE], 5);

	expect_ok(P1 "cmdline = a=b  c==d [x] \n");
	assert_string_equal(cfg.part[0].cmdline, "a=b  c==d [x]");
}

static void names_and_files_at_limits(void **state)
{
	(void)state;
	/* 31-character name, 63-character file names */
	expect_ok("[partition abcdefghijklmnopqrstuvwxyz01234]\ncpus=1\nmemory=2M\n"
		  "kernel=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123._-\n"
		  "initrd=.hidden\n");
	assert_string_equal(cfg.part[0].name, "abcdefghijklmnopqrstuvwxyz01234");
	assert_string_equal(cfg.part[0].kernel,
			    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123._-");
	assert_string_equal(cfg.part[0].initrd, ".hidden");
}

static void sixteen_partitions(void **state)
{
	char text[4096];
	size_t pos = 0;

	(void)state;
	for (int i = 0; i < CFG_MAX_PARTITIONS; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos,
					"[partition p%d]\ncpus=%d\nmemory=2M\nkernel=k\n", i, i);
	expect_ok(text);
	assert_int_equal(cfg.npartitions, 16);
	assert_string_equal(cfg.part[15].name, "p15");
	assert_int_equal(cfg.part[15].cpus, 1ull << 15);
	assert_int_equal(cfg.part[15].line, 61);
}

static void no_final_newline_and_length_bound(void **state)
{
	(void)state;
	expect_ok(P1 "cmdline = end");
	assert_string_equal(cfg.part[0].cmdline, "end");
	/* Only len bytes are read: what follows is not part of the file. */
	const char *t = P1 "role = container-host";
	assert_int_equal(parse_len(t, strlen(P1) + 10), -1);
	assert_int_equal(err.line, 5);
	assert_non_null(strstr(err.reason, "unknown role 'con'"));
}

static void address_neighbours_touching(void **state)
{
	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=16M\nkernel=k\naddress=0x1000000\n"
		  "[partition b]\ncpus=2\nmemory=2M\nkernel=k\naddress=0x2000000\n"
		  "[partition c]\ncpus=3\naddress=0x800000\nmemory=8M\nkernel=k\n");
	assert_int_equal(cfg.part[2].address.v, 0x800000);
	assert_int_equal(cfg.part[2].memory, 8ull << 20);
}

static void default_cfg_file(void **state)
{
	static char text[65536];
	FILE *f = fopen("configs/default.cfg", "rb");
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (cfg_parse("configs/default.cfg", text, n, &cfg, &err) != 0)
		fail_msg("%s:%u: %s", err.file, err.line, err.reason);
	/* The demo: 2-CPU Linux container-host (boot CPU included), 1-CPU
	 * Linux, 1-CPU multiboot kernel with a module. */
	assert_int_equal(cfg.npartitions, 3);
	assert_string_equal(cfg.part[0].name, "linux0");
	assert_int_equal(cfg.part[0].cpus, 3ull);
	assert_int_equal(cfg.part[0].memory, 192ull << 20);
	assert_string_equal(cfg.part[0].kernel, "vmlinuz");
	assert_string_equal(cfg.part[0].initrd, "initrd.img");
	assert_int_equal(cfg.part[0].role, CFG_ROLE_CONTAINER_HOST);
	assert_int_equal(cfg.part[0].on_reboot, CFG_ON_RESTART);
	assert_string_equal(cfg.part[1].name, "linux1");
	assert_int_equal(cfg.part[1].cpus, 1ull << 2);
	assert_string_equal(cfg.part[2].name, "mb");
	assert_int_equal(cfg.part[2].cpus, 1ull << 3);
	assert_string_equal(cfg.part[2].kernel, "mbtest1.elf");
	assert_int_equal(cfg.part[2].nmodules, 1);
	assert_string_equal(cfg.part[2].module[0].file, "mbmod-a.txt");
	assert_string_equal(cfg.part[2].module[0].args, "demo module");
}

/* ------------------------------------------------------------ formatters */

static void error_format(void **state)
{
	struct cfg_error e = { .file = "x.cfg", .line = 12, .reason = "cpus: CPU 1 listed twice" };
	char buf[200];

	(void)state;
	assert_int_equal(cfg_error_format(&e, buf, sizeof(buf)), 34);
	assert_string_equal(buf, "x.cfg:12: cpus: CPU 1 listed twice");
	e.line = 0;
	cfg_error_format(&e, buf, sizeof(buf));
	assert_string_equal(buf, "x.cfg: cpus: CPU 1 listed twice");
	e.line = 12;
	assert_int_equal(cfg_error_format(&e, buf, 6), 34);
	assert_string_equal(buf, "x.cfg");
}

static void cpus_format(void **state)
{
	char buf[200];

	(void)state;
	cfg_format_cpus(0x16, buf, sizeof(buf));
	assert_string_equal(buf, "1-2,4");
	cfg_format_cpus(0, buf, sizeof(buf));
	assert_string_equal(buf, "-");
	cfg_format_cpus(~0ull, buf, sizeof(buf));
	assert_string_equal(buf, "0-63");
	cfg_format_cpus((1ull << 63) | 1 | 4, buf, sizeof(buf));
	assert_string_equal(buf, "0,2,63");
	assert_int_equal(cfg_format_cpus(0x16, buf, 3), 5);
	assert_string_equal(buf, "1-");
}

static void size_format(void **state)
{
	char buf[64];

	(void)state;
	cfg_format_size(16ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "16 MiB");
	cfg_format_size(1ull << 30, buf, sizeof(buf));
	assert_string_equal(buf, "1 GiB");
	cfg_format_size(1536ull << 20, buf, sizeof(buf));
	assert_string_equal(buf, "1536 MiB");
	cfg_format_size(4096, buf, sizeof(buf));
	assert_string_equal(buf, "4 KiB");
	cfg_format_size(1000, buf, sizeof(buf));
	assert_string_equal(buf, "1000 bytes");
	cfg_format_size(0, buf, sizeof(buf));
	assert_string_equal(buf, "0 bytes");
	assert_string_equal(cfg_role_name(CFG_ROLE_CONTAINER_HOST), "container-host");
	assert_string_equal(cfg_key_name(CFG_KEY_INITRD), "initrd");
}

/* ------------------------------------------------------------ invalid: structure */

static void err_unknown_key(void **state)
{
	(void)state;
	expect_error(P1 "colour = blue\n", 5, "unknown key 'colour'");
}

static void err_key_outside_section(void **state)
{
	(void)state;
	expect_error("# top\ncpus = 1\n" P1, 2, "key 'cpus' outside a [partition NAME] section");
}

static void err_unknown_section_kind(void **state)
{
	(void)state;
	expect_error(P1 "[device uart]\n", 5, "unknown section kind 'device'");
}

static void err_section_without_name(void **state)
{
	(void)state;
	expect_error("\n[partition]\n", 2, "section [partition] needs a name");
}

static void err_malformed_header(void **state)
{
	(void)state;
	expect_error("[partition a\ncpus=1\n", 1, "malformed section header");
	expect_error("[partition a] # c\ncpus=1\n", 1, "malformed section header");
}

static void err_no_equals(void **state)
{
	(void)state;
	expect_error(P1 "kernel hello.elf\n", 5, "expected 'key = value'");
}

static void err_bad_name_uppercase(void **state)
{
	(void)state;
	expect_error("[partition Hello]\n", 1, "bad partition name 'Hello'");
}

static void err_bad_name_digit_first(void **state)
{
	(void)state;
	expect_error("[partition 1a]\n", 1, "bad partition name '1a'");
}

static void err_bad_name_too_long(void **state)
{
	(void)state;
	expect_error("[partition abcdefghijklmnopqrstuvwxyz012345]\n", 1,
		     "at most 31 characters");
}

static void err_bad_name_two_words(void **state)
{
	(void)state;
	expect_error("[partition a b]\n", 1, "bad partition name 'a b'");
}

static void err_reserved_name(void **state)
{
	(void)state;
	expect_error("[partition septum]\n", 1, "partition name 'septum' is reserved");
}

static void err_duplicate_key(void **state)
{
	(void)state;
	expect_error(P1 "\nmemory = 32M\n", 6, "duplicate key 'memory' (first set at line 3)");
}

static void err_duplicate_partition(void **state)
{
	(void)state;
	expect_error(P1 "[partition b]\ncpus=2\nmemory=2M\nkernel=b\n[partition a]\n", 9,
		     "duplicate partition name 'a' (first defined at line 1)");
}

static void err_too_many_partitions(void **state)
{
	char text[4096];
	size_t pos = 0;

	(void)state;
	for (int i = 0; i <= CFG_MAX_PARTITIONS; i++)
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos,
					"[partition p%d]\ncpus=%d\nmemory=2M\nkernel=k\n", i, i);
	expect_error(text, 65, "too many partitions (at most 16)");
}

static void err_line_too_long(void **state)
{
	char text[1200];
	char pad[600];

	(void)state;
	memset(pad, 'x', 510);
	pad[510] = '\0';
	/* "#" + 510 = 511 bytes: the limit, accepted. */
	snprintf(text, sizeof(text), P1 "#%s\n", pad);
	expect_ok(text);
	snprintf(text, sizeof(text), P1 "#%sy\n", pad);
	expect_error(text, 5, "line too long (512 bytes, at most 511)");
}

static void err_no_partition(void **state)
{
	(void)state;
	expect_error("# nothing here\n\n", 0, "no partition defined");
}

static void err_empty_file(void **state)
{
	(void)state;
	check_error(parse_len("", 0), 0, "no partition defined");
}

static void err_nul_byte(void **state)
{
	static const char text[] = P1 "cmdline = a\0b\n";

	(void)state;
	check_error(parse_len(text, sizeof(text) - 1), 5, "NUL byte in line (column 12)");
}

static void err_control_char(void **state)
{
	(void)state;
	expect_error(P1 "cmdline = a\033[31m\n", 5, "control character 0x1b");
}

static void err_bare_cr(void **state)
{
	(void)state;
	expect_error(P1 "cmdline = a\rb\n", 5, "control character 0x0d");
}

/* ------------------------------------------------------------ invalid: required keys */

static void err_missing_cpus(void **state)
{
	(void)state;
	expect_error(P1 "\n[partition b]\nmemory=2M\nkernel=b\n", 6,
		     "partition 'b': missing required key 'cpus'");
}

static void err_missing_memory(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus=1\nkernel=a\n" P1, 1,
		     "partition 'a': missing required key 'memory'");
}

static void err_missing_kernel_last_section(void **state)
{
	(void)state;
	expect_error("# x\n[partition a]\ncpus=1\nmemory=2M\n", 2,
		     "partition 'a': missing required key 'kernel'");
}

static void err_missing_value(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus =  \n", 2, "cpus: missing value");
}

/* ------------------------------------------------------------ invalid: cpus */

static void err_cpus_malformed(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus = 1-x\n", 2, "cpus: malformed element '1-x'");
}

static void err_cpus_negative(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus = -1\n", 2, "cpus: malformed element '-1'");
}

static void err_cpus_empty_element(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus = 1,,2\n", 2, "cpus: empty element");
}

static void err_cpus_reversed(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus = 4-2\n", 2, "cpus: range 4-2 is reversed");
}

static void err_cpus_out_of_range(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus = 1,64\n", 2, "cpus: CPU 64 is out of range (0-63)");
	expect_error("[partition a]\ncpus = 2-99999999999999999999\n", 2,
		     "cpus: CPU 99999999999999999999 is out of range");
}

static void err_cpus_twice_in_partition(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus = 1-3,2\n", 2, "cpus: CPU 2 listed twice");
}

static void err_cpus_shared(void **state)
{
	(void)state;
	expect_error(P1 "[partition b]\nmemory=2M\n\ncpus = 3,0-1\n", 8,
		     "cpus: CPU 1 is already given to partition 'a' (line 2)");
}

/* ------------------------------------------------------------ invalid: memory */

static void err_memory_malformed(void **state)
{
	(void)state;
	expect_error("[partition a]\nmemory = 16MB\n", 2, "memory: malformed size '16MB'");
}

static void err_memory_signed(void **state)
{
	(void)state;
	expect_error("[partition a]\nmemory = -16M\n", 2, "memory: malformed size '-16M'");
}

static void err_memory_inner_blank(void **state)
{
	(void)state;
	expect_error("[partition a]\nmemory = 16 M\n", 2, "memory: malformed size '16 M'");
}

static void err_memory_not_multiple(void **state)
{
	(void)state;
	expect_error("[partition a]\nmemory = 3M\n", 2, "memory: '3M' is not a multiple of 2 MiB");
}

static void err_memory_too_small(void **state)
{
	(void)state;
	expect_error("[partition a]\nmemory = 1M\n", 2, "memory: '1M' is less than 2 MiB");
	expect_error("[partition a]\nmemory = 0\n", 2, "memory: '0' is less than 2 MiB");
}

static void err_memory_too_large(void **state)
{
	(void)state;
	expect_error("[partition a]\nmemory = 4194306G\n", 2, "memory: '4194306G' is too large");
	expect_error("[partition a]\nmemory = 99999999999999999999999\n", 2, "is too large");
}

/* ------------------------------------------------------------ invalid: address */

static void err_address_malformed(void **state)
{
	(void)state;
	expect_error(P1 "address = 0xZZ\n", 5, "address: malformed address '0xZZ'");
}

static void err_address_unaligned(void **state)
{
	(void)state;
	expect_error(P1 "address = 0x40100000\n", 5, "address: 0x40100000 is not 2 MiB aligned");
}

static void err_address_below_1m(void **state)
{
	(void)state;
	expect_error(P1 "address = 0\n", 5, "address: 0x0 is below 1 MiB");
}

static void err_address_beyond_52_bits(void **state)
{
	(void)state;
	expect_error(P1 "address = 0x20000000000000\n", 5, "beyond the 52-bit physical address space");
	/* The base alone is below the limit; base + memory is not. */
	expect_error(P1 "address = 0xfffffffe00000\n", 5, "+ 16 MiB reaches beyond the 52-bit");
}

static void err_address_overlap(void **state)
{
	(void)state;
	expect_error("[partition a]\ncpus=1\nmemory=16M\nkernel=k\naddress=0x1000000\n"
		     "[partition b]\ncpus=2\naddress=0x1e00000\nmemory=4M\nkernel=k\n", 8,
		     "address: 0x1e00000-0x21fffff overlaps partition 'a' (0x1000000-0x1ffffff, line 5)");
}

/* ------------------------------------------------------------ invalid: files, cmdline, role */

static void err_kernel_path(void **state)
{
	(void)state;
	expect_error("[partition a]\nkernel = ../septum.elf\n", 2, "kernel: bad file name '../septum.elf'");
	expect_error("[partition a]\nkernel = efi\\boot.efi\n", 2, "kernel: bad file name");
	expect_error("[partition a]\nkernel = ..\n", 2, "kernel: bad file name '..'");
}

static void err_kernel_name_too_long(void **state)
{
	(void)state;
	expect_error("[partition a]\nkernel = "
		     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.x\n", 2,
		     "expected 1-63 characters");
}

static void err_initrd_bad_name(void **state)
{
	(void)state;
	expect_error(P1 "initrd = init rd.img\n", 5, "initrd: bad file name 'init rd.img'");
}

static void err_cmdline_too_long(void **state)
{
	char text[600];
	char line[300];

	(void)state;
	memset(line, 'x', 256);
	line[256] = '\0';
	snprintf(text, sizeof(text), P1 "cmdline = %s\n", line);
	expect_error(text, 5, "cmdline: too long (256 bytes, at most 255)");
}

static void err_role_unknown(void **state)
{
	(void)state;
	expect_error(P1 "role = host\n", 5, "role: unknown role 'host'");
}

static void err_two_container_hosts(void **state)
{
	(void)state;
	expect_error(P1 "role = container-host\n[partition b]\ncpus=2\nrole = container-host\n", 8,
		     "role: partition 'a' (line 5) is already the container-host");
}

/* ------------------------------------------------------------ on_reboot, on_crash, pci, module */

static void event_keys(void **state)
{
	(void)state;
	expect_ok(P1 "[partition b]\ncpus=2\nmemory=2M\nkernel=b\non_reboot = stop\non_crash = restart\n");
	/* Defaults: a reboot restarts, a crash stops. */
	assert_int_equal(cfg.part[0].on_reboot, CFG_ON_RESTART);
	assert_int_equal(cfg.part[0].on_crash, CFG_ON_STOP);
	assert_int_equal(cfg.part[0].key_line[CFG_KEY_ON_REBOOT], 0);
	assert_int_equal(cfg.part[1].on_reboot, CFG_ON_STOP);
	assert_int_equal(cfg.part[1].on_crash, CFG_ON_RESTART);
	assert_int_equal(cfg.part[1].key_line[CFG_KEY_ON_REBOOT], 9);
	assert_int_equal(cfg.part[1].key_line[CFG_KEY_ON_CRASH], 10);
	assert_string_equal(cfg_key_name(CFG_KEY_ON_REBOOT), "on_reboot");
	assert_string_equal(cfg_key_name(CFG_KEY_ON_CRASH), "on_crash");
	assert_string_equal(cfg_key_name(CFG_KEY_PCI), "pci");
	assert_string_equal(cfg_key_name(CFG_KEY_MODULE), "module");
	assert_string_equal(cfg_key_name(CFG_KEY_COUNT), "?");
	expect_ok(P1 "on_reboot=restart\non_crash=stop\n");
	assert_int_equal(cfg.part[0].on_reboot, CFG_ON_RESTART);
	assert_int_equal(cfg.part[0].on_crash, CFG_ON_STOP);
	/* crash_loop: stop by default, restart lifts the crash-loop limit */
	assert_int_equal(cfg.part[0].crash_loop, CFG_ON_STOP);
	expect_ok(P1 "on_crash=restart\ncrash_loop = restart\n");
	assert_int_equal(cfg.part[0].crash_loop, CFG_ON_RESTART);
	assert_string_equal(cfg_key_name(CFG_KEY_CRASH_LOOP), "crash_loop");
}

static void smt_key(void **state)
{
	(void)state;
	expect_ok(P1 "smt = shared-core-ok\n[partition b]\ncpus=2\nmemory=2M\nkernel=b\nsmt=exclusive\n");
	assert_int_equal(cfg.part[0].smt, CFG_SMT_SHARED_CORE_OK);
	assert_int_equal(cfg.part[0].key_line[CFG_KEY_SMT], 5);
	assert_int_equal(cfg.part[1].smt, CFG_SMT_EXCLUSIVE);
	assert_string_equal(cfg_key_name(CFG_KEY_SMT), "smt");
	expect_ok(P1);
	assert_int_equal(cfg.part[0].smt, CFG_SMT_EXCLUSIVE);
}

static void err_smt_unknown(void **state)
{
	(void)state;
	expect_error(P1 "smt = shared\n", 5, "smt: unknown value 'shared' (expected exclusive or shared-core-ok)");
}

static void pci_forms(void **state)
{
	(void)state;
	expect_ok(P1 "pci = 00:1f.3, 3:0.0,FF:1F.7 ,a:02.1\ndma = unconfined\n[partition b]\ncpus=2\nmemory=2M\n"
		  "kernel=b\npci=00:1f.2\ndma=unconfined\n");
	const struct cfg_partition *p = &cfg.part[0];
	assert_int_equal(p->npci, 4);
	assert_int_equal(p->key_line[CFG_KEY_PCI], 5);
	assert_int_equal(p->pci[0].bus, 0x00);
	assert_int_equal(p->pci[0].dev, 0x1f);
	assert_int_equal(p->pci[0].fn, 3);
	assert_int_equal(p->pci[1].bus, 0x03);
	assert_int_equal(p->pci[1].dev, 0);
	assert_int_equal(p->pci[1].fn, 0);
	assert_int_equal(p->pci[2].bus, 0xff);
	assert_int_equal(p->pci[2].dev, 0x1f);
	assert_int_equal(p->pci[2].fn, 7);
	assert_int_equal(p->pci[3].bus, 0x0a);
	assert_int_equal(p->pci[3].dev, 0x02);
	assert_int_equal(p->pci[3].fn, 1);
	assert_int_equal(cfg.part[1].npci, 1);
	assert_int_equal(cfg.part[1].pci[0].fn, 2);
	assert_int_equal(cfg.part[1].key_line[CFG_KEY_PCI], 11);
	assert_true(cfg.part[0].dma_unconfined);
	/* Exactly CFG_MAX_PCI is fine. */
	expect_ok(P1 "pci=0:1.0,0:2.0,0:3.0,0:4.0,0:5.0,0:6.0,0:7.0,0:8.0\ndma=unconfined\n");
	assert_int_equal(cfg.part[0].npci, CFG_MAX_PCI);
	assert_int_equal(cfg.part[0].pci[7].dev, 8);
}

static void module_forms(void **state)
{
	(void)state;
	expect_ok(P1 "module = mod1.bin\nmodule =\tmod2.txt  first  second arg \nmodule = mod1.bin again\n");
	const struct cfg_partition *p = &cfg.part[0];
	assert_int_equal(p->nmodules, 3);
	assert_int_equal(p->key_line[CFG_KEY_MODULE], 5);
	assert_string_equal(p->module[0].file, "mod1.bin");
	assert_string_equal(p->module[0].args, "");
	assert_int_equal(p->module[0].line, 5);
	assert_string_equal(p->module[1].file, "mod2.txt");
	assert_string_equal(p->module[1].args, "first  second arg");
	assert_int_equal(p->module[1].line, 6);
	assert_string_equal(p->module[2].file, "mod1.bin");
	assert_string_equal(p->module[2].args, "again");
	assert_int_equal(p->module[2].line, 7);
	assert_int_equal(p->npci, 0);
}

static void module_limits(void **state)
{
	char text[1200];
	char args[300];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), P1);
	for (int i = 0; i < CFG_MAX_MODULES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%d x\n", i);
	expect_ok(text);
	assert_int_equal(cfg.part[0].nmodules, CFG_MAX_MODULES);
	assert_string_equal(cfg.part[0].module[CFG_MAX_MODULES - 1].file, "m7");
	assert_int_equal(cfg.part[0].module[CFG_MAX_MODULES - 1].line, 12);
	/* A string of 255 bytes is the longest kept. */
	memset(args, 'y', 255);
	args[255] = '\0';
	snprintf(text, sizeof(text), P1 "module = m %s\n", args);
	expect_ok(text);
	assert_int_equal(strlen(cfg.part[0].module[0].args), 255);
}

static void err_on_reboot_unknown(void **state)
{
	(void)state;
	expect_error(P1 "on_reboot = reset\n", 5,
		     "on_reboot: unknown action 'reset' (expected restart or stop)");
}

static void err_on_crash_unknown(void **state)
{
	(void)state;
	expect_error(P1 "on_crash = Stop\n", 5, "on_crash: unknown action 'Stop' (expected restart or stop)");
	expect_error(P1 "crash_loop = off\n", 5, "crash_loop: unknown action 'off' (expected restart or stop)");
}

static void err_on_reboot_duplicate(void **state)
{
	(void)state;
	expect_error(P1 "on_reboot = stop\non_reboot = stop\n", 6,
		     "duplicate key 'on_reboot' (first set at line 5)");
}

static void err_on_crash_missing_value(void **state)
{
	(void)state;
	expect_error(P1 "on_crash =\n", 5, "on_crash: missing value");
}

static void err_pci_no_colon(void **state)
{
	(void)state;
	expect_error(P1 "pci = 001f.3\n", 5,
		     "pci: malformed device '001f.3' (expected BB:DD.F in hex, e.g. 00:1f.3)");
}

static void err_pci_no_dot(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:1f\n", 5, "pci: malformed device '00:1f' (expected BB:DD.F");
}

static void err_pci_not_hex(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:1g.3\n", 5, "pci: malformed device '00:1g.3'");
}

static void err_pci_domain(void **state)
{
	(void)state;
	/* lspci -D's domain form is not accepted: Septum has one segment. */
	expect_error(P1 "pci = 0000:00:1f.3\n", 5, "pci: malformed device '0000:00:1f.3'");
}

static void err_pci_bus_too_wide(void **state)
{
	(void)state;
	expect_error(P1 "pci = 100:00.0\n", 5, "pci: malformed device '100:00.0'");
}

static void err_pci_fn_two_digits(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:01.00\n", 5, "pci: malformed device '00:01.00'");
}

static void err_pci_blank_inside(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00: 01.0\n", 5, "pci: malformed device '00: 01.0'");
}

static void err_pci_signed(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:-1.0\n", 5, "pci: malformed device '00:-1.0'");
}

static void err_pci_dev_out_of_range(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:20.0\n", 5, "pci: device 20 of 00:20.0 is out of range (00-1f)");
}

static void err_pci_fn_out_of_range(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:1f.8\n", 5, "pci: function 8 of 00:1f.8 is out of range (0-7)");
}

static void err_pci_empty_element(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:01.0,,00:02.0\n", 5, "pci: empty element in the list");
	expect_error(P1 "pci = 00:01.0,\n", 5, "pci: empty element in the list");
}

static void err_pci_too_many(void **state)
{
	(void)state;
	expect_error(P1 "pci=0:1.0,0:2.0,0:3.0,0:4.0,0:5.0,0:6.0,0:7.0,0:8.0,0:9.0\n", 5,
		     "pci: too many devices (at most 8 per partition)");
}

static void err_pci_twice_in_partition(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:1f.3, 0:1F.3\n", 5, "pci: 00:1f.3 listed twice");
}

static void err_pci_shared(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:02.0, 00:1f.3\ndma = unconfined\n[partition b]\ncpus=2\nmemory=2M\nkernel=b\n"
		     "pci = 01:00.0,00:1f.3\n",
		     11, "pci: 00:1f.3 is already given to partition 'a' (line 5)");
}

/* No IOMMU: a pci = list needs the config's explicit consent to DMA that
 * reaches all memory; the error names the pci = line. */
static void err_pci_without_dma_key(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:01.1\n", 5,
		     "pci: partition 'a': without an IOMMU its devices' DMA can reach all memory (Septum's and other partitions' included); add 'dma = unconfined' to accept that");
	expect_error(P1 "pci = 00:01.1\ndma = confined\n", 5, "pci: partition 'a': without an IOMMU");
	expect_error(P1 "dma = none\n", 5, "dma: unknown value 'none' (expected unconfined or confined)");
	/* Without pci = the key changes nothing. */
	expect_ok(P1 "dma = unconfined\n");
	assert_int_equal(cfg.part[0].npci, 0);
	assert_string_equal(cfg_key_name(CFG_KEY_DMA), "dma");
}

static void err_pci_duplicate_key(void **state)
{
	(void)state;
	expect_error(P1 "pci = 00:01.0\npci = 00:02.0\n", 6, "duplicate key 'pci' (first set at line 5)");
}

static void err_module_bad_file(void **state)
{
	(void)state;
	expect_error(P1 "module = ../x.bin arg\n", 5, "module: bad file name '../x.bin'");
}

static void err_module_missing_value(void **state)
{
	(void)state;
	expect_error(P1 "module =   \n", 5, "module: missing value");
}

static void err_module_too_many(void **state)
{
	char text[1200];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text), P1);
	for (int i = 0; i <= CFG_MAX_MODULES; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "module = m%d\n", i);
	expect_error(text, 13, "module: too many modules (at most 8 per partition)");
}

static void err_module_string_too_long(void **state)
{
	char text[700];
	char args[300];

	(void)state;
	memset(args, 'y', 256);
	args[256] = '\0';
	snprintf(text, sizeof(text), P1 "module = m.bin %s\n", args);
	expect_error(text, 5, "module: string of 'm.bin' too long (256 bytes, at most 255)");
}

static void err_module_outside_section(void **state)
{
	(void)state;
	expect_error("module = m.bin\n" P1, 1, "key 'module' outside a [partition NAME] section");
}

/* ------------------------------------------------------------ images */

struct fake_file { const char *name; const char *data; size_t size; };

struct fake_fs {
	const struct fake_file *files;
	size_t n;
	unsigned kernel_checks;
	uint64_t last_ram;
};

static int fake_find(void *ctx, const char *name, const void **data, size_t *size)
{
	struct fake_fs *fs = ctx;

	for (size_t i = 0; i < fs->n; i++) {
		if (!strcmp(fs->files[i].name, name)) {
			*data = fs->files[i].data;
			*size = fs->files[i].size;
			return 0;
		}
	}
	return -1;
}

/* Accepts images whose bytes start with "ELF" or "MB" (a multiboot kernel). */
static int fake_check_kernel(void *ctx, const void *data, size_t size, uint64_t ram_size,
			     char *why, size_t whylen)
{
	struct fake_fs *fs = ctx;

	fs->kernel_checks++;
	fs->last_ram = ram_size;
	if (size >= 2 && !memcmp(data, "MB", 2))
		return 0;
	if (size < 3 || memcmp(data, "ELF", 3)) {
		snprintf(why, whylen, "not an ELF file");
		return -1;
	}
	return 0;
}

static const struct fake_file files[] = {
	{ "a.elf", "ELF...", 6 },
	{ "b.elf", "ELF", 3 },
	{ "junk.bin", "MZ", 2 },
	{ "rd.img", "x", 1 },
	{ "huge.img", "x", 2u << 20 }, /* claimed size only: never read */
	{ "mb.elf", "MB", 2 },
	{ "mod.bin", "module", 6 },
};

static bool fake_takes_modules(void *ctx, const void *data, size_t size)
{
	(void)ctx;
	return size >= 2 && !memcmp(data, "MB", 2);
}

static bool with_takes_modules = true;

static int check_images(struct fake_fs *fs)
{
	const struct cfg_image_ops ops = { .ctx = fs, .find = fake_find, .check_kernel = fake_check_kernel,
					   .takes_modules = with_takes_modules ? fake_takes_modules : NULL };

	fs->files = files;
	fs->n = ARRAY_SIZE(files);
	memset(&err, 0xa5, sizeof(err));
	return cfg_check_images(&cfg, &ops, &err);
}

static void images_ok(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok(P1 "initrd = rd.img\n[partition b]\ncpus=2\nmemory=4M\nkernel=b.elf\n");
	strcpy(cfg.part[0].kernel, "a.elf");
	assert_int_equal(check_images(&fs), 0);
	assert_int_equal(fs.kernel_checks, 2);
	assert_int_equal(fs.last_ram, 4ull << 20);
}

static void err_image_kernel_missing(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok(P1 "[partition b]\ncpus=2\nmemory=4M\n\nkernel=nothere.elf\n");
	strcpy(cfg.part[0].kernel, "a.elf");
	check_error(check_images(&fs), 9, "kernel: file 'nothere.elf' not found");
}

static void err_image_kernel_invalid(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\nkernel=junk.bin\n");
	check_error(check_images(&fs), 4, "kernel: 'junk.bin': not an ELF file");
}

static void err_image_initrd_missing(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\nkernel=a.elf\ninitrd=none.img\n");
	check_error(check_images(&fs), 5, "initrd: file 'none.img' not found");
}

static void err_image_initrd_too_big(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\ninitrd=huge.img\nkernel=a.elf\n");
	check_error(check_images(&fs), 4,
		    "initrd: 'huge.img' (2097152 bytes) does not fit in the partition's 2 MiB");
}

static void images_modules_ok(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\nkernel=mb.elf\nmodule=mod.bin x\nmodule=rd.img\n");
	assert_int_equal(check_images(&fs), 0);
	assert_int_equal(fs.kernel_checks, 1);
}

static void err_image_module_on_elf(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\nkernel=a.elf\n\nmodule=mod.bin\nmodule=rd.img\n");
	check_error(check_images(&fs), 6,
		    "module: kernel 'a.elf' is not a multiboot kernel (only multiboot kernels take modules)");
	/* Without the kind check, the files alone are checked. */
	with_takes_modules = false;
	assert_int_equal(check_images(&fs), 0);
	with_takes_modules = true;
}

static void err_image_module_missing(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\nkernel=mb.elf\nmodule=mod.bin\nmodule=gone.bin a b\n");
	check_error(check_images(&fs), 6, "module: file 'gone.bin' not found");
}

static void err_image_module_too_big(void **state)
{
	struct fake_fs fs = { 0 };

	(void)state;
	expect_ok("[partition a]\ncpus=1\nmemory=2M\nkernel=mb.elf\nmodule=huge.img\n");
	check_error(check_images(&fs), 5,
		    "module: 'huge.img' (2097152 bytes) does not fit in the partition's 2 MiB");
}

/* ------------------------------------------------------------ robustness */

/* Deterministic mutations of a valid config (byte flips, cuts, inserted
 * separators): under ASan/UBSan the parser must never fault, and every
 * refusal must point at a line of the input with a non-empty reason. */
static void mutations_never_crash(void **state)
{
	static const char base[] = "# c\n[partition linux0]\ncpus = 1-2,4\nmemory = 512M\n"
		"address = 0x40000000\nkernel = vmlinuz\ninitrd = rd.img\ncmdline = console=ttyS0\n"
		"role = container-host\n[partition b]\ncpus=0\nmemory=2M\nkernel=b\n";
	static const char alphabet[] = "\n\r\t #[]=-,0123456789abcxMGK\0";
	char text[sizeof(base)];
	uint32_t seed = 12345;
	unsigned refused = 0;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = sizeof(base) - 1;
		unsigned lines = 1;

		memcpy(text, base, sizeof(base));
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			size_t at = (seed >> 8) % len;
			seed = seed * 1103515245u + 12345u;
			text[at] = alphabet[(seed >> 8) % (sizeof(alphabet) - 1)];
		}
		if (iter % 7 == 0)
			len = (seed >> 4) % len; /* cut anywhere */
		for (size_t b = 0; b < len; b++)
			lines += text[b] == '\n';
		if (parse_len(text, len) == 0) {
			assert_in_range(cfg.npartitions, 1, CFG_MAX_PARTITIONS);
			continue;
		}
		refused++;
		assert_true(err.line <= lines);
		assert_true(err.reason[0] != '\0');
		assert_non_null(memchr(err.reason, '\0', sizeof(err.reason)));
	}
	assert_true(refused > 1000); /* the mutations do reach the error paths */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(full_config),
		cmocka_unit_test(size_forms),
		cmocka_unit_test(parse_size_api),
		cmocka_unit_test(cpu_forms),
		cmocka_unit_test(cmdline_limits),
		cmocka_unit_test(names_and_files_at_limits),
		cmocka_unit_test(sixteen_partitions),
		cmocka_unit_test(no_final_newline_and_length_bound),
		cmocka_unit_test(address_neighbours_touching),
		cmocka_unit_test(default_cfg_file),
		cmocka_unit_test(error_format),
		cmocka_unit_test(cpus_format),
		cmocka_unit_test(size_format),
		cmocka_unit_test(err_unknown_key),
		cmocka_unit_test(err_key_outside_section),
		cmocka_unit_test(err_unknown_section_kind),
		cmocka_unit_test(err_section_without_name),
		cmocka_unit_test(err_malformed_header),
		cmocka_unit_test(err_no_equals),
		cmocka_unit_test(err_bad_name_uppercase),
		cmocka_unit_test(err_bad_name_digit_first),
		cmocka_unit_test(err_bad_name_too_long),
		cmocka_unit_test(err_bad_name_two_words),
		cmocka_unit_test(err_reserved_name),
		cmocka_unit_test(err_duplicate_key),
		cmocka_unit_test(err_duplicate_partition),
		cmocka_unit_test(err_too_many_partitions),
		cmocka_unit_test(err_line_too_long),
		cmocka_unit_test(err_no_partition),
		cmocka_unit_test(err_empty_file),
		cmocka_unit_test(err_nul_byte),
		cmocka_unit_test(err_control_char),
		cmocka_unit_test(err_bare_cr),
		cmocka_unit_test(err_missing_cpus),
		cmocka_unit_test(err_missing_memory),
		cmocka_unit_test(err_missing_kernel_last_section),
		cmocka_unit_test(err_missing_value),
		cmocka_unit_test(err_cpus_malformed),
		cmocka_unit_test(err_cpus_negative),
		cmocka_unit_test(err_cpus_empty_element),
		cmocka_unit_test(err_cpus_reversed),
		cmocka_unit_test(err_cpus_out_of_range),
		cmocka_unit_test(err_cpus_twice_in_partition),
		cmocka_unit_test(err_cpus_shared),
		cmocka_unit_test(err_memory_malformed),
		cmocka_unit_test(err_memory_signed),
		cmocka_unit_test(err_memory_inner_blank),
		cmocka_unit_test(err_memory_not_multiple),
		cmocka_unit_test(err_memory_too_small),
		cmocka_unit_test(err_memory_too_large),
		cmocka_unit_test(err_address_malformed),
		cmocka_unit_test(err_address_unaligned),
		cmocka_unit_test(err_address_below_1m),
		cmocka_unit_test(err_address_beyond_52_bits),
		cmocka_unit_test(err_address_overlap),
		cmocka_unit_test(err_kernel_path),
		cmocka_unit_test(err_kernel_name_too_long),
		cmocka_unit_test(err_initrd_bad_name),
		cmocka_unit_test(err_cmdline_too_long),
		cmocka_unit_test(err_role_unknown),
		cmocka_unit_test(err_two_container_hosts),
		cmocka_unit_test(mutations_never_crash),
		cmocka_unit_test(images_ok),
		cmocka_unit_test(err_image_kernel_missing),
		cmocka_unit_test(err_image_kernel_invalid),
		cmocka_unit_test(err_image_initrd_missing),
		cmocka_unit_test(err_image_initrd_too_big),
		cmocka_unit_test(event_keys),
		cmocka_unit_test(pci_forms),
		cmocka_unit_test(module_forms),
		cmocka_unit_test(module_limits),
		cmocka_unit_test(err_on_reboot_unknown),
		cmocka_unit_test(err_on_crash_unknown),
		cmocka_unit_test(smt_key),
		cmocka_unit_test(err_smt_unknown),
		cmocka_unit_test(err_on_reboot_duplicate),
		cmocka_unit_test(err_on_crash_missing_value),
		cmocka_unit_test(err_pci_no_colon),
		cmocka_unit_test(err_pci_no_dot),
		cmocka_unit_test(err_pci_not_hex),
		cmocka_unit_test(err_pci_domain),
		cmocka_unit_test(err_pci_bus_too_wide),
		cmocka_unit_test(err_pci_fn_two_digits),
		cmocka_unit_test(err_pci_blank_inside),
		cmocka_unit_test(err_pci_signed),
		cmocka_unit_test(err_pci_dev_out_of_range),
		cmocka_unit_test(err_pci_fn_out_of_range),
		cmocka_unit_test(err_pci_empty_element),
		cmocka_unit_test(err_pci_too_many),
		cmocka_unit_test(err_pci_twice_in_partition),
		cmocka_unit_test(err_pci_shared),
		cmocka_unit_test(err_pci_without_dma_key),
		cmocka_unit_test(err_pci_duplicate_key),
		cmocka_unit_test(err_module_bad_file),
		cmocka_unit_test(err_module_missing_value),
		cmocka_unit_test(err_module_too_many),
		cmocka_unit_test(err_module_string_too_long),
		cmocka_unit_test(err_module_outside_section),
		cmocka_unit_test(images_modules_ok),
		cmocka_unit_test(err_image_module_on_elf),
		cmocka_unit_test(err_image_module_missing),
		cmocka_unit_test(err_image_module_too_big),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}

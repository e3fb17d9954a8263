/* SPDX-License-Identifier: MIT */
/* Host tests for boot/cfg_scan.c (the loader's light config scan). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cfg_scan.h"

static char names[BOOT_MAX_FILES][BOOT_NAME_MAX];
static unsigned count;
static struct cfg_scan_error err;

static int scan(const char *text, unsigned max)
{
	memset(names, 0, sizeof(names));
	count = 99;
	err.line = 0;
	err.reason = NULL;
	return cfg_scan_images(text, strlen(text), names, max, &count, &err);
}

static void finds_kernel_and_initrd_in_order(void **state)
{
	(void)state;
	assert_int_equal(scan("[partition a]\ncpus = 1\nkernel = a.elf\ninitrd = a.img\n"
			      "[partition b]\nkernel = b.elf\n", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 3);
	assert_string_equal(names[0], "a.elf");
	assert_string_equal(names[1], "a.img");
	assert_string_equal(names[2], "b.elf");
}

static void module_files_are_the_first_word(void **state)
{
	(void)state;
	assert_int_equal(scan("[partition m]\nkernel = mb.elf\nmodule = one.bin arg1 arg2\n"
			      "module =\ttwo.txt\t\nmodule = one.bin other args\nmodules = no.bin\n"
			      "module =   \n", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 3);
	assert_string_equal(names[0], "mb.elf");
	assert_string_equal(names[1], "one.bin");
	assert_string_equal(names[2], "two.txt");
}

static void module_path_is_refused(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = a.elf\nmodule = ../x.bin args\n", BOOT_MAX_FILES), -1);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.reason, "no path separators"));
}

static void duplicates_are_listed_once(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = x.elf\nkernel=x.elf\n  kernel\t=  x.elf  \n", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 1);
	assert_string_equal(names[0], "x.elf");
}

static void skips_comments_sections_blanks_and_crlf(void **state)
{
	(void)state;
	assert_int_equal(scan("# kernel = no.elf\r\n\r\n   \r\n[kernel = no2.elf]\r\n"
			      "  # initrd = no.img\r\nkernel = yes.elf\r\n", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 1);
	assert_string_equal(names[0], "yes.elf");
}

static void other_keys_and_lines_without_equals_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(scan("kernels = a\nmykernel = b\ncmdline = kernel=c\nkernel\n"
			      "initrd_x = d\n", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 0);
}

static void empty_value_is_left_to_the_parser(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel =   \ninitrd=\n", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 0);
}

static void last_line_without_newline(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = last.elf", BOOT_MAX_FILES), 0);
	assert_int_equal(count, 1);
	assert_string_equal(names[0], "last.elf");
}

static void name_of_63_chars_fits(void **state)
{
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "kernel = %063d\n", 0);
	assert_int_equal(scan(text, BOOT_MAX_FILES), 0);
	assert_int_equal(strlen(names[0]), 63);
}

static void name_too_long_names_the_line(void **state)
{
	char text[128];

	(void)state;
	snprintf(text, sizeof(text), "# c\n\nkernel = %064d\n", 0);
	assert_int_equal(scan(text, BOOT_MAX_FILES), -1);
	assert_int_equal(err.line, 3);
	assert_non_null(strstr(err.reason, "too long"));
}

static void slash_is_refused(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = a.elf\ninitrd = ../x\n", BOOT_MAX_FILES), -1);
	assert_int_equal(err.line, 2);
	assert_non_null(strstr(err.reason, "path separator"));
}

static void backslash_is_refused(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = efi\\boot\n", BOOT_MAX_FILES), -1);
	assert_int_equal(err.line, 1);
}

static void dotdot_is_refused(void **state)
{
	(void)state;
	assert_int_equal(scan("\nkernel = ..\n", BOOT_MAX_FILES), -1);
	assert_int_equal(err.line, 2);
}

static void non_ascii_is_refused(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = k\xc3\xa9.elf\n", BOOT_MAX_FILES), -1);
	assert_int_equal(err.line, 1);
	assert_non_null(strstr(err.reason, "ASCII"));
}

static void too_many_names_is_refused_at_the_line(void **state)
{
	(void)state;
	assert_int_equal(scan("kernel = a\ninitrd = b\nkernel = a\ninitrd = c\n", 2), -1);
	assert_int_equal(err.line, 4);
	assert_non_null(strstr(err.reason, "BOOT_MAX_FILES"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_kernel_and_initrd_in_order),
		cmocka_unit_test(module_files_are_the_first_word),
		cmocka_unit_test(module_path_is_refused),
		cmocka_unit_test(duplicates_are_listed_once),
		cmocka_unit_test(skips_comments_sections_blanks_and_crlf),
		cmocka_unit_test(other_keys_and_lines_without_equals_are_ignored),
		cmocka_unit_test(empty_value_is_left_to_the_parser),
		cmocka_unit_test(last_line_without_newline),
		cmocka_unit_test(name_of_63_chars_fits),
		cmocka_unit_test(name_too_long_names_the_line),
		cmocka_unit_test(slash_is_refused),
		cmocka_unit_test(backslash_is_refused),
		cmocka_unit_test(dotdot_is_refused),
		cmocka_unit_test(non_ascii_is_refused),
		cmocka_unit_test(too_many_names_is_refused_at_the_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

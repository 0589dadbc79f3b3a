// SPDX-License-Identifier: Apache-2.0
/*
 * test_usdt_notes.c: the dwcp probes of an ELF file, read from its stapsdt
 * notes. The test is its own target: it carries some probes of
 * usdt/dwcp_probes.h and must find exactly those.
 */
#include "dwcp_probes.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/dwcp_names.h"
#include "probes/usdt_notes.h"

/* never called: the probe sites only have to exist */
void fire_some_probes(int n);
void fire_some_probes(int n)
{
	DWCP_STREAM_START("s");
	DWCP_HEALTH("amst", (long)n);
	DWCP_DECOMPRESS(1);
}

static void test_finds_exactly_its_probes(void **state)
{
	bool has[DWCP_PROBE_COUNT];
	char err[512];

	(void)state;
	assert_int_equal(usdt_notes_dwcp("/proc/self/exe", has, err, sizeof(err)), 3);
	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		bool want = p == DWCP_PROBE_STREAM_START || p == DWCP_PROBE_HEALTH || p == DWCP_PROBE_DECOMPRESS;

		if (has[p] != want)
			fail_msg("probe %s: found %d", dwcp_probe_name(p), has[p]);
	}
}

static void test_files_without_probes_or_not_elf(void **state)
{
	bool has[DWCP_PROBE_COUNT];
	char err[512];

	(void)state;
	/* an ELF file without stapsdt notes: the dynamic loader */
	assert_int_equal(usdt_notes_dwcp("/lib64/ld-linux-x86-64.so.2", has, err, sizeof(err)), 0);
	assert_int_equal(usdt_notes_dwcp("/etc/hostname", has, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not an ELF file"));
	assert_int_equal(usdt_notes_dwcp("/nonexistent", has, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finds_exactly_its_probes),
		cmocka_unit_test(test_files_without_probes_or_not_elf),
	};

	return cmocka_run_group_tests_name("usdt_notes", tests, NULL, NULL);
}

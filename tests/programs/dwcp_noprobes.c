// SPDX-License-Identifier: Apache-2.0
/* dwcp_noprobes: a binary with no dwcp probes, for the exporter's error path. */
#include <stdio.h>

int main(void)
{
	puts("no probes here");
	return 0;
}

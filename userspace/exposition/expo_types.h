/* SPDX-License-Identifier: Apache-2.0 */
/*
 * expo_types.h: what the exposition writers are given: a family's type, a
 * label, a histogram's native buckets. A header of its own so that both
 * exposition.c and the protobuf encoder (expo_protobuf.h) that it calls
 * share them without including each other.
 */
#ifndef DWCP_EXPO_TYPES_H
#define DWCP_EXPO_TYPES_H

#include <stddef.h>
#include <stdint.h>

enum expo_type { EXPO_COUNTER, EXPO_GAUGE, EXPO_HISTOGRAM };

struct expo_label {
	const char *name;
	const char *value;
};

/*
 * The native part of a histogram series: Prometheus' sparse exponential
 * buckets, which only the protobuf format carries. Bucket i of schema s
 * counts values in (2^((i-1)/2^s), 2^(i/2^s)]; values at or below
 * zero_threshold count in zero_count. counts are NON-cumulative, of the
 * ncounts consecutive buckets from first_index on (zeros allowed). zero_count
 * plus the counts total the series' count, as its classic buckets do.
 */
struct expo_native_buckets {
	int32_t schema;
	double zero_threshold;
	uint64_t zero_count;
	int32_t first_index;
	const uint64_t *counts;
	size_t ncounts;
};

#endif /* DWCP_EXPO_TYPES_H */

/* SPDX-License-Identifier: Apache-2.0 */
/*
 * collect_areas.h: the areas' own renderers, for the metric families that
 * need more than one map row (struct label_family) can say: several
 * families from one map walk, values computed from two fields, labels that
 * are not 64-byte strings. collector.c calls them in render order; each
 * renders whole families into ctx->w.
 *
 *   collect_amst.c       streams active, bytes per stream, bandwidth use
 *   collect_hde.c        compression by data type, dictionary efficiency
 *   collect_migration.c  duration and failures by destination
 *   collect_system.c     version info
 *   collect_self.c       the exporter's own families
 */
#ifndef DWCP_COLLECT_AREAS_H
#define DWCP_COLLECT_AREAS_H

#include "collect/collect_common.h"

void collect_amst_streams(struct collect_ctx *ctx);
void collect_amst_bandwidth(struct collect_ctx *ctx);
void collect_hde_by_type(struct collect_ctx *ctx);
void collect_hde_dictionary(struct collect_ctx *ctx);
void collect_migration_outcomes(struct collect_ctx *ctx);
void collect_system_versions(struct collect_ctx *ctx);
void collect_self(struct collect_ctx *ctx);

#endif /* DWCP_COLLECT_AREAS_H */

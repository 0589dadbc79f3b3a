/* SPDX-License-Identifier: Apache-2.0 */
/*
 * log.h: structured logging, one line per event, to stderr.
 *
 * logfmt (default) or JSON, with a level filter:
 *   ts=2026-11-24T18:33:00.123Z level=info msg="probes attached" binary=/usr/bin/dwcp attached=19
 * Callers pass key/value pairs as strings, terminated by NULL:
 *   log_event(LOG_INFO, "probes attached", "binary", path, "attached", "19", NULL);
 */
#ifndef DWCP_LOG_H
#define DWCP_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
enum log_format { LOG_FORMAT_LOGFMT, LOG_FORMAT_JSON };

void log_configure(enum log_level min_level, enum log_format format);
bool log_enabled(enum log_level level);
void log_event(enum log_level level, const char *msg, ...) __attribute__((sentinel));

/* Parses "debug", "info", "warn", "error" / "logfmt", "json"; 0 or -1. */
int log_level_parse(const char *text, enum log_level *out);
int log_format_parse(const char *text, enum log_format *out);

#endif /* DWCP_LOG_H */

// SPDX-License-Identifier: Apache-2.0
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum log_level min_level = LOG_INFO;
static enum log_format format = LOG_FORMAT_LOGFMT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_configure(enum log_level level, enum log_format fmt)
{
	min_level = level;
	format = fmt;
	/* one write per line (stderr is unbuffered: a write per character) */
	setvbuf(stderr, NULL, _IOLBF, 0);
}

bool log_enabled(enum log_level level)
{
	return level >= min_level;
}

int log_level_parse(const char *text, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(text, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int log_format_parse(const char *text, enum log_format *out)
{
	if (strcmp(text, "logfmt") == 0)
		*out = LOG_FORMAT_LOGFMT;
	else if (strcmp(text, "json") == 0)
		*out = LOG_FORMAT_JSON;
	else
		return -1;
	return 0;
}

/* logfmt quotes values with spaces, quotes, '=' or control bytes */
static void put_logfmt_value(FILE *out, const char *v)
{
	bool quote = *v == '\0' || strpbrk(v, " \"=\\\t\n\r") != NULL;

	if (!quote) {
		fputs(v, out);
		return;
	}
	fputc('"', out);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else if ((unsigned char)*v < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*v);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

static void put_json_string(FILE *out, const char *v)
{
	fputc('"', out);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(out, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", out);
		else if ((unsigned char)*v < 0x20)
			fprintf(out, "\\u%04x", (unsigned char)*v);
		else
			fputc(*v, out);
	}
	fputc('"', out);
}

void log_event(enum log_level level, const char *msg, ...)
{
	char ts[64];
	struct timespec now;
	struct tm tm;
	va_list ap;

	if (!log_enabled(level))
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t len = strftime(ts, sizeof(ts) - 8, "%Y-%m-%dT%H:%M:%S", &tm);

	snprintf(ts + len, sizeof(ts) - len, ".%03uZ", (unsigned)(now.tv_nsec / 1000000) % 1000u);

	pthread_mutex_lock(&log_lock);
	va_start(ap, msg);
	if (format == LOG_FORMAT_JSON) {
		fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, level_names[level]);
		put_json_string(stderr, msg);
		for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
			const char *v = va_arg(ap, const char *);

			fputc(',', stderr);
			put_json_string(stderr, k);
			fputc(':', stderr);
			put_json_string(stderr, v ? v : "");
		}
		fputs("}\n", stderr);
	} else {
		fprintf(stderr, "ts=%s level=%s msg=", ts, level_names[level]);
		put_logfmt_value(stderr, msg);
		for (const char *k = va_arg(ap, const char *); k; k = va_arg(ap, const char *)) {
			const char *v = va_arg(ap, const char *);

			fprintf(stderr, " %s=", k);
			put_logfmt_value(stderr, v ? v : "");
		}
		fputc('\n', stderr);
	}
	va_end(ap);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

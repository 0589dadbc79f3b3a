// SPDX-License-Identifier: Apache-2.0
#include "config/config_file.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct parser {
	struct config_entry *entries;
	size_t max_entries;
	size_t n;
	unsigned line;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;
	int used;

	used = snprintf(p->err, p->errlen, "line %u: ", p->line);
	if (used < 0 || (size_t)used >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + used, p->errlen - (size_t)used, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '-' || c == '_';
}

/* After a quoted scalar only spaces and a comment may follow. */
static int expect_line_end(struct parser *p, const char *s)
{
	while (*s == ' ')
		s++;
	if (*s != '\0' && *s != '#')
		return fail(p, "unexpected text after the quoted value: \"%.40s\"", s);
	return 0;
}

static int double_quoted(struct parser *p, char *s, const char **out)
{
	char *r = s + 1, *w = s;

	for (;;) {
		char c = *r++;

		if (c == '\0')
			return fail(p, "unterminated double-quoted value");
		if (c == '"')
			break;
		if (c == '\\') {
			switch (*r++) {
			case '\\': c = '\\'; break;
			case '"': c = '"'; break;
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '/': c = '/'; break;
			default:
				return fail(p, "unsupported escape in a double-quoted value (use \\\\ \\\" \\n \\t)");
			}
		}
		*w++ = c;
	}
	if (expect_line_end(p, r))
		return -1;
	*w = '\0';
	*out = s;
	return 0;
}

static int single_quoted(struct parser *p, char *s, const char **out)
{
	char *r = s + 1, *w = s;

	for (;;) {
		char c = *r++;

		if (c == '\0')
			return fail(p, "unterminated single-quoted value");
		if (c == '\'') {
			if (*r != '\'')
				break;
			r++; /* '' is one quote */
		}
		*w++ = c;
	}
	if (expect_line_end(p, r))
		return -1;
	*w = '\0';
	*out = s;
	return 0;
}

/* A plain scalar ends at " #" (a comment) or the line end; trailing spaces go. */
static int plain(struct parser *p, char *s, const char **out)
{
	char *end;

	if (strchr("[{", *s))
		return fail(p, "flow collections ([a, b] or {a: b}) are not supported: use one \"- value\" per line");
	if (strchr("&*!|>%@`", *s))
		return fail(p, "'%c' starts an anchor, alias, tag or block scalar, which are not supported: quote the value",
			    *s);
	end = s;
	while (*end && !(*end == '#' && end > s && end[-1] == ' '))
		end++;
	while (end > s && end[-1] == ' ')
		end--;
	*end = '\0';
	if (strstr(s, ": ") || (end > s && end[-1] == ':'))
		return fail(p, "a value cannot contain \": \" unquoted (nested mappings are not supported)");
	*out = s;
	return 0;
}

static int scalar(struct parser *p, char *s, const char **out)
{
	if (*s == '"')
		return double_quoted(p, s, out);
	if (*s == '\'')
		return single_quoted(p, s, out);
	return plain(p, s, out);
}

static int add(struct parser *p, const char *key, const char *value, unsigned item)
{
	if (p->n == p->max_entries)
		return fail(p, "too many values (at most %zu)", p->max_entries);
	p->entries[p->n++] = (struct config_entry){ key, value, p->line, item };
	return 0;
}

static int check_new_key(struct parser *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->entries[i].key, key) == 0)
			return fail(p, "%s: given twice (first on line %u)", key, p->entries[i].line);
	}
	return 0;
}

/* "key: value" or "key:" opening a block list. Sets *list_key for the latter. */
static int top_level(struct parser *p, char *s, const char **list_key)
{
	char *key = s, *rest;
	const char *value;

	while (is_key_char(*s))
		s++;
	if (s == key || *s != ':')
		return fail(p, "expected \"flag-name: value\", got \"%.40s\"", key);
	if (s[1] != '\0' && s[1] != ' ')
		return fail(p, "a space must follow \"%.*s:\"", (int)(s - key), key);
	*s = '\0';
	if (check_new_key(p, key))
		return -1;
	rest = s + 1;
	while (*rest == ' ')
		rest++;
	if (*rest == '\0' || *rest == '#') {
		*list_key = key;
		return 0;
	}
	if (scalar(p, rest, &value))
		return -1;
	return add(p, key, value, 0);
}

int config_file_parse(char *text, struct config_entry *entries, size_t max_entries, char *err, size_t errlen)
{
	struct parser p = { entries, max_entries, 0, 0, err, errlen };
	const char *list_key = NULL;
	unsigned list_line = 0, list_items = 0;
	bool content_seen = false;
	char *next = text;

	while (next) {
		char *line = next, *nl = strchr(next, '\n'), *rest;
		size_t len, indent = 0;

		next = nl ? nl + 1 : NULL;
		if (nl)
			*nl = '\0';
		p.line++;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		while (line[indent] == ' ')
			indent++;
		rest = line + indent;
		if (*rest == '\t')
			return fail(&p, "tabs cannot indent YAML: use spaces");
		if (*rest == '\0' || *rest == '#')
			continue;
		if (!content_seen && indent == 0 && strcmp(rest, "---") == 0) {
			content_seen = true;
			continue;
		}
		content_seen = true;
		if (indent == 0) {
			if (list_key && list_items == 0) {
				p.line = list_line;
				return fail(&p, "%s: no value", list_key);
			}
			list_key = NULL;
			if (top_level(&p, rest, &list_key))
				return -1;
			list_line = p.line;
			list_items = 0;
			continue;
		}
		if (!list_key)
			return fail(&p, "unexpected indentation (only \"- value\" list items may be indented)");
		if (rest[0] != '-' || (rest[1] != ' ' && rest[1] != '\0'))
			return fail(&p, "%s: expected a list item \"- value\"", list_key);
		rest++;
		while (*rest == ' ')
			rest++;
		if (*rest == '\0' || *rest == '#')
			return fail(&p, "%s: empty list item", list_key);
		{
			const char *value;

			if (scalar(&p, rest, &value) || add(&p, list_key, value, ++list_items))
				return -1;
		}
	}
	if (list_key && list_items == 0) {
		p.line = list_line;
		return fail(&p, "%s: no value", list_key);
	}
	return (int)p.n;
}

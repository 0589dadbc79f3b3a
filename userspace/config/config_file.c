// SPDX-License-Identifier: Apache-2.0
/*
 * config_file.c: the --config.file loader on libyaml (base/yaml_tree.h):
 * a top-level mapping of flag names to a value or a list of values, turned
 * into entries whose strings are copied back into the caller's text.
 */
#include "config/config_file.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/yaml_tree.h"

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, unsigned line, const char *fmt,
						      ...)
{
	va_list ap;
	int used;

	if (!errlen)
		return -1;
	used = snprintf(err, errlen, "line %u: ", line);
	if (used < 0 || (size_t)used >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
	va_end(ap);
	return -1;
}

struct out {
	struct config_entry *entries;
	size_t max, n;
	char *text;     /* where the strings go: the caller's text, read in full by now */
	size_t cap, at; /* its size (with the NUL) and the bytes used */
};

/*
 * A copy of s in the caller's text. The text was parsed in full before the
 * first copy, and a value is never longer than the text it was written as
 * (an escape or a folded line only shortens it), so everything fits unless
 * aliases repeat long values.
 */
static const char *keep(struct out *o, const char *s, unsigned line, char *err, size_t errlen)
{
	size_t len = strlen(s) + 1;
	char *at = o->text + o->at;

	if (o->cap - o->at < len) {
		fail(err, errlen, line, "the values take more room than the file's text (aliases repeat a long value?)");
		return NULL;
	}
	memmove(at, s, len);
	o->at += len;
	return at;
}

static int add(struct out *o, const char *key, const yaml_node_t *v, unsigned item, char *err, size_t errlen)
{
	if (o->n == o->max)
		return fail(err, errlen, yaml_tree_line(v), "too many values (at most %zu)", o->max);
	/* the document's strings for now: config_file_parse copies them */
	o->entries[o->n++] = (struct config_entry){ key, yaml_tree_scalar(v), yaml_tree_line(v), item };
	return 0;
}

static int entry(struct yaml_tree *t, struct out *o, const struct yaml_pair *p, char *err, size_t errlen)
{
	yaml_node_t *items[CONFIG_FILE_MAX_ENTRIES + 1];
	int n;

	if (yaml_tree_is_null(p->value))
		return fail(err, errlen, yaml_tree_line(p->key_node), "%.64s: no value", p->key);
	if (p->value->type == YAML_SCALAR_NODE)
		return add(o, p->key, p->value, 0, err, errlen);
	if (p->value->type == YAML_MAPPING_NODE)
		return fail(err, errlen, yaml_tree_line(p->value),
			    "%.64s: expected a list item \"- value\" or one value, not a mapping", p->key);
	n = yaml_tree_items(t, p->value, items, CONFIG_FILE_MAX_ENTRIES + 1, err, errlen);
	if (n < 0)
		return -1;
	if (n == 0)
		return fail(err, errlen, yaml_tree_line(p->key_node), "%.64s: no value", p->key);
	for (int i = 0; i < n; i++) {
		if (yaml_tree_is_null(items[i]))
			return fail(err, errlen, yaml_tree_line(items[i]), "%.64s: empty list item", p->key);
		if (items[i]->type != YAML_SCALAR_NODE)
			return fail(err, errlen, yaml_tree_line(items[i]), "%.64s: a list item must be a value, not %s",
				    p->key, yaml_tree_kind(items[i]));
		if (add(o, p->key, items[i], (unsigned)i + 1, err, errlen) < 0)
			return -1;
	}
	return 0;
}

int config_file_parse(char *text, struct config_entry *entries, size_t max_entries, char *err, size_t errlen)
{
	struct yaml_pair pairs[YAML_TREE_MAX_PAIRS];
	struct out o = { entries, max_entries, 0, text, strlen(text) + 1, 0 };
	struct yaml_tree t;
	yaml_node_t *root;
	int n, rc = -1;

	if (yaml_tree_load(&t, text, o.cap - 1, err, errlen) < 0)
		return -1;
	root = yaml_tree_root(&t);
	if (!root || yaml_tree_is_null(root)) {
		yaml_tree_free(&t);
		return 0;
	}
	if (root->type == YAML_SCALAR_NODE) {
		fail(err, errlen, yaml_tree_line(root), "expected \"flag-name: value\", got \"%.40s\"",
		     yaml_tree_scalar(root));
		goto out;
	}
	if (root->type != YAML_MAPPING_NODE) {
		fail(err, errlen, yaml_tree_line(root), "expected \"flag-name: value\" lines, not a list");
		goto out;
	}
	n = yaml_tree_pairs(&t, root, pairs, YAML_TREE_MAX_PAIRS, err, errlen);
	if (n < 0)
		goto out;
	for (int i = 0; i < n; i++)
		if (entry(&t, &o, &pairs[i], err, errlen) < 0)
			goto out;
	/* the strings move into text; a key is copied once for all its items */
	for (size_t i = 0; i < o.n; i++) {
		const char *key = entries[i].key, *value = entries[i].value;

		if (i > 0 && !strcmp(key, entries[i - 1].key) && entries[i].item > 1)
			entries[i].key = entries[i - 1].key;
		else if (!(entries[i].key = keep(&o, key, entries[i].line, err, errlen)))
			goto out;
		if (!(entries[i].value = keep(&o, value, entries[i].line, err, errlen)))
			goto out;
	}
	rc = (int)o.n;
out:
	yaml_tree_free(&t);
	return rc;
}

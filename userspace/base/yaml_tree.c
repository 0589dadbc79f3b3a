// SPDX-License-Identifier: Apache-2.0
/*
 * yaml_tree.c: libyaml's document loader, and the walks the strict loaders
 * share (pairs with merge keys and duplicates refused, items), every one
 * counting the nodes it visits so that aliases cannot blow a walk up.
 */
#include "base/yaml_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, unsigned line, const char *fmt,
						      ...)
{
	va_list ap;
	int used = 0;

	if (!errlen)
		return -1;
	if (line)
		used = snprintf(err, errlen, "line %u: ", line);
	if (used < 0 || (size_t)used >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - (size_t)used, fmt, ap);
	va_end(ap);
	return -1;
}

unsigned yaml_tree_line(const yaml_node_t *n)
{
	return (unsigned)n->start_mark.line + 1;
}

/* libyaml's own words for a syntax error, at the line of what it was reading
 * (a quoted string, a mapping) when that is where the problem began. */
static int parser_error(const yaml_parser_t *p, char *err, size_t errlen)
{
	unsigned line = (unsigned)p->problem_mark.line + 1, from = (unsigned)p->context_mark.line + 1;
	const char *problem = p->problem ? p->problem : "cannot parse";

	if (p->error == YAML_MEMORY_ERROR)
		return fail(err, errlen, 0, "out of memory");
	if (!p->context)
		return fail(err, errlen, line, "%s", problem);
	if (from == line)
		return fail(err, errlen, line, "%s: %s", p->context, problem);
	return fail(err, errlen, from, "%s: %s (on line %u)", p->context, problem, line);
}

int yaml_tree_load(struct yaml_tree *t, const char *text, size_t len, char *err, size_t errlen)
{
	yaml_parser_t p;
	yaml_document_t next;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!yaml_parser_initialize(&p))
		return fail(err, errlen, 0, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
	if (!yaml_parser_load(&p, &t->doc)) {
		rc = parser_error(&p, err, errlen);
		yaml_parser_delete(&p);
		return rc;
	}
	t->loaded = true;
	/* one document: a second one would be silently ignored otherwise */
	if (yaml_document_get_root_node(&t->doc)) {
		if (!yaml_parser_load(&p, &next)) {
			rc = parser_error(&p, err, errlen);
		} else {
			if (yaml_document_get_root_node(&next))
				rc = fail(err, errlen, (unsigned)next.start_mark.line + 1,
					  "a second YAML document (\"---\"): the file holds one");
			yaml_document_delete(&next);
		}
	}
	yaml_parser_delete(&p);
	/* a "\0" escape would cut a value short where C reads it */
	for (yaml_node_t *n = t->doc.nodes.start; rc == 0 && n < t->doc.nodes.top; n++)
		if (n->type == YAML_SCALAR_NODE && memchr(n->data.scalar.value, '\0', n->data.scalar.length))
			rc = fail(err, errlen, yaml_tree_line(n), "a NUL character in a value");
	if (rc < 0)
		yaml_tree_free(t);
	return rc;
}

void yaml_tree_free(struct yaml_tree *t)
{
	if (t->loaded)
		yaml_document_delete(&t->doc);
	t->loaded = false;
}

yaml_node_t *yaml_tree_root(struct yaml_tree *t)
{
	return t->loaded ? yaml_document_get_root_node(&t->doc) : NULL;
}

const char *yaml_tree_scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

bool yaml_tree_is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

bool yaml_tree_is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };

	if (!yaml_tree_is_plain(n))
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (!strcmp((const char *)n->data.scalar.value, nulls[i]))
			return true;
	return false;
}

const char *yaml_tree_kind(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	return yaml_tree_is_null(n) ? "null" : "a string";
}

static int visit(struct yaml_tree *t, const yaml_node_t *n, char *err, size_t errlen)
{
	if (++t->visits > YAML_TREE_MAX_VISITS)
		return fail(err, errlen, yaml_tree_line(n), "more than %d nodes after aliases are expanded",
			    YAML_TREE_MAX_VISITS);
	return 0;
}

static bool is_merge_key(const yaml_node_t *k)
{
	return yaml_tree_is_plain(k) && !strcmp((const char *)k->data.scalar.value, "<<");
}

static bool has_key(const struct yaml_pair *pairs, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(pairs[i].key, key))
			return true;
	return false;
}

/* The pairs a "<<" value brings: one mapping, or a list of them (earlier
 * ones win), each added when its key is not there yet. */
static int merge(struct yaml_tree *t, yaml_node_t *src, int depth, struct yaml_pair *pairs, size_t n, size_t max,
		 char *err, size_t errlen);

static int collect(struct yaml_tree *t, yaml_node_t *map, int depth, struct yaml_pair *pairs, size_t n, size_t max,
		   bool merging, char *err, size_t errlen)
{
	size_t first = n;

	if (depth > 32)
		return fail(err, errlen, yaml_tree_line(map), "merge keys nested too deeply");
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&t->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(&t->doc, pr->value);

		if (!k || !v || visit(t, k, err, errlen) < 0)
			return -1;
		if (is_merge_key(k))
			continue;
		if (k->type != YAML_SCALAR_NODE)
			return fail(err, errlen, yaml_tree_line(k), "a key must be a string, not %s",
				    yaml_tree_kind(k));
		for (size_t i = first; i < n; i++)
			if (!strcmp(pairs[i].key, (const char *)k->data.scalar.value))
				return fail(err, errlen, yaml_tree_line(k), "%.64s: given twice (first on line %u)",
					    pairs[i].key, yaml_tree_line(pairs[i].key_node));
		if (merging && has_key(pairs, first, (const char *)k->data.scalar.value))
			continue; /* an explicit key of the mapping merged into wins */
		if (n == max)
			return fail(err, errlen, yaml_tree_line(k), "more than %zu keys in one mapping", max);
		pairs[n++] = (struct yaml_pair){ (const char *)k->data.scalar.value, k, v };
	}
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(&t->doc, pr->key);
		int m;

		if (!is_merge_key(k))
			continue;
		m = merge(t, yaml_document_get_node(&t->doc, pr->value), depth + 1, pairs, n, max, err, errlen);
		if (m < 0)
			return -1;
		n = (size_t)m;
	}
	return (int)n;
}

static int merge(struct yaml_tree *t, yaml_node_t *src, int depth, struct yaml_pair *pairs, size_t n, size_t max,
		 char *err, size_t errlen)
{
	if (!src || visit(t, src, err, errlen) < 0)
		return -1;
	if (src->type == YAML_MAPPING_NODE)
		return collect(t, src, depth, pairs, n, max, true, err, errlen);
	if (src->type != YAML_SEQUENCE_NODE)
		return fail(err, errlen, yaml_tree_line(src), "<<: merges a mapping or a list of mappings, not %s",
			    yaml_tree_kind(src));
	for (yaml_node_item_t *it = src->data.sequence.items.start; it < src->data.sequence.items.top; it++) {
		yaml_node_t *m = yaml_document_get_node(&t->doc, *it);
		int r;

		if (!m || m->type != YAML_MAPPING_NODE)
			return fail(err, errlen, yaml_tree_line(m ? m : src),
				    "<<: merges a mapping or a list of mappings, not %s",
				    m ? yaml_tree_kind(m) : "nothing");
		r = collect(t, m, depth, pairs, n, max, true, err, errlen);
		if (r < 0)
			return -1;
		n = (size_t)r;
	}
	return (int)n;
}

int yaml_tree_pairs(struct yaml_tree *t, yaml_node_t *map, struct yaml_pair *pairs, size_t max, char *err,
		    size_t errlen)
{
	if (map->type != YAML_MAPPING_NODE)
		return fail(err, errlen, yaml_tree_line(map), "expected a mapping, not %s", yaml_tree_kind(map));
	if (visit(t, map, err, errlen) < 0)
		return -1;
	return collect(t, map, 0, pairs, 0, max, false, err, errlen);
}

int yaml_tree_items(struct yaml_tree *t, yaml_node_t *seq, yaml_node_t **items, size_t max, char *err,
		    size_t errlen)
{
	size_t n = 0;

	if (seq->type != YAML_SEQUENCE_NODE)
		return fail(err, errlen, yaml_tree_line(seq), "expected a list, not %s", yaml_tree_kind(seq));
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *v = yaml_document_get_node(&t->doc, *it);

		if (!v || visit(t, v, err, errlen) < 0)
			return -1;
		if (n == max)
			return fail(err, errlen, yaml_tree_line(v), "more than %zu items in one list", max);
		items[n++] = v;
	}
	return (int)n;
}

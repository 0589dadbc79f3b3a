/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml_tree.h: a YAML document read with libyaml, for the strict loaders of
 * the config file (config/config_file.c) and the web config
 * (web/web_config.c).
 *
 * What it offers
 *   - yaml_tree_load(): text in, one document out (libyaml's loader, so
 *     every form of YAML 1.1 works: block and flow collections, quoted and
 *     block scalars, anchors and aliases, comments). A second document, or a
 *     syntax error, is an error naming the line.
 *   - yaml_tree_pairs(): the key/value pairs of a mapping in file order,
 *     with merge keys ("<<: *anchor") applied as YAML 1.1 defines them
 *     (explicit keys win) and a key given twice refused, as the strict
 *     unmarshal of Go's yaml.v2 refuses it (exporter-toolkit reads the web
 *     config with it).
 *   - yaml_tree_items(): the items of a sequence.
 *   - yaml_tree_scalar(), yaml_tree_is_null(), yaml_tree_kind(),
 *     yaml_tree_line(): what a node is and where it starts.
 *
 * Pure: no I/O. Aliases can make a small file a huge tree (a "billion
 * laughs"), so the walks count the nodes they visit and stop with an error
 * beyond YAML_TREE_MAX_VISITS.
 */
#ifndef DWCP_YAML_TREE_H
#define DWCP_YAML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#define YAML_TREE_MAX_VISITS 100000
#define YAML_TREE_MAX_PAIRS 1024

struct yaml_tree {
	yaml_document_t doc;
	bool loaded;
	unsigned long visits;
};

struct yaml_pair {
	const char *key; /* the key's text */
	yaml_node_t *key_node, *value;
};

/*
 * Loads the one document of text (len bytes). 0, or -1 with err like
 * "line 3: mapping values are not allowed in this context". A text with no
 * document (empty, only comments) loads, with a NULL root.
 */
int yaml_tree_load(struct yaml_tree *t, const char *text, size_t len, char *err, size_t errlen);
void yaml_tree_free(struct yaml_tree *t);

/* The root node, or NULL for an empty text. */
yaml_node_t *yaml_tree_root(struct yaml_tree *t);

/*
 * The pairs of mapping map into pairs (at most max), in file order (merged
 * keys after the explicit ones). Returns the count, or -1 with err naming the
 * line: a key that is not a scalar, a key given twice, a merge of something
 * other than mappings, too many pairs or nodes.
 */
int yaml_tree_pairs(struct yaml_tree *t, yaml_node_t *map, struct yaml_pair *pairs, size_t max, char *err,
		    size_t errlen);

/* The items of sequence seq into items (at most max): count or -1 with err. */
int yaml_tree_items(struct yaml_tree *t, yaml_node_t *seq, yaml_node_t **items, size_t max, char *err,
		    size_t errlen);

/* The scalar's text (NUL-terminated; a NUL inside is refused by the loader),
 * or NULL for a collection. */
const char *yaml_tree_scalar(const yaml_node_t *n);
/* A plain null: empty, "~", "null", "Null", "NULL" (YAML 1.1), not quoted. */
bool yaml_tree_is_null(const yaml_node_t *n);
/* A plain (unquoted, not block) scalar. */
bool yaml_tree_is_plain(const yaml_node_t *n);
/* "a mapping", "a list", "a string" or "null", for error messages. */
const char *yaml_tree_kind(const yaml_node_t *n);
/* 1-based line where n starts. */
unsigned yaml_tree_line(const yaml_node_t *n);

#endif /* DWCP_YAML_TREE_H */

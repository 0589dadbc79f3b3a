// SPDX-License-Identifier: Apache-2.0
/*
 * web_config.c: the web config loader on libyaml. One table per section
 * maps a key to what reads its value; the checks exporter-toolkit makes when
 * it builds its TLS config run once the whole file is read (finish()).
 */
#include "web/web_config.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/yaml_tree.h"

struct parser {
	struct yaml_tree t;
	const char *path;
	char *err;
	size_t errlen;
	struct web_config *out;
	bool seen_auth_type;
	unsigned sans_line;
};

__attribute__((format(printf, 4, 5))) static int perr(struct parser *p, unsigned line, const char *key,
						      const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(p->err, p->errlen, "web config %s line %u: %s: %s", p->path, line, key, msg);
	else
		snprintf(p->err, p->errlen, "web config %s line %u: %s", p->path, line, msg);
	return -1;
}

/* An error of yaml_tree ("line N: ...") as ours. */
static int tree_err(struct parser *p, const char *why)
{
	snprintf(p->err, p->errlen, "web config %s %s", p->path, why);
	return -1;
}

/* ---- values ---- */

/* A string; null leaves *out NULL. */
static int get_string(struct parser *p, yaml_node_t *v, const char *key, char **out)
{
	free(*out);
	*out = NULL;
	if (yaml_tree_is_null(v))
		return 0;
	if (v->type != YAML_SCALAR_NODE)
		return perr(p, yaml_tree_line(v), key, "must be a string, not %s", yaml_tree_kind(v));
	*out = strdup(yaml_tree_scalar(v));
	return *out ? 0 : perr(p, yaml_tree_line(v), key, "out of memory");
}

/* YAML 1.1's booleans, as Go's yaml.v2 reads them; null is false. */
static int get_bool(struct parser *p, yaml_node_t *v, const char *key, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N" };
	const char *s = yaml_tree_scalar(v);

	*out = false;
	if (yaml_tree_is_null(v))
		return 0;
	for (size_t i = 0; s && yaml_tree_is_plain(v) && i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i]))
			*out = true;
		if (!strcmp(s, yes[i]) || !strcmp(s, no[i]))
			return 0;
	}
	if (!s)
		return perr(p, yaml_tree_line(v), key, "must be true or false, not %s", yaml_tree_kind(v));
	return perr(p, yaml_tree_line(v), key, "must be true or false, not \"%.64s\"%s", s,
		    yaml_tree_is_plain(v) ? "" : " (a quoted string)");
}

/* A plain decimal or 0x integer. */
static bool parse_int(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!*s || strchr(s, ' '))
		return false;
	errno = 0;
	v = strtoll(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static int get_int(struct parser *p, yaml_node_t *v, const char *key, int64_t *out)
{
	*out = 0;
	if (yaml_tree_is_null(v))
		return 0;
	if (!yaml_tree_is_plain(v) || !parse_int(yaml_tree_scalar(v), out))
		return perr(p, yaml_tree_line(v), key, "must be an integer, not %s%.64s%s",
			    v->type == YAML_SCALAR_NODE ? "\"" : yaml_tree_kind(v),
			    v->type == YAML_SCALAR_NODE ? yaml_tree_scalar(v) : "",
			    v->type == YAML_SCALAR_NODE ? "\"" : "");
	return 0;
}

/* Go's time.ParseDuration: [-+]? ( number [.fraction] unit )+, or "0". */
static bool parse_go_duration(const char *s, int64_t *out)
{
	static const struct {
		const char *unit;
		double ns;
	} units[] = { { "ns", 1 }, { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 }, { "ms", 1e6 },
		      { "s", 1e9 },  { "m", 60e9 }, { "h", 3600e9 } };
	bool neg = false;
	double total = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!strcmp(s, "0")) {
		*out = 0;
		return true;
	}
	if (!*s)
		return false;
	while (*s) {
		char *end;
		double v;
		size_t best = 0, best_len = 0;

		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return false;
		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno)
			return false;
		/* digits and a point only: not strtod's exponents, hex, inf */
		for (const char *c = s; c < end; c++)
			if (!((*c >= '0' && *c <= '9') || *c == '.'))
				return false;
		s = end;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t l = strlen(units[i].unit);

			if (!strncmp(s, units[i].unit, l) && l > best_len) {
				best = i;
				best_len = l;
			}
		}
		if (!best_len)
			return false; /* a number without its unit */
		total += v * units[best].ns;
		s += best_len;
	}
	if (!isfinite(total) || total > 9.2e18)
		return false;
	*out = (int64_t)(neg ? -total : total);
	return true;
}

/* A Go time.Duration as yaml.v2 reads it: a duration string, or an integer
 * of nanoseconds. */
static int get_duration(struct parser *p, yaml_node_t *v, const char *key, int64_t *out)
{
	const char *s = yaml_tree_scalar(v);

	*out = 0;
	if (yaml_tree_is_null(v))
		return 0;
	if (!s)
		return perr(p, yaml_tree_line(v), key, "must be a duration like 30s, not %s", yaml_tree_kind(v));
	if ((yaml_tree_is_plain(v) && parse_int(s, out)) || parse_go_duration(s, out))
		return 0;
	return perr(p, yaml_tree_line(v), key, "invalid duration \"%.64s\" (want a number with a unit: ns, us, ms, s, m, h)", s);
}

/* A list of strings: items (of the document) and their count; null is no
 * list (*set false). */
static int get_list(struct parser *p, yaml_node_t *v, const char *key, yaml_node_t **items, bool *set)
{
	char why[512];
	int n;

	*set = false;
	if (yaml_tree_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return perr(p, yaml_tree_line(v), key, "must be a list, not %s", yaml_tree_kind(v));
	n = yaml_tree_items(&p->t, v, items, WEB_CONFIG_MAX_LIST, why, sizeof(why));
	if (n < 0)
		return tree_err(p, why);
	for (int i = 0; i < n; i++)
		if (items[i]->type != YAML_SCALAR_NODE)
			return perr(p, yaml_tree_line(items[i]), key, "a list item must be a string, not %s",
				    yaml_tree_kind(items[i]));
	*set = true;
	return n;
}

/* ---- tls_server_config ---- */

static char *resolve_path(const char *config_path, const char *file)
{
	const char *slash = strrchr(config_path, '/');
	size_t dirlen;
	char *r;

	if (file[0] == '/' || !slash)
		return strdup(file);
	dirlen = (size_t)(slash - config_path) + 1;
	r = malloc(dirlen + strlen(file) + 1);
	if (!r)
		return NULL;
	memcpy(r, config_path, dirlen);
	strcpy(r + dirlen, file);
	return r;
}

/* A file name: relative to the config file's folder; "" is unset, as in Go. */
static int tls_path(struct parser *p, yaml_node_t *v, const char *key, char **out, unsigned *line)
{
	char *s = NULL;

	if (get_string(p, v, key, &s) < 0)
		return -1;
	free(*out);
	*out = NULL;
	if (s && s[0]) {
		*out = resolve_path(p->path, s);
		*line = yaml_tree_line(v);
		p->out->tls = true;
		if (!*out) {
			free(s);
			return perr(p, yaml_tree_line(v), key, "out of memory");
		}
	}
	free(s);
	return 0;
}

static int tls_pem(struct parser *p, yaml_node_t *v, const char *key, char **out, unsigned *line)
{
	if (get_string(p, v, key, out) < 0)
		return -1;
	if (*out && !(*out)[0]) {
		free(*out);
		*out = NULL;
	}
	if (*out) {
		*line = yaml_tree_line(v);
		p->out->tls = true;
	}
	return 0;
}

static int tls_cert_file(struct parser *p, yaml_node_t *v, const char *key)
{
	return tls_path(p, v, key, &p->out->cert_file, &p->out->cert_line);
}

static int tls_key_file(struct parser *p, yaml_node_t *v, const char *key)
{
	return tls_path(p, v, key, &p->out->key_file, &p->out->key_line);
}

static int tls_client_ca_file(struct parser *p, yaml_node_t *v, const char *key)
{
	return tls_path(p, v, key, &p->out->client_ca_file, &p->out->client_ca_line);
}

/* The inline PEM keys: a file given as well wins (its line is kept). */
static int tls_cert(struct parser *p, yaml_node_t *v, const char *key)
{
	unsigned line = 0;
	int rc = tls_pem(p, v, key, &p->out->cert, &line);

	if (!p->out->cert_file && line)
		p->out->cert_line = line;
	return rc;
}

static int tls_key(struct parser *p, yaml_node_t *v, const char *key)
{
	unsigned line = 0;
	int rc = tls_pem(p, v, key, &p->out->key, &line);

	if (!p->out->key_file && line)
		p->out->key_line = line;
	return rc;
}

static int tls_client_ca(struct parser *p, yaml_node_t *v, const char *key)
{
	unsigned line = 0;
	int rc = tls_pem(p, v, key, &p->out->client_ca, &line);

	if (!p->out->client_ca_file && line)
		p->out->client_ca_line = line;
	return rc;
}

static int tls_client_auth_type(struct parser *p, yaml_node_t *v, const char *key)
{
	static const struct {
		const char *name;
		enum web_client_auth value;
	} types[] = {
		{ "NoClientCert", WEB_NO_CLIENT_CERT },
		{ "RequestClientCert", WEB_REQUEST_CLIENT_CERT },
		{ "RequireAnyClientCert", WEB_REQUIRE_ANY_CLIENT_CERT },
		{ "RequireClientCert", WEB_REQUIRE_ANY_CLIENT_CERT }, /* exporter-toolkit's older name */
		{ "VerifyClientCertIfGiven", WEB_VERIFY_CLIENT_CERT_IF_GIVEN },
		{ "RequireAndVerifyClientCert", WEB_REQUIRE_AND_VERIFY_CLIENT_CERT },
	};
	char *s = NULL;

	if (get_string(p, v, key, &s) < 0)
		return -1;
	p->out->client_auth = WEB_NO_CLIENT_CERT;
	if (!s || !s[0]) {
		free(s);
		return 0;
	}
	p->out->tls = true;
	p->seen_auth_type = true;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (!strcmp(s, types[i].name)) {
			p->out->client_auth = types[i].value;
			free(s);
			return 0;
		}
	}
	perr(p, yaml_tree_line(v), key,
	     "invalid ClientAuth: \"%.64s\" (want NoClientCert, RequestClientCert, RequireAnyClientCert, "
	     "VerifyClientCertIfGiven or RequireAndVerifyClientCert)",
	     s);
	free(s);
	return -1;
}

static int tls_allowed_sans(struct parser *p, yaml_node_t *v, const char *key)
{
	yaml_node_t *items[WEB_CONFIG_MAX_LIST];
	struct web_config *c = p->out;
	int n = get_list(p, v, key, items, &c->allowed_sans_set);

	if (n < 0)
		return -1;
	p->sans_line = yaml_tree_line(v);
	for (size_t i = 0; i < c->n_allowed_sans; i++)
		free(c->allowed_sans[i]);
	free(c->allowed_sans);
	c->allowed_sans = NULL;
	c->n_allowed_sans = 0;
	if (n == 0)
		return 0;
	c->allowed_sans = calloc((size_t)n, sizeof(*c->allowed_sans));
	if (!c->allowed_sans)
		return perr(p, yaml_tree_line(v), key, "out of memory");
	for (int i = 0; i < n; i++) {
		c->allowed_sans[i] = strdup(yaml_tree_scalar(items[i]));
		if (!c->allowed_sans[i])
			return perr(p, yaml_tree_line(v), key, "out of memory");
		c->n_allowed_sans++;
	}
	return 0;
}

static int tls_cipher_suites(struct parser *p, yaml_node_t *v, const char *key)
{
	yaml_node_t *items[WEB_CONFIG_MAX_LIST];
	bool set;
	int n = get_list(p, v, key, items, &set);

	p->out->n_cipher_suites = 0;
	for (int i = 0; i < n; i++) {
		const struct tls_suite *s = tls_suite_find(yaml_tree_scalar(items[i]));

		if (!s) {
			char names[1024];

			tls_suite_names(names, sizeof(names));
			return perr(p, yaml_tree_line(items[i]), key, "unknown cipher: %.64s (known: %s)",
				    yaml_tree_scalar(items[i]), names);
		}
		p->out->cipher_suites[p->out->n_cipher_suites++] = s;
	}
	return n < 0 ? -1 : 0;
}

static int tls_curve_preferences(struct parser *p, yaml_node_t *v, const char *key)
{
	yaml_node_t *items[WEB_CONFIG_MAX_LIST];
	bool set;
	int n = get_list(p, v, key, items, &set);

	p->out->n_curves = 0;
	for (int i = 0; i < n; i++) {
		const struct tls_curve *c = tls_curve_find(yaml_tree_scalar(items[i]));

		if (!c) {
			char names[256];

			tls_curve_names(names, sizeof(names));
			return perr(p, yaml_tree_line(items[i]), key, "unknown curve: %.64s (known: %s)",
				    yaml_tree_scalar(items[i]), names);
		}
		p->out->curves[p->out->n_curves++] = c;
	}
	return n < 0 ? -1 : 0;
}

static int tls_prefer_server(struct parser *p, yaml_node_t *v, const char *key)
{
	return get_bool(p, v, key, &p->out->prefer_server_cipher_suites);
}

static int parse_version(struct parser *p, yaml_node_t *v, const char *key, enum web_tls_version *out)
{
	char *s = NULL;
	int rc = 0;

	if (get_string(p, v, key, &s) < 0)
		return -1;
	*out = WEB_TLS_DEFAULT; /* null: Go's zero, the default */
	if (!s)
		return 0;
	if (!strcmp(s, "TLS12"))
		*out = WEB_TLS12;
	else if (!strcmp(s, "TLS13"))
		*out = WEB_TLS13;
	else if (!strcmp(s, "TLS10") || !strcmp(s, "TLS11"))
		rc = perr(p, yaml_tree_line(v), key,
			  "%s is not supported: TLS 1.0 and 1.1 are deprecated (RFC 8996); use TLS12 or TLS13", s);
	else
		rc = perr(p, yaml_tree_line(v), key, "unknown TLS version: %.64s (want TLS12 or TLS13)", s);
	free(s);
	return rc;
}

static int tls_min_version(struct parser *p, yaml_node_t *v, const char *key)
{
	return parse_version(p, v, key, &p->out->min_version);
}

static int tls_max_version(struct parser *p, yaml_node_t *v, const char *key)
{
	return parse_version(p, v, key, &p->out->max_version);
}

/* ---- http_server_config ---- */

static int http_http2(struct parser *p, yaml_node_t *v, const char *key)
{
	return get_bool(p, v, key, &p->out->http2);
}

/* exporter-toolkit's extraHTTPHeaders: the names that may be set, and the
 * values allowed where the header is an enumeration. */
static const struct {
	const char *name;
	const char *values[3];
} allowed_headers[WEB_CONFIG_MAX_HEADERS] = {
	{ "Strict-Transport-Security", { NULL } },
	{ "X-Content-Type-Options", { "nosniff", NULL } },
	{ "X-Frame-Options", { "deny", "sameorigin", NULL } },
	{ "X-XSS-Protection", { NULL } },
	{ "Content-Security-Policy", { NULL } },
};

static int http_headers(struct parser *p, yaml_node_t *v, const char *key)
{
	struct yaml_pair pairs[WEB_CONFIG_MAX_HEADERS + 1];
	char why[512];
	int n;

	if (yaml_tree_is_null(v))
		return 0;
	n = yaml_tree_pairs(&p->t, v, pairs, WEB_CONFIG_MAX_HEADERS + 1, why, sizeof(why));
	if (n < 0)
		return v->type == YAML_MAPPING_NODE ? tree_err(p, why)
						   : perr(p, yaml_tree_line(v), key, "must be a mapping, not %s",
							  yaml_tree_kind(v));
	for (int i = 0; i < n; i++) {
		char full[160];
		size_t h = WEB_CONFIG_MAX_HEADERS;
		char *value = NULL;

		snprintf(full, sizeof(full), "%s.%.64s", key, pairs[i].key);
		for (size_t j = 0; j < WEB_CONFIG_MAX_HEADERS; j++)
			if (!strcmp(pairs[i].key, allowed_headers[j].name))
				h = j;
		if (h == WEB_CONFIG_MAX_HEADERS)
			return perr(p, yaml_tree_line(pairs[i].key_node), full,
				    "HTTP header \"%.64s\" can not be configured (allowed: Strict-Transport-Security, "
				    "X-Content-Type-Options, X-Frame-Options, X-XSS-Protection, Content-Security-Policy)",
				    pairs[i].key);
		if (get_string(p, pairs[i].value, full, &value) < 0)
			return -1;
		if (!value && !(value = strdup("")))
			return perr(p, yaml_tree_line(pairs[i].value), full, "out of memory");
		if (allowed_headers[h].values[0]) {
			bool ok = false;

			for (size_t j = 0; allowed_headers[h].values[j]; j++)
				ok |= !strcmp(value, allowed_headers[h].values[j]);
			if (!ok) {
				perr(p, yaml_tree_line(pairs[i].value), full,
				     "invalid value for %s. Expected one of: [%s%s%s], but got: \"%.64s\"",
				     allowed_headers[h].name, allowed_headers[h].values[0],
				     allowed_headers[h].values[1] ? " " : "",
				     allowed_headers[h].values[1] ? allowed_headers[h].values[1] : "", value);
				free(value);
				return -1;
			}
		}
		/* as Go's net/http writes a header: a line break becomes a space */
		for (char *c = value; *c; c++)
			if (*c == '\r' || *c == '\n')
				*c = ' ';
		p->out->headers[p->out->n_headers++] = (struct web_header){ allowed_headers[h].name, value };
	}
	return 0;
}

/* ---- rate_limit ---- */

static int rate_interval(struct parser *p, yaml_node_t *v, const char *key)
{
	return get_duration(p, v, key, &p->out->rate_interval_ns);
}

static int rate_burst(struct parser *p, yaml_node_t *v, const char *key)
{
	return get_int(p, v, key, &p->out->rate_burst);
}

/* ---- basic_auth_users ---- */

/* $2a$, $2b$ or $2y$, a cost of 04 to 31, $, 22 salt and 31 hash characters. */
static bool is_bcrypt(const char *h)
{
	int cost;

	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' || !strchr("aby", h[2]) || h[3] != '$' ||
	    h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9' || h[6] != '$')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	if (cost < 4 || cost > 31)
		return false;
	for (size_t i = 7; i < 60; i++)
		if (!strchr("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", h[i]) || !h[i])
			return false;
	return true;
}

static int users(struct parser *p, yaml_node_t *v, const char *key)
{
	struct yaml_pair pairs[YAML_TREE_MAX_PAIRS];
	char why[512];
	int n;

	if (yaml_tree_is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return perr(p, yaml_tree_line(v), key, "must be a mapping of user names to bcrypt hashes, not %s",
			    yaml_tree_kind(v));
	n = yaml_tree_pairs(&p->t, v, pairs, YAML_TREE_MAX_PAIRS, why, sizeof(why));
	if (n < 0)
		return tree_err(p, why);
	p->out->users = calloc((size_t)n + 1, sizeof(*p->out->users));
	if (!p->out->users)
		return perr(p, yaml_tree_line(v), key, "out of memory");
	for (int i = 0; i < n; i++) {
		const char *name = pairs[i].key;
		unsigned line = yaml_tree_line(pairs[i].value);
		struct web_user *u = &p->out->users[p->out->n_users];
		char full[128];

		snprintf(full, sizeof(full), "%s.%.64s", key, name);
		if (!name[0])
			return perr(p, yaml_tree_line(pairs[i].key_node), key, "empty user name");
		if (strchr(name, ':'))
			return perr(p, yaml_tree_line(pairs[i].key_node), full,
				    "user names cannot contain ':' (HTTP basic auth splits at the first colon)");
		if (get_string(p, pairs[i].value, full, &u->hash) < 0)
			return -1;
		if (!u->hash || !u->hash[0])
			return perr(p, line, full, "needs a bcrypt password hash");
		if (!is_bcrypt(u->hash))
			return perr(p, line, full,
				    "not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and 53 characters, "
				    "e.g. from `htpasswd -nbB USER PASSWORD`)");
		u->name = strdup(name);
		p->out->n_users++;
		if (!u->name)
			return perr(p, line, full, "out of memory");
	}
	return 0;
}

/* ---- sections ---- */

typedef int (*field_fn)(struct parser *p, yaml_node_t *v, const char *key);

struct field {
	const char *name;
	field_fn read;
};

static const struct field tls_fields[] = {
	{ "cert_file", tls_cert_file },
	{ "key_file", tls_key_file },
	{ "cert", tls_cert },
	{ "key", tls_key },
	{ "client_ca_file", tls_client_ca_file },
	{ "client_ca", tls_client_ca },
	{ "client_auth_type", tls_client_auth_type },
	{ "client_allowed_sans", tls_allowed_sans },
	{ "cipher_suites", tls_cipher_suites },
	{ "curve_preferences", tls_curve_preferences },
	{ "prefer_server_cipher_suites", tls_prefer_server },
	{ "min_version", tls_min_version },
	{ "max_version", tls_max_version },
	{ NULL, NULL },
};

static const struct field http_fields[] = {
	{ "http2", http_http2 },
	{ "headers", http_headers },
	{ NULL, NULL },
};

static const struct field rate_fields[] = {
	{ "interval", rate_interval },
	{ "burst", rate_burst },
	{ NULL, NULL },
};

static void field_names(const struct field *f, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; f[i].name && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", f[i].name);

		used += w > 0 ? (size_t)w : 0;
	}
}

static int section(struct parser *p, yaml_node_t *v, const char *name, const struct field *fields)
{
	struct yaml_pair pairs[YAML_TREE_MAX_PAIRS];
	char why[512];
	int n;

	if (yaml_tree_is_null(v))
		return 0;
	if (v->type != YAML_MAPPING_NODE)
		return perr(p, yaml_tree_line(v), name, "must be a mapping, not %s", yaml_tree_kind(v));
	n = yaml_tree_pairs(&p->t, v, pairs, YAML_TREE_MAX_PAIRS, why, sizeof(why));
	if (n < 0)
		return tree_err(p, why);
	for (int i = 0; i < n; i++) {
		char full[160];
		const struct field *f = fields;

		snprintf(full, sizeof(full), "%s.%.64s", name, pairs[i].key);
		while (f->name && strcmp(f->name, pairs[i].key))
			f++;
		if (!f->name) {
			char names[512];

			field_names(fields, names, sizeof(names));
			return perr(p, yaml_tree_line(pairs[i].key_node), full, "unknown key (supported: %s)", names);
		}
		if (f->read(p, pairs[i].value, full) < 0)
			return -1;
	}
	return 0;
}

/* The checks exporter-toolkit's ConfigToTLSConfig makes, in its order. */
static int finish(struct parser *p)
{
	struct web_config *c = p->out;
	bool has_ca = c->client_ca_file || c->client_ca;

	if (!c->min_version)
		c->min_version = WEB_TLS12;
	if (!c->max_version)
		c->max_version = WEB_TLS13;
	if (!c->tls)
		return 0;
	if (!c->cert_file && !c->cert)
		return perr(p, c->tls_line, "tls_server_config", "missing one of cert or cert_file");
	if (!c->key_file && !c->key)
		return perr(p, c->tls_line, "tls_server_config", "missing one of key or key_file");
	if (has_ca && c->client_auth == WEB_NO_CLIENT_CERT)
		return perr(p, c->client_ca_line, c->client_ca_file ? "tls_server_config.client_ca_file"
								    : "tls_server_config.client_ca",
			    "client CA's have been configured without a Client Auth Policy (set client_auth_type)");
	if (c->allowed_sans_set && c->client_auth != WEB_REQUIRE_ANY_CLIENT_CERT &&
	    c->client_auth != WEB_REQUIRE_AND_VERIFY_CLIENT_CERT)
		return perr(p, p->sans_line, "tls_server_config.client_allowed_sans",
			    "client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or "
			    "RequireAndVerifyClientCert");
	if (c->min_version > c->max_version)
		return perr(p, c->tls_line, "tls_server_config", "min_version TLS%d is above max_version TLS%d",
			    c->min_version, c->max_version);
	return 0;
}

int web_config_parse(const char *text, size_t len, const char *path, struct web_config *out, char *err,
		     size_t errlen)
{
	struct parser p = { .path = path, .err = err, .errlen = errlen, .out = out };
	struct yaml_pair pairs[YAML_TREE_MAX_PAIRS];
	yaml_node_t *root;
	char why[512];
	int n;

	memset(out, 0, sizeof(*out));
	out->prefer_server_cipher_suites = true;
	out->http2 = true;
	if (yaml_tree_load(&p.t, text, len, why, sizeof(why)) < 0)
		return tree_err(&p, why);
	root = yaml_tree_root(&p.t);
	if (!root || yaml_tree_is_null(root))
		goto done;
	if (root->type != YAML_MAPPING_NODE) {
		perr(&p, yaml_tree_line(root), NULL, "the web config must be a mapping, not %s", yaml_tree_kind(root));
		goto fail;
	}
	n = yaml_tree_pairs(&p.t, root, pairs, YAML_TREE_MAX_PAIRS, why, sizeof(why));
	if (n < 0) {
		tree_err(&p, why);
		goto fail;
	}
	for (int i = 0; i < n; i++) {
		const char *k = pairs[i].key;
		yaml_node_t *v = pairs[i].value;
		int rc;

		if (!strcmp(k, "tls_server_config")) {
			out->tls_line = yaml_tree_line(pairs[i].key_node);
			rc = section(&p, v, k, tls_fields);
		} else if (!strcmp(k, "http_server_config")) {
			rc = section(&p, v, k, http_fields);
		} else if (!strcmp(k, "rate_limit")) {
			rc = section(&p, v, k, rate_fields);
		} else if (!strcmp(k, "basic_auth_users")) {
			rc = users(&p, v, k);
		} else {
			rc = perr(&p, yaml_tree_line(pairs[i].key_node), k,
				  "unknown key (supported: tls_server_config, http_server_config, rate_limit, "
				  "basic_auth_users)");
		}
		if (rc < 0)
			goto fail;
	}
done:
	if (finish(&p) < 0)
		goto fail;
	yaml_tree_free(&p.t);
	return 0;
fail:
	yaml_tree_free(&p.t);
	web_config_free(out);
	return -1;
}

int web_config_load(const char *path, struct web_config *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!f) {
		snprintf(err, errlen, "web config %s: %s", path, strerror(errno));
		return -1;
	}
	buf = malloc(WEB_CONFIG_MAX_BYTES + 1);
	if (!buf) {
		fclose(f);
		snprintf(err, errlen, "web config %s: out of memory", path);
		return -1;
	}
	n = fread(buf, 1, WEB_CONFIG_MAX_BYTES + 1, f);
	if (ferror(f)) {
		snprintf(err, errlen, "web config %s: %s", path, strerror(errno ? errno : EIO));
		rc = -1;
	} else if (n > WEB_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "web config %s: larger than %d bytes", path, WEB_CONFIG_MAX_BYTES);
		rc = -1;
	} else {
		rc = web_config_parse(buf, n, path, out, err, errlen);
	}
	fclose(f);
	free(buf);
	return rc;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void web_config_free(struct web_config *c)
{
	free(c->cert_file);
	free(c->key_file);
	free(c->client_ca_file);
	free(c->cert);
	free_secret(c->key);
	free(c->client_ca);
	for (size_t i = 0; i < c->n_allowed_sans; i++)
		free(c->allowed_sans[i]);
	free(c->allowed_sans);
	for (size_t i = 0; i < c->n_headers; i++)
		free(c->headers[i].value);
	for (size_t i = 0; c->users && (i < c->n_users || c->users[i].hash); i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	memset(c, 0, sizeof(*c));
}

/* Appends ":+NAME" for each distinct name. */
static void add_unique(char *buf, size_t len, const char *prefix, const char *name)
{
	char item[64];

	snprintf(item, sizeof(item), ":+%s%s", prefix, name);
	if (!strstr(buf, item)) {
		size_t used = strlen(buf);

		snprintf(buf + used, len - used, "%s", item);
	}
}

void web_config_tls_priorities(const struct web_config *c, char *buf, size_t len)
{
	enum web_tls_version lo = c->min_version ? c->min_version : WEB_TLS12;
	enum web_tls_version hi = c->max_version ? c->max_version : WEB_TLS13;
	bool tls12_suites = false;

	snprintf(buf, len, "NORMAL%s:-VERS-ALL%s%s", c->prefer_server_cipher_suites ? ":%SERVER_PRECEDENCE" : "",
		 hi >= WEB_TLS13 ? ":+VERS-TLS1.3" : "", lo <= WEB_TLS12 ? ":+VERS-TLS1.2" : "");
	for (size_t i = 0; i < c->n_cipher_suites; i++)
		tls12_suites |= !c->cipher_suites[i]->tls13;
	if (tls12_suites && lo <= WEB_TLS12) {
		/* the listed suites' parts first (GnuTLS orders by them), then
		 * what TLS 1.3 needs: its suites are not configurable */
		strncat(buf, ":-CIPHER-ALL", len - strlen(buf) - 1);
		for (size_t i = 0; i < c->n_cipher_suites; i++)
			if (!c->cipher_suites[i]->tls13)
				add_unique(buf, len, "", c->cipher_suites[i]->cipher);
		if (hi >= WEB_TLS13) {
			add_unique(buf, len, "", "AES-256-GCM");
			add_unique(buf, len, "", "CHACHA20-POLY1305");
			add_unique(buf, len, "", "AES-128-GCM");
			add_unique(buf, len, "", "AES-128-CCM");
		}
		strncat(buf, ":-KX-ALL", len - strlen(buf) - 1);
		for (size_t i = 0; i < c->n_cipher_suites; i++)
			if (!c->cipher_suites[i]->tls13)
				add_unique(buf, len, "", c->cipher_suites[i]->kx);
		strncat(buf, ":-MAC-ALL", len - strlen(buf) - 1);
		for (size_t i = 0; i < c->n_cipher_suites; i++)
			if (!c->cipher_suites[i]->tls13)
				add_unique(buf, len, "", c->cipher_suites[i]->mac);
		add_unique(buf, len, "", "AEAD");
	}
	if (c->n_curves) {
		strncat(buf, ":-GROUP-ALL", len - strlen(buf) - 1);
		for (size_t i = 0; i < c->n_curves; i++)
			add_unique(buf, len, "GROUP-", c->curves[i]->group);
	}
}

// SPDX-License-Identifier: Apache-2.0
/*
 * web_config.c: a line-at-a-time parser for the web config subset of
 * web_config.h. The file has two levels (section: then key: value), so a
 * line is either a section header at column 0 or a key of the current
 * section at that section's indentation; anything else is an error.
 */
#include "web/web_config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum section { SEC_NONE, SEC_TLS, SEC_USERS };

/* tls_server_config keys seen, to refuse duplicates */
enum { K_CERT = 1, K_KEY = 2, K_MIN = 4, K_MAX = 8, K_CLIENT_AUTH = 16 };

struct parser {
	const char *path;
	size_t line;
	char *err;
	size_t errlen;
	struct web_config *out;
	enum section section;
	const char *section_name;
	int child_indent; /* -1 until the section's first key */
	bool seen_tls, seen_users;
	unsigned tls_keys;
	size_t tls_line;
};

static int perr(struct parser *p, const char *key, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key)
		snprintf(p->err, p->errlen, "web config %s line %zu: %s: %s", p->path, p->line, key, msg);
	else
		snprintf(p->err, p->errlen, "web config %s line %zu: %s", p->path, p->line, msg);
	return -1;
}

static const char *skip_spaces(const char *s, const char *e)
{
	while (s < e && *s == ' ')
		s++;
	return s;
}

/* Only spaces and maybe a comment from s to e. */
static bool rest_is_empty(const char *s, const char *e)
{
	s = skip_spaces(s, e);
	return s == e || *s == '#';
}

static bool is_indicator(char c)
{
	return strchr("[]{}&*!|>%@`", c) != NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A quoted scalar starting at *s (the quote). On success *out is a new
 * string and *s points past the closing quote.
 */
static int parse_quoted(struct parser *p, const char *key, const char **s, const char *e, char **out)
{
	char q = **s;
	const char *c = *s + 1;
	char *buf = malloc((size_t)(e - *s) + 1), *o = buf;

	if (!buf)
		return perr(p, key, "out of memory");
	for (;;) {
		if (c >= e) {
			free(buf);
			return perr(p, key, "unterminated %s-quoted string (strings must end on their line)",
				    q == '"' ? "double" : "single");
		}
		if (*c == q) {
			if (q == '\'' && c + 1 < e && c[1] == '\'') {
				*o++ = '\'';
				c += 2;
				continue;
			}
			c++;
			break;
		}
		if (q == '"' && *c == '\\') {
			int hi, lo;

			if (c + 1 >= e) {
				free(buf);
				return perr(p, key, "unterminated double-quoted string (strings must end on their line)");
			}
			switch (c[1]) {
			case '\\':
			case '"':
			case '/':
				*o++ = c[1];
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 'x':
				if (c + 3 >= e || (hi = hexval(c[2])) < 0 || (lo = hexval(c[3])) < 0 || (!hi && !lo)) {
					free(buf);
					return perr(p, key, "bad \\x escape (want two hex digits, not 00)");
				}
				*o++ = (char)(hi * 16 + lo);
				c += 2;
				break;
			default:
				free(buf);
				return perr(p, key, "unsupported escape \\%c in a double-quoted string", c[1]);
			}
			c += 2;
			continue;
		}
		*o++ = *c++;
	}
	*o = '\0';
	*s = c;
	*out = buf;
	return 0;
}

/*
 * The key of a "key: value" line starting at s. *value is where the value
 * begins (after ": "), or e.
 */
static int parse_key(struct parser *p, const char *s, const char *e, char **key, const char **value)
{
	const char *c;

	if (*s == '"' || *s == '\'') {
		if (parse_quoted(p, NULL, &s, e, key) < 0)
			return -1;
		s = skip_spaces(s, e);
		if (s >= e || *s != ':' || (s + 1 < e && s[1] != ' ')) {
			free(*key);
			*key = NULL;
			return perr(p, NULL, "expected ':' after a quoted key");
		}
		*value = s + 1;
		return 0;
	}
	if (*s == '-' && (s + 1 == e || s[1] == ' '))
		return perr(p, NULL, "sequences (\"- item\") are not supported here");
	if (is_indicator(*s) || *s == '?' || *s == ',' || *s == ':')
		return perr(p, NULL, "'%c': anchors, tags, flow collections and complex keys are not supported", *s);
	for (c = s; c < e; c++) {
		if (*c == ':' && (c + 1 == e || c[1] == ' '))
			break;
		if (*c == '#' && c > s && c[-1] == ' ') {
			c = e; /* the rest is a comment */
			break;
		}
	}
	if (c >= e)
		return perr(p, NULL, "expected \"key: value\"");
	while (c > s && c[-1] == ' ')
		c--;
	*key = strndup(s, (size_t)(c - s));
	if (!*key)
		return perr(p, NULL, "out of memory");
	*value = (const char *)memchr(c, ':', (size_t)(e - c)) + 1;
	return 0;
}

/* Value kinds: none (nothing after the colon), "{}", or a scalar. */
enum vkind { V_NONE, V_EMPTY_MAP, V_SCALAR };

static int parse_value(struct parser *p, const char *key, const char *s, const char *e, enum vkind *kind,
		       char **out)
{
	const char *c;

	*out = NULL;
	s = skip_spaces(s, e);
	if (s == e || *s == '#') {
		*kind = V_NONE;
		return 0;
	}
	if (*s == '{' && s + 1 < e && s[1] == '}' && rest_is_empty(s + 2, e)) {
		*kind = V_EMPTY_MAP;
		return 0;
	}
	*kind = V_SCALAR;
	if (*s == '"' || *s == '\'') {
		if (parse_quoted(p, key, &s, e, out) < 0)
			return -1;
		if (!rest_is_empty(s, e)) {
			free(*out);
			*out = NULL;
			return perr(p, key, "unexpected text after the quoted string");
		}
		return 0;
	}
	if (is_indicator(*s))
		return perr(p, key, "'%c': anchors, tags, flow collections and block scalars are not supported", *s);
	for (c = s; c < e; c++) {
		if (*c == '#' && c > s && c[-1] == ' ')
			break;
		if (*c == ':' && (c + 1 == e || c[1] == ' '))
			return perr(p, key, "unexpected ': ' in a plain value (quote the value)");
	}
	while (c > s && c[-1] == ' ')
		c--;
	*out = strndup(s, (size_t)(c - s));
	if (!*out)
		return perr(p, key, "out of memory");
	return 0;
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

static int parse_version(struct parser *p, const char *key, const char *v, enum web_tls_version *out)
{
	if (!strcmp(v, "TLS12")) {
		*out = WEB_TLS12;
		return 0;
	}
	if (!strcmp(v, "TLS13")) {
		*out = WEB_TLS13;
		return 0;
	}
	if (!strcmp(v, "TLS10") || !strcmp(v, "TLS11"))
		return perr(p, key, "%s is not supported: TLS 1.0 and 1.1 are deprecated (RFC 8996); use TLS12 or TLS13",
			    v);
	return perr(p, key, "unknown TLS version \"%.64s\" (want TLS12 or TLS13)", v);
}

static int tls_key(struct parser *p, const char *name, const char *v)
{
	static const char *const unsupported[] = {
		"cert", "key", "client_ca_file", "client_allowed_sans", "cipher_suites", "curve_preferences",
		"prefer_server_cipher_suites",
	};
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{ "cert_file", K_CERT }, { "key_file", K_KEY }, { "min_version", K_MIN },
		{ "max_version", K_MAX }, { "client_auth_type", K_CLIENT_AUTH },
	};
	char key[96];
	unsigned bit = 0;

	snprintf(key, sizeof(key), "tls_server_config.%.64s", name);
	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
		if (!strcmp(name, unsupported[i]))
			return perr(p, key,
				    "not supported by this exporter (supported: cert_file, key_file, min_version, "
				    "max_version, client_auth_type: NoClientCert)");
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (!strcmp(name, known[i].name))
			bit = known[i].bit;
	if (!bit)
		return perr(p, key,
			    "unknown key (supported: cert_file, key_file, min_version, max_version, client_auth_type)");
	if (p->tls_keys & bit)
		return perr(p, key, "duplicate key");
	p->tls_keys |= bit;
	if (!v)
		return perr(p, key, "needs a value");
	switch (bit) {
	case K_CERT:
	case K_KEY: {
		char **dst = bit == K_CERT ? &p->out->cert_file : &p->out->key_file;

		if (!v[0])
			return perr(p, key, "empty file name");
		*dst = resolve_path(p->path, v);
		return *dst ? 0 : perr(p, key, "out of memory");
	}
	case K_MIN:
		return parse_version(p, key, v, &p->out->min_version);
	case K_MAX:
		return parse_version(p, key, v, &p->out->max_version);
	default:
		if (!strcmp(v, "NoClientCert"))
			return 0;
		if (!strcmp(v, "RequestClientCert") || !strcmp(v, "RequireAnyClientCert") ||
		    !strcmp(v, "VerifyClientCertIfGiven") || !strcmp(v, "RequireAndVerifyClientCert"))
			return perr(p, key, "%s is not supported: this exporter does not check client certificates "
				    "(use NoClientCert or leave the key out)", v);
		return perr(p, key, "unknown value \"%.64s\" (only NoClientCert is supported)", v);
	}
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

/* Takes ownership of name. */
static int user_key(struct parser *p, char *name, char *hash)
{
	char key[128];
	struct web_user *u;

	snprintf(key, sizeof(key), "basic_auth_users.%.64s", name);
	if (!name[0])
		return perr(p, "basic_auth_users", "empty user name");
	if (strchr(name, ':'))
		return perr(p, key, "user names cannot contain ':' (HTTP basic auth splits at the first colon)");
	for (size_t i = 0; i < p->out->n_users; i++)
		if (!strcmp(p->out->users[i].name, name))
			return perr(p, key, "duplicate user");
	if (!hash || !hash[0])
		return perr(p, key, "needs a bcrypt password hash");
	if (!is_bcrypt(hash))
		return perr(p, key,
			    "not a bcrypt hash (want $2a$, $2b$ or $2y$, a cost of 04 to 31 and 53 characters, "
			    "e.g. from `htpasswd -nbB USER PASSWORD`)");
	u = realloc(p->out->users, (p->out->n_users + 1) * sizeof(*u));
	if (!u)
		return perr(p, key, "out of memory");
	p->out->users = u;
	u[p->out->n_users].name = strdup(name);
	u[p->out->n_users].hash = strdup(hash);
	p->out->n_users++;
	if (!u[p->out->n_users - 1].name || !u[p->out->n_users - 1].hash)
		return perr(p, key, "out of memory");
	return 0;
}

/* ---- lines ---- */

static int section_line(struct parser *p, const char *key, enum vkind kind)
{
	bool *seen;

	p->section = SEC_NONE;
	p->child_indent = -1;
	if (!strcmp(key, "tls_server_config")) {
		seen = &p->seen_tls;
		p->tls_line = p->line;
	} else if (!strcmp(key, "basic_auth_users")) {
		seen = &p->seen_users;
	} else if (!strcmp(key, "http_server_config")) {
		return perr(p, key, "not supported: this exporter serves HTTP/1.1 only and sets no custom headers "
			    "(remove the section)");
	} else if (!strcmp(key, "rate_limit")) {
		return perr(p, key, "not supported (the exporter limits concurrent scrapes with --web.max-requests)");
	} else {
		return perr(p, key, "unknown key (supported: tls_server_config, basic_auth_users)");
	}
	if (*seen)
		return perr(p, key, "duplicate key");
	*seen = true;
	if (kind == V_SCALAR)
		return perr(p, key, "must be a mapping (keys on the following lines, indented)");
	if (kind == V_NONE) {
		p->section = seen == &p->seen_tls ? SEC_TLS : SEC_USERS;
		p->section_name = seen == &p->seen_tls ? "tls_server_config" : "basic_auth_users";
	}
	return 0;
}

static int content_line(struct parser *p, int indent, const char *s, const char *e)
{
	char *key = NULL, *value = NULL, full[160];
	const char *vs = e;
	enum vkind kind;
	int rc;

	if (indent > 0) {
		if (p->section == SEC_NONE)
			return perr(p, NULL, "unexpected indentation");
		if (p->child_indent < 0)
			p->child_indent = indent;
		if (indent != p->child_indent)
			return perr(p, p->section_name, "unexpected indentation (keys here are indented %d spaces; "
				    "nested mappings are not supported)", p->child_indent);
	}
	if (parse_key(p, s, e, &key, &vs) < 0)
		return -1;
	if (indent > 0)
		snprintf(full, sizeof(full), "%s.%.64s", p->section_name, key);
	else
		snprintf(full, sizeof(full), "%.64s", key);
	if (parse_value(p, full, vs, e, &kind, &value) < 0) {
		free(key);
		return -1;
	}
	if (indent == 0) {
		rc = section_line(p, key, kind);
	} else if (kind == V_EMPTY_MAP) {
		rc = perr(p, full, "must be a string, not a mapping");
	} else if (p->section == SEC_TLS) {
		rc = tls_key(p, key, value);
	} else {
		rc = user_key(p, key, value);
	}
	free(key);
	free(value);
	return rc;
}

static int finish(struct parser *p)
{
	struct web_config *c = p->out;

	p->line = p->tls_line;
	if (!c->cert_file != !c->key_file)
		return perr(p, "tls_server_config", "cert_file and key_file go together (only %s is set)",
			    c->cert_file ? "cert_file" : "key_file");
	if (!c->cert_file && p->tls_keys)
		return perr(p, "tls_server_config", "needs cert_file and key_file");
	if (!c->min_version)
		c->min_version = WEB_TLS12;
	if (!c->max_version)
		c->max_version = WEB_TLS13;
	if (c->min_version > c->max_version)
		return perr(p, "tls_server_config", "min_version TLS%d is above max_version TLS%d", c->min_version,
			    c->max_version);
	return 0;
}

int web_config_parse(const char *text, size_t len, const char *path, struct web_config *out, char *err,
		     size_t errlen)
{
	struct parser p = { .path = path, .err = err, .errlen = errlen, .out = out, .child_indent = -1 };
	const char *s = text, *end = text + len;
	bool first = true;

	memset(out, 0, sizeof(*out));
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end, *c = s, *t;
		int indent;

		p.line++;
		if (e > s && e[-1] == '\r')
			e--;
		if (memchr(s, '\0', (size_t)(e - s)) || memchr(s, '\r', (size_t)(e - s))) {
			perr(&p, NULL, "NUL or carriage return inside the line");
			goto fail;
		}
		while (c < e && *c == ' ')
			c++;
		indent = (int)(c - s);
		s = nl ? nl + 1 : end;
		t = c;
		while (t < e && (*t == ' ' || *t == '\t'))
			t++;
		if (t == e || *t == '#')
			continue; /* blank or comment */
		if (t != c) {
			perr(&p, NULL, "tab in indentation (YAML indents with spaces)");
			goto fail;
		}
		if (first && indent == 0 && e - c >= 3 && !strncmp(c, "---", 3) && rest_is_empty(c + 3, e)) {
			first = false;
			continue;
		}
		first = false;
		if (e - c >= 3 && (!strncmp(c, "---", 3) || !strncmp(c, "...", 3)) && rest_is_empty(c + 3, e)) {
			perr(&p, NULL, "only one YAML document is supported");
			goto fail;
		}
		if (indent > 64) {
			perr(&p, NULL, "unexpected indentation");
			goto fail;
		}
		if (content_line(&p, indent, c, e) < 0)
			goto fail;
	}
	if (finish(&p) < 0)
		goto fail;
	return 0;
fail:
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

void web_config_free(struct web_config *c)
{
	free(c->cert_file);
	free(c->key_file);
	for (size_t i = 0; i < c->n_users; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	memset(c, 0, sizeof(*c));
}

void web_config_tls_priorities(const struct web_config *c, char *buf, size_t len)
{
	enum web_tls_version lo = c->min_version ? c->min_version : WEB_TLS12;
	enum web_tls_version hi = c->max_version ? c->max_version : WEB_TLS13;

	snprintf(buf, len, "NORMAL:-VERS-ALL%s%s", hi >= WEB_TLS13 ? ":+VERS-TLS1.3" : "",
		 lo <= WEB_TLS12 ? ":+VERS-TLS1.2" : "");
}

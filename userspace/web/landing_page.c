// SPDX-License-Identifier: Apache-2.0
#include "web/landing_page.h"

#include <stdlib.h>
#include <string.h>

/* Appends s with HTML's special characters escaped. */
static void html_escaped(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	for (; *s && n + 7 < cap; s++) {
		const char *rep = NULL;

		switch (*s) {
		case '&':
			rep = "&amp;";
			break;
		case '<':
			rep = "&lt;";
			break;
		case '>':
			rep = "&gt;";
			break;
		case '"':
			rep = "&quot;";
			break;
		}
		if (rep) {
			memcpy(dst + n, rep, strlen(rep));
			n += strlen(rep);
		} else {
			dst[n++] = *s;
		}
	}
	dst[n] = '\0';
}

char *landing_page_build(const char *title, const char *version, const char *path)
{
	size_t cap = 2048 + 6 * (strlen(title) * 2 + strlen(version) + strlen(path));
	char *p = malloc(cap);

	if (!p)
		return NULL;
	p[0] = '\0';
	strcat(p, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
	html_escaped(p, cap, title);
	strcat(p, "</title></head>\n<body>\n<h1>");
	html_escaped(p, cap, title);
	strcat(p, "</h1>\n");
	if (version[0]) {
		strcat(p, "<p>Version ");
		html_escaped(p, cap, version);
		strcat(p, "</p>\n");
	}
	strcat(p, "<ul>\n<li><a href=\"");
	html_escaped(p, cap, path);
	strcat(p, "\">Metrics</a></li>\n"
		  "<li><a href=\"/health\">Health</a></li>\n"
		  "<li><a href=\"/ready\">Readiness</a></li>\n"
		  "</ul>\n</body></html>\n");
	return p;
}

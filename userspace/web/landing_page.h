/* SPDX-License-Identifier: Apache-2.0 */
/*
 * landing_page.h: the HTML page served at "/", as node_exporter serves one:
 * the title, the version and links to the metrics, /health and /ready.
 *
 * What it offers
 *   - landing_page_build(): the page as a new string (free() it), with
 *     HTML's special characters in every argument escaped; NULL when out
 *     of memory. Pure.
 */
#ifndef DWCP_LANDING_PAGE_H
#define DWCP_LANDING_PAGE_H

char *landing_page_build(const char *title, const char *version, const char *telemetry_path);

#endif /* DWCP_LANDING_PAGE_H */

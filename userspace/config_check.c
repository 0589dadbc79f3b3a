// SPDX-License-Identifier: Apache-2.0
#include "config_check.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "base/dwcp_names.h"
#include "web/listen_address.h"
#include "web/tls_material.h"
#include "probes/usdt_notes.h"
#include "web/web_config.h"

static int check_web_config(const char *path, FILE *out)
{
	struct web_config w;
	struct tls_material *t = NULL;
	char err[2048];

	if (web_config_load(path, &w, err, sizeof(err)) < 0 || tls_material_load(path, &w, &t, err, sizeof(err)) < 0) {
		fprintf(out, "error: %s\n", err);
		return 1;
	}
	fprintf(out, "ok: web config %s: %s, %zu basic auth user%s\n", path, t ? "TLS" : "plain HTTP", w.n_users,
		w.n_users == 1 ? "" : "s");
	tls_material_free(t);
	web_config_free(&w);
	return 0;
}

static int check_listen(const struct options *opt, FILE *out)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[512];
	int errors = 0;

	if (opt->systemd_socket) {
		fprintf(out, "ok: listen on the sockets systemd passes (--web.systemd-socket)\n");
		return 0;
	}
	for (size_t i = 0; i < opt->n_listen; i++) {
		if (listen_address_parse(opt->listen[i], &ss, &sl, err, sizeof(err)) < 0) {
			fprintf(out, "error: --web.listen-address %s: %s\n", opt->listen[i], err);
			errors++;
		} else {
			fprintf(out, "ok: listen on %s\n", opt->listen[i]);
		}
	}
	return errors;
}

static int check_binary(const struct options *opt, const char *given, FILE *out)
{
	char buf[PATH_MAX + 32], err[PATH_MAX + 256], missing[DWCP_PROBE_COUNT * 20] = "";
	const char *path = options_binary_path(opt, given, buf, sizeof(buf));
	bool has[DWCP_PROBE_COUNT];
	struct stat st;
	int n;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT && !opt->pid && opt->capabilities != CAPS_KEEP_NONE) {
			fprintf(out, "note: --binary %s does not exist yet: the exporter will wait for it\n", path);
			return 0;
		}
		fprintf(out, "error: --binary %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(out, "error: --binary %s: not a regular file\n", path);
		return 1;
	}
	n = usdt_notes_dwcp(path, has, err, sizeof(err));
	if (n < 0) {
		fprintf(out, "error: --binary %s\n", err);
		return 1;
	}
	if (n == 0) {
		fprintf(out, "error: --binary %s: no dwcp USDT probes (is it built with usdt/dwcp_probes.h?)\n", path);
		return 1;
	}
	for (int p = 0; p < DWCP_PROBE_COUNT; p++) {
		if (has[p])
			continue;
		if (missing[0])
			strcat(missing, ",");
		strcat(missing, dwcp_probe_name(p));
	}
	fprintf(out, "ok: --binary %s: %d of %d dwcp probes%s%s\n", path, n, DWCP_PROBE_COUNT,
		missing[0] ? ", lacks " : "", missing);
	return 0;
}

int config_check_run(const struct options *opt, FILE *out)
{
	int errors = 0;

	fprintf(out, "ok: flags%s%s parse\n", opt->config_file ? " and config file " : "",
		opt->config_file ? opt->config_file : "");
	if (opt->web_config_file)
		errors += check_web_config(opt->web_config_file, out);
	errors += check_listen(opt, out);
	for (size_t i = 0; i < opt->n_binaries; i++)
		errors += check_binary(opt, opt->binaries[i], out);
	if (opt->pid == 0 && opt->capabilities == CAPS_KEEP_NONE)
		fprintf(out, "note: --capabilities.keep none: binaries replaced on disk will not be followed\n");
	fprintf(out, "%s: %d error%s\n", errors ? "config check failed" : "config check passed", errors,
		errors == 1 ? "" : "s");
	return errors;
}

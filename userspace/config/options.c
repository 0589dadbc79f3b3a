// SPDX-License-Identifier: Apache-2.0
#include "config/options.h"

#include "config/config_file.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum long_only {
	OPT_BINARY = 256,
	OPT_PID,
	OPT_CLUSTER,
	OPT_NODE,
	OPT_LISTEN,
	OPT_TELEMETRY_PATH,
	OPT_MAX_REQUESTS,
	OPT_STREAM_ID_LABEL,
	OPT_NO_STREAM_ID_LABEL,
	OPT_STREAM_GRACE,
	OPT_MAX_STREAMS,
	OPT_PIN_PATH,
	OPT_PIN,
	OPT_NO_PIN,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_CONFIG_FILE,
	OPT_WEB_CONFIG_FILE,
	OPT_CAPABILITIES,
	OPT_BPF_STATS,
	OPT_NO_BPF_STATS,
	OPT_LIST_METRICS,
	OPT_VERSION,
	OPT_SYSTEMD_SOCKET,
	OPT_NO_SYSTEMD_SOCKET,
	OPT_CONFIG_CHECK,
};

static const struct option long_options[] = {
	{ "binary", required_argument, NULL, OPT_BINARY },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "cluster", required_argument, NULL, OPT_CLUSTER },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_TELEMETRY_PATH },
	{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "web.systemd-socket", no_argument, NULL, OPT_SYSTEMD_SOCKET },
	{ "no-web.systemd-socket", no_argument, NULL, OPT_NO_SYSTEMD_SOCKET },
	{ "stream.id-label", no_argument, NULL, OPT_STREAM_ID_LABEL },
	{ "no-stream.id-label", no_argument, NULL, OPT_NO_STREAM_ID_LABEL },
	{ "stream.grace", required_argument, NULL, OPT_STREAM_GRACE },
	{ "bpf.max-streams", required_argument, NULL, OPT_MAX_STREAMS },
	{ "bpf.pin-path", required_argument, NULL, OPT_PIN_PATH },
	{ "bpf.pin", no_argument, NULL, OPT_PIN },
	{ "no-bpf.pin", no_argument, NULL, OPT_NO_PIN },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "config.file", required_argument, NULL, OPT_CONFIG_FILE },
	{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG_FILE },
	{ "capabilities.keep", required_argument, NULL, OPT_CAPABILITIES },
	{ "bpf.stats", no_argument, NULL, OPT_BPF_STATS },
	{ "no-bpf.stats", no_argument, NULL, OPT_NO_BPF_STATS },
	{ "config.check", no_argument, NULL, OPT_CONFIG_CHECK },
	{ "list-metrics", no_argument, NULL, OPT_LIST_METRICS },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

void options_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s --binary PATH [--binary PATH...] [options]\n"
		"\n"
		"Serves the dwcp USDT probes of DWCP binaries as Prometheus metrics, aggregated\n"
		"in the kernel by BPF programs. Runs as root, or with CAP_BPF, CAP_PERFMON and\n"
		"CAP_SYS_ADMIN (uprobes need it); add CAP_DAC_READ_SEARCH for binaries its user\n"
		"cannot read and CAP_SYS_PTRACE for --pid of another user's process.\n"
		"\n"
		"Targets:\n"
		"  --binary PATH              DWCP binary (or shared library) to instrument: every\n"
		"                             process running it, now or later. Repeatable, at most %d.\n"
		"                             A path where nothing is yet is waited for (/ready says\n"
		"                             503 until the file appears; then it is attached).\n"
		"  --pid PID                  only this process of the binaries\n"
		"\n"
		"Labels:\n"
		"  --cluster NAME             value of the cluster label (default \"default\")\n"
		"  --node NAME                value of the node label (default: the host name)\n"
		"\n"
		"Web:\n"
		"  --web.listen-address ADDR  host:port to listen on, repeatable (default :%s)\n"
		"  --web.telemetry-path PATH  path of the metrics (default /metrics)\n"
		"  --web.max-requests N       concurrent scrapes, 503 beyond; 0 = no limit (default %d)\n"
		"  --web.systemd-socket       serve on the listening sockets systemd passes (socket\n"
		"                             activation, LISTEN_FDS) instead of --web.listen-address\n"
		"  --web.config.file FILE     TLS and basic auth, exporter-toolkit web config format\n"
		"                             (README: TLS and basic auth); re-read on SIGHUP\n"
		"\n"
		"Streams:\n"
		"  --stream.id-label          export bytes per stream_id (default)\n"
		"  --no-stream.id-label       export bytes summed per node: for nodes with many streams\n"
		"  --stream.grace DURATION    keep an ended stream's series this long, so the last\n"
		"                             scrape sees its final bytes (default 30s)\n"
		"  --bpf.max-streams N        size of the stream map: active plus in-grace streams\n"
		"                             (default 16384)\n"
		"\n"
		"Restarts:\n"
		"  --bpf.pin-path DIR         bpffs directory where the maps are pinned, so a\n"
		"                             restarted exporter keeps its counters\n"
		"                             (default " DWCP_DEFAULT_PIN_PATH ")\n"
		"  --no-bpf.pin               do not pin: counters start at 0 with every start\n"
		"\n"
		"Privileges and cost:\n"
		"  --capabilities.keep WHAT   after attaching, keep: attach (what re-attaching to a\n"
		"                             replaced binary needs; default), none (replaced\n"
		"                             binaries are no longer followed), all\n"
		"  --bpf.stats                turn on the kernel's BPF run-time statistics while the\n"
		"                             exporter runs, for dwcp_bpf_program_* (costs ~20 ns a\n"
		"                             probe hit); --no-bpf.stats (default) leaves it as is\n"
		"\n"
		"Config:\n"
		"  --config.file FILE         read these flags from FILE (README: Configuration\n"
		"                             file); flags on the command line win; re-read on SIGHUP\n"
		"  --config.check             check the flags, the config file, the web config and\n"
		"                             every binary, print what is wrong, and exit 0 (all\n"
		"                             good) or 1; loads no BPF and needs no privileges\n"
		"\n"
		"Logs and info:\n"
		"  --log.level LEVEL          debug, info, warn, error (default info)\n"
		"  --log.format FORMAT        logfmt or json (default logfmt)\n"
		"  --list-metrics             print the metric table (Markdown) and exit\n"
		"  --version                  print the version and exit\n"
		"  -h, --help                 this help\n"
		"\n"
		"Examples:\n"
		"  %s --binary /usr/bin/dwcp-node --cluster prod-eu --node node-01\n"
		"  %s --binary ./build/dwcp-sim --web.listen-address 127.0.0.1:9477\n",
		prog, OPTIONS_MAX_BINARIES, DWCP_EXPORTER_DEFAULT_PORT, OPTIONS_DEFAULT_MAX_REQUESTS, prog, prog);
}

int parse_duration_ns(const char *text, uint64_t *out)
{
	static const struct {
		const char *suffix;
		uint64_t ns;
	} units[] = { { "ms", 1000000ull }, { "s", 1000000000ull }, { "m", 60000000000ull },
		      { "h", 3600000000000ull } };
	char *end;
	unsigned long long n;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	n = strtoull(text, &end, 10);
	if (errno || end == text)
		return -1;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			if (n > UINT64_MAX / units[i].ns)
				return -1;
			*out = n * units[i].ns;
			return 0;
		}
	}
	return -1;
}

static int parse_uint(const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno || *end != '\0' || *out > max)
		return -1;
	return 0;
}

static const char *const capability_keep_names[] = {
	[CAPS_KEEP_ATTACH] = "attach",
	[CAPS_KEEP_NONE] = "none",
	[CAPS_KEEP_ALL] = "all",
};

const char *capability_keep_name(enum capability_keep keep)
{
	return (unsigned)keep < sizeof(capability_keep_names) / sizeof(capability_keep_names[0])
		       ? capability_keep_names[keep]
		       : "unknown";
}

static int capability_keep_parse(const char *text, enum capability_keep *out)
{
	for (size_t i = 0; i < sizeof(capability_keep_names) / sizeof(capability_keep_names[0]); i++) {
		if (strcmp(text, capability_keep_names[i]) == 0) {
			*out = (enum capability_keep)i;
			return 0;
		}
	}
	return -1;
}

static int set_label(char *dst, const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len >= OPTIONS_LABEL_MAX)
		return -1;
	memcpy(dst, value, len + 1);
	return 0;
}

/* Where a value comes from, for error messages and for "flags win". */
struct source {
	const char *config_path; /* NULL: the command line */
	unsigned line;
	bool binaries_replaced; /* the command line's first --binary drops the file's */
	bool listen_replaced;
};

/*
 * Applies one flag. Returns OPTIONS_RUN to go on, another action to stop
 * (help, version...), or OPTIONS_ERROR with err filled. Messages name the
 * flag; the caller prefixes the config file and line.
 */
static enum options_action apply_flag(struct options *opt, struct source *src, int id, const char *arg,
				      char *err, size_t errlen)
{
	unsigned long long n;
	uint64_t ns;

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, errlen, __VA_ARGS__);                            \
		return OPTIONS_ERROR;                                          \
	} while (0)

	switch (id) {
	case OPT_BINARY:
		if (!src->config_path && !src->binaries_replaced) {
			src->binaries_replaced = true;
			opt->n_binaries = 0;
		}
		if (opt->n_binaries == OPTIONS_MAX_BINARIES)
			FAIL("--binary: at most %d binaries", OPTIONS_MAX_BINARIES);
		if (arg[0] == '\0')
			FAIL("--binary: empty path");
		opt->binaries[opt->n_binaries++] = arg;
		break;
	case OPT_PID:
		if (parse_uint(arg, INT_MAX, &n) || n == 0)
			FAIL("--pid: \"%s\" is not a process id (1..%d)", arg, INT_MAX);
		opt->pid = (pid_t)n;
		break;
	case OPT_CLUSTER:
		if (set_label(opt->cluster, arg))
			FAIL("--cluster: must be 1..%d bytes", OPTIONS_LABEL_MAX - 1);
		break;
	case OPT_NODE:
		if (set_label(opt->node, arg))
			FAIL("--node: must be 1..%d bytes", OPTIONS_LABEL_MAX - 1);
		break;
	case OPT_LISTEN:
		if (!src->config_path && !src->listen_replaced) {
			src->listen_replaced = true;
			opt->n_listen = 0;
		}
		if (opt->n_listen == OPTIONS_MAX_LISTEN)
			FAIL("--web.listen-address: at most %d addresses", OPTIONS_MAX_LISTEN);
		if (!strchr(arg, ':'))
			FAIL("--web.listen-address: \"%s\" is not host:port", arg);
		opt->listen[opt->n_listen++] = arg;
		break;
	case OPT_TELEMETRY_PATH:
		if (arg[0] != '/' || strlen(arg) < 2 || strpbrk(arg, " ?#"))
			FAIL("--web.telemetry-path: \"%s\" must be a path like /metrics", arg);
		if (strcmp(arg, "/health") == 0 || strcmp(arg, "/ready") == 0)
			FAIL("--web.telemetry-path: \"%s\" is taken by the exporter", arg);
		opt->telemetry_path = arg;
		break;
	case OPT_MAX_REQUESTS:
		if (parse_uint(arg, 100000, &n))
			FAIL("--web.max-requests: \"%s\" is not a number 0..100000", arg);
		opt->max_requests = (unsigned)n;
		break;
	case OPT_STREAM_ID_LABEL:
		opt->stream_id_label = true;
		break;
	case OPT_NO_STREAM_ID_LABEL:
		opt->stream_id_label = false;
		break;
	case OPT_STREAM_GRACE:
		if (parse_duration_ns(arg, &ns))
			FAIL("--stream.grace: \"%s\" is not a duration like 30s, 500ms, 2m", arg);
		opt->stream_grace_ns = ns;
		break;
	case OPT_MAX_STREAMS:
		if (parse_uint(arg, 1u << 24, &n) || n == 0)
			FAIL("--bpf.max-streams: \"%s\" is not a number 1..%u", arg, 1u << 24);
		opt->max_streams = (uint32_t)n;
		break;
	case OPT_PIN_PATH:
		if (arg[0] != '/' || strlen(arg) > 200)
			FAIL("--bpf.pin-path: \"%s\" must be an absolute path in bpffs", arg);
		opt->pin_path_value = arg;
		if (opt->pin_path)
			opt->pin_path = arg;
		break;
	case OPT_PIN:
		opt->pin_path = opt->pin_path_value;
		break;
	case OPT_NO_PIN:
		opt->pin_path = NULL;
		break;
	case OPT_LOG_LEVEL:
		if (log_level_parse(arg, &opt->log_level))
			FAIL("--log.level: \"%s\" is not one of debug, info, warn, error", arg);
		break;
	case OPT_LOG_FORMAT:
		if (log_format_parse(arg, &opt->log_format))
			FAIL("--log.format: \"%s\" is not one of logfmt, json", arg);
		break;
	case OPT_CONFIG_FILE:
		if (src->config_path)
			FAIL("config.file: a config file cannot name another one");
		if (arg[0] == '\0')
			FAIL("--config.file: empty path");
		opt->config_file = arg;
		break;
	case OPT_WEB_CONFIG_FILE:
		if (arg[0] == '\0')
			FAIL("--web.config.file: empty path");
		opt->web_config_file = arg;
		break;
	case OPT_CAPABILITIES:
		if (capability_keep_parse(arg, &opt->capabilities))
			FAIL("--capabilities.keep: \"%s\" is not one of attach, none, all", arg);
		break;
	case OPT_SYSTEMD_SOCKET:
		opt->systemd_socket = true;
		break;
	case OPT_NO_SYSTEMD_SOCKET:
		opt->systemd_socket = false;
		break;
	case OPT_CONFIG_CHECK:
		opt->config_check = true;
		break;
	case OPT_BPF_STATS:
		opt->bpf_stats = true;
		break;
	case OPT_NO_BPF_STATS:
		opt->bpf_stats = false;
		break;
	case OPT_LIST_METRICS:
		return OPTIONS_LIST_METRICS;
	case OPT_VERSION:
		return OPTIONS_VERSION;
	case 'h':
		return OPTIONS_HELP;
	default:
		FAIL("internal error: flag %d has no handler", id);
	}
	return OPTIONS_RUN;
#undef FAIL
}

static void set_defaults(struct options *opt)
{
	memset(opt, 0, sizeof(*opt));
	strcpy(opt->cluster, "default");
	opt->telemetry_path = "/metrics";
	opt->max_requests = OPTIONS_DEFAULT_MAX_REQUESTS;
	opt->stream_id_label = true;
	opt->stream_grace_ns = 30ull * 1000000000ull;
	opt->max_streams = 16384;
	opt->pin_path_value = DWCP_DEFAULT_PIN_PATH;
	opt->pin_path = opt->pin_path_value;
	opt->log_level = LOG_INFO;
	opt->log_format = LOG_FORMAT_LOGFMT;
	opt->capabilities = CAPS_KEEP_ATTACH;
}

static const struct option *find_flag(const char *name)
{
	for (const struct option *o = long_options; o->name; o++) {
		if (strcmp(o->name, name) == 0)
			return o;
	}
	return NULL;
}

/* Flags a config file cannot set: they are about this invocation. */
static bool command_line_only(int id)
{
	return id == OPT_CONFIG_FILE || id == OPT_CONFIG_CHECK || id == OPT_LIST_METRICS || id == OPT_VERSION ||
	       id == 'h';
}

/* "stream.id-label: false" is --no-stream.id-label; other keys take a value. */
static enum options_action apply_entry(struct options *opt, struct source *src, const struct config_entry *e,
				       char *err, size_t errlen)
{
	const struct option *flag = find_flag(e->key);
	char negated[80];

	if (!flag || strncmp(e->key, "no-", 3) == 0) {
		snprintf(err, errlen, "%s: unknown setting (settings are the long flags without \"--\", see --help%s)",
			 e->key, flag ? "; write \"name: false\" instead of \"no-name\"" : "");
		return OPTIONS_ERROR;
	}
	if (command_line_only(flag->val)) {
		snprintf(err, errlen, "%s: only allowed on the command line", e->key);
		return OPTIONS_ERROR;
	}
	if (e->item > 0 && flag->val != OPT_BINARY && flag->val != OPT_LISTEN) {
		snprintf(err, errlen, "%s: takes one value, not a list", e->key);
		return OPTIONS_ERROR;
	}
	if (flag->has_arg == required_argument)
		return apply_flag(opt, src, flag->val, e->value, err, errlen);
	if (strcmp(e->value, "true") == 0)
		return apply_flag(opt, src, flag->val, NULL, err, errlen);
	snprintf(negated, sizeof(negated), "no-%s", e->key);
	if (strcmp(e->value, "false") == 0 && (flag = find_flag(negated)))
		return apply_flag(opt, src, flag->val, NULL, err, errlen);
	snprintf(err, errlen, "%s: \"%s\" is not true or false", e->key, e->value);
	return OPTIONS_ERROR;
}

static enum options_action apply_config_text(struct options *opt, const char *path, char *text, char *err,
					     size_t errlen)
{
	struct config_entry entries[CONFIG_FILE_MAX_ENTRIES];
	struct source src = { .config_path = path };
	char why[512];
	int n = config_file_parse(text, entries, CONFIG_FILE_MAX_ENTRIES, why, sizeof(why));

	if (n < 0) {
		snprintf(err, errlen, "--config.file %s: %s", path, why);
		return OPTIONS_ERROR;
	}
	for (int i = 0; i < n; i++) {
		enum options_action a = apply_entry(opt, &src, &entries[i], why, sizeof(why));

		if (a != OPTIONS_RUN) {
			snprintf(err, errlen, "--config.file %s: line %u: %s", path, entries[i].line, why);
			return OPTIONS_ERROR;
		}
	}
	return OPTIONS_RUN;
}

/* Runs getopt over argv, applying each flag; a full rescan every call. */
static enum options_action apply_argv(struct options *opt, struct source *src, int argc, char **argv, char *err,
				      size_t errlen)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		enum options_action a;

		if (c == ':') {
			snprintf(err, errlen, "%s: needs a value", argv[optind - 1]);
			return OPTIONS_ERROR;
		}
		if (c == '?') {
			snprintf(err, errlen, "%s: unknown flag (see --help)", argv[optind - 1]);
			return OPTIONS_ERROR;
		}
		a = apply_flag(opt, src, c, optarg, err, errlen);
		if (a != OPTIONS_RUN)
			return a;
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument \"%s\" (flags take the form --name value)", argv[optind]);
		return OPTIONS_ERROR;
	}
	return OPTIONS_RUN;
}

static enum options_action finish(struct options *opt, char *err, size_t errlen)
{
	if (opt->n_binaries == 0) {
		snprintf(err, errlen, "--binary: at least one DWCP binary is required");
		return OPTIONS_ERROR;
	}
	if (opt->n_listen == 0)
		opt->listen[opt->n_listen++] = ":" DWCP_EXPORTER_DEFAULT_PORT;
	return OPTIONS_RUN;
}

enum options_action options_parse_with_config(int argc, char **argv, const char *config_text,
					      struct options *opt, char *err, size_t errlen)
{
	struct source cmdline = { 0 };
	const char *config_path;
	enum options_action a;

	/* first pass: find --config.file (and stop early for --help, errors) */
	set_defaults(opt);
	a = apply_argv(opt, &cmdline, argc, argv, err, errlen);
	if (a != OPTIONS_RUN || !opt->config_file)
		return a == OPTIONS_RUN ? finish(opt, err, errlen) : a;
	config_path = opt->config_file;
	if (!config_text) {
		snprintf(err, errlen, "--config.file %s: its text was not read", config_path);
		return OPTIONS_ERROR;
	}

	/* the file, then the command line on top: flags win */
	set_defaults(opt);
	opt->config_text = strdup(config_text);
	if (!opt->config_text) {
		snprintf(err, errlen, "--config.file %s: out of memory", config_path);
		return OPTIONS_ERROR;
	}
	a = apply_config_text(opt, config_path, opt->config_text, err, errlen);
	if (a != OPTIONS_RUN)
		return a;
	memset(&cmdline, 0, sizeof(cmdline));
	a = apply_argv(opt, &cmdline, argc, argv, err, errlen);
	if (a != OPTIONS_RUN)
		return a;
	return finish(opt, err, errlen);
}

/* The file's text, NUL-terminated, or NULL with err. At most CONFIG_FILE_MAX_BYTES. */
static char *read_config_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char *text;
	size_t len;

	if (!f) {
		snprintf(err, errlen, "--config.file %s: %s", path, strerror(errno));
		return NULL;
	}
	text = malloc(CONFIG_FILE_MAX_BYTES + 1);
	if (!text) {
		fclose(f);
		snprintf(err, errlen, "--config.file %s: out of memory", path);
		return NULL;
	}
	len = fread(text, 1, CONFIG_FILE_MAX_BYTES + 1, f);
	if (ferror(f) || len > CONFIG_FILE_MAX_BYTES || memchr(text, '\0', len)) {
		snprintf(err, errlen, "--config.file %s: %s", path,
			 ferror(f) ? "cannot read it" : len > CONFIG_FILE_MAX_BYTES ? "larger than 64 KiB" : "not text (NUL bytes)");
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	text[len] = '\0';
	return text;
}

const char *options_config_path(int argc, char **argv)
{
	struct options opt;
	struct source cmdline = { 0 };
	char err[16];

	set_defaults(&opt);
	if (apply_argv(&opt, &cmdline, argc, argv, err, sizeof(err)) != OPTIONS_RUN)
		return NULL;
	return opt.config_file;
}

enum options_action options_parse(int argc, char **argv, struct options *opt, char *err, size_t errlen)
{
	const char *path = options_config_path(argc, argv);
	enum options_action a;
	char *text = NULL;

	if (path) {
		text = read_config_file(path, err, errlen);
		if (!text) {
			set_defaults(opt);
			return OPTIONS_ERROR;
		}
	}
	a = options_parse_with_config(argc, argv, text, opt, err, errlen);
	free(text);
	return a;
}

static bool same_string(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_list(const char *const *a, size_t na, const char *const *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++) {
		if (!same_string(a[i], b[i]))
			return false;
	}
	return true;
}

int options_restart_needed(const struct options *running, const struct options *fresh, char *out, size_t len)
{
	const struct {
		const char *name;
		bool same;
	} settings[] = {
		{ "binary", same_list(running->binaries, running->n_binaries, fresh->binaries, fresh->n_binaries) },
		{ "pid", running->pid == fresh->pid },
		{ "cluster", same_string(running->cluster, fresh->cluster) },
		{ "node", same_string(running->node, fresh->node) },
		{ "web.listen-address", same_list(running->listen, running->n_listen, fresh->listen, fresh->n_listen) },
		{ "web.telemetry-path", same_string(running->telemetry_path, fresh->telemetry_path) },
		{ "web.max-requests", running->max_requests == fresh->max_requests },
		{ "web.systemd-socket", running->systemd_socket == fresh->systemd_socket },
		{ "bpf.max-streams", running->max_streams == fresh->max_streams },
		{ "bpf.pin-path", same_string(running->pin_path, fresh->pin_path) },
		{ "capabilities.keep", running->capabilities == fresh->capabilities },
		{ "bpf.stats", running->bpf_stats == fresh->bpf_stats },
	};
	size_t used = 0;
	int n = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		int w;

		if (settings[i].same)
			continue;
		n++;
		if (used >= len)
			continue;
		w = snprintf(out + used, len - used, "%s%s", used ? "," : "", settings[i].name);
		used += w > 0 ? (size_t)w : 0;
	}
	return n;
}

void options_free(struct options *opt)
{
	free(opt->config_text);
	opt->config_text = NULL;
}

const char *options_binary_path(const struct options *opt, const char *path, char *buf, size_t len)
{
	if (!opt->pid || path[0] != '/')
		return path;
	snprintf(buf, len, "/proc/%d/root%s", (int)opt->pid, path);
	return buf;
}

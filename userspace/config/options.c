// SPDX-License-Identifier: Apache-2.0
#include "config/options.h"

#include "config/config_file.h"

#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stddef.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

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

/* When a changed value takes effect. */
enum flag_scope {
	SCOPE_RESTART, /* only at start: a reload names it and keeps the running value */
	SCOPE_LIVE,    /* a reload (SIGHUP) applies it: options_apply_live() */
	SCOPE_COMMAND, /* about this invocation: not a config-file key */
};

struct flag;
typedef enum options_action (*flag_set_fn)(struct options *opt, struct source *src, const struct flag *f,
					   const char *arg, char *err, size_t errlen);

/*
 * One flag, written once: its getopt entry, its config-file key (the name;
 * "key: false" for a --no- pair), its --help lines, its default and what a
 * reload does with it. set() applies a value to the field at offset `field`
 * (of `size` bytes); its error names the flag and the value.
 */
struct flag {
	const char *name;
	const char *metavar; /* the value's name in --help; NULL: takes none */
	flag_set_fn set;
	size_t field, size;   /* the target in struct options (0, 0: none) */
	size_t count;         /* lists: offsetof the count */
	unsigned long long min, max; /* numbers: the range; lists: max entries */
	const char *bad;      /* numbers: the message for a bad value, "%s" the value, "%llu" max */
	const char *def;      /* the default, as a value to set(); NULL: zero */
	enum flag_scope scope;
	enum options_action action; /* what the flag makes the exporter do instead of running */
	const char *section;  /* --help: a heading printed before this flag */
	const char *help;     /* --help: its text ("\n" between lines); NULL: not listed */
};

#define FIELD(f) .field = offsetof(struct options, f), .size = sizeof(((struct options *)0)->f)
#define STR_(x) #x
#define STR(x) STR_(x)

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, errlen, __VA_ARGS__);                            \
		return OPTIONS_ERROR;                                          \
	} while (0)

#define AT(opt, f, type) ((type *)((char *)(opt) + (f)->field))

static enum options_action set_true(struct options *opt, struct source *src, const struct flag *f, const char *arg,
				    char *err, size_t errlen)
{
	(void)src, (void)arg, (void)err, (void)errlen;
	*AT(opt, f, bool) = true;
	return OPTIONS_RUN;
}

static enum options_action set_false(struct options *opt, struct source *src, const struct flag *f,
				     const char *arg, char *err, size_t errlen)
{
	(void)src, (void)arg, (void)err, (void)errlen;
	*AT(opt, f, bool) = false;
	return OPTIONS_RUN;
}

static enum options_action set_action(struct options *opt, struct source *src, const struct flag *f,
				      const char *arg, char *err, size_t errlen)
{
	(void)opt, (void)src, (void)arg, (void)err, (void)errlen;
	return f->action;
}

/* An unsigned number in min..max into a 32-bit field (pid_t, unsigned, uint32_t). */
static enum options_action set_u32(struct options *opt, struct source *src, const struct flag *f, const char *arg,
				   char *err, size_t errlen)
{
	unsigned long long n;

	(void)src;
	if (parse_uint(arg, f->max, &n) || n < f->min) {
		snprintf(err, errlen, "--%s: ", f->name);
		snprintf(err + strlen(err), errlen - strlen(err), f->bad, arg, f->max);
		return OPTIONS_ERROR;
	}
	*AT(opt, f, uint32_t) = (uint32_t)n;
	return OPTIONS_RUN;
}

static enum options_action set_duration(struct options *opt, struct source *src, const struct flag *f,
					const char *arg, char *err, size_t errlen)
{
	(void)src;
	if (parse_duration_ns(arg, AT(opt, f, uint64_t)))
		FAIL("--%s: \"%s\" is not a duration like 30s, 500ms, 2m", f->name, arg);
	return OPTIONS_RUN;
}

static enum options_action set_label_flag(struct options *opt, struct source *src, const struct flag *f,
					  const char *arg, char *err, size_t errlen)
{
	(void)src;
	if (set_label(AT(opt, f, char), arg))
		FAIL("--%s: must be 1..%d bytes", f->name, OPTIONS_LABEL_MAX - 1);
	return OPTIONS_RUN;
}

static enum options_action set_path(struct options *opt, struct source *src, const struct flag *f,
				    const char *arg, char *err, size_t errlen)
{
	(void)src;
	if (arg[0] == '\0')
		FAIL("--%s: empty path", f->name);
	*AT(opt, f, const char *) = arg;
	return OPTIONS_RUN;
}

static enum options_action set_config_file(struct options *opt, struct source *src, const struct flag *f,
					   const char *arg, char *err, size_t errlen)
{
	if (src->config_path)
		FAIL("config.file: a config file cannot name another one");
	return set_path(opt, src, f, arg, err, errlen);
}

/* A list flag: the command line's first one replaces the config file's list. */
static enum options_action add_to_list(struct options *opt, bool *replaced, const struct flag *f, const char *arg,
				       const char *noun, char *err, size_t errlen)
{
	size_t *n = (size_t *)((char *)opt + f->count);

	if (replaced && !*replaced) {
		*replaced = true;
		*n = 0;
	}
	if (*n == f->max)
		FAIL("--%s: at most %llu %s", f->name, f->max, noun);
	AT(opt, f, const char *)[(*n)++] = arg;
	return OPTIONS_RUN;
}

static enum options_action set_binary(struct options *opt, struct source *src, const struct flag *f,
				      const char *arg, char *err, size_t errlen)
{
	if (add_to_list(opt, src->config_path ? NULL : &src->binaries_replaced, f, arg, "binaries", err, errlen) !=
	    OPTIONS_RUN)
		return OPTIONS_ERROR;
	if (arg[0] == '\0') {
		opt->n_binaries--;
		FAIL("--binary: empty path");
	}
	return OPTIONS_RUN;
}

static enum options_action set_listen(struct options *opt, struct source *src, const struct flag *f,
				      const char *arg, char *err, size_t errlen)
{
	if (add_to_list(opt, src->config_path ? NULL : &src->listen_replaced, f, arg, "addresses", err, errlen) !=
	    OPTIONS_RUN)
		return OPTIONS_ERROR;
	if (!strchr(arg, ':')) {
		opt->n_listen--;
		FAIL("--web.listen-address: \"%s\" is not host:port", arg);
	}
	return OPTIONS_RUN;
}

static enum options_action set_telemetry_path(struct options *opt, struct source *src, const struct flag *f,
					      const char *arg, char *err, size_t errlen)
{
	(void)src, (void)f;
	if (arg[0] != '/' || strlen(arg) < 2 || strpbrk(arg, " ?#"))
		FAIL("--web.telemetry-path: \"%s\" must be a path like /metrics", arg);
	if (strcmp(arg, "/health") == 0 || strcmp(arg, "/ready") == 0)
		FAIL("--web.telemetry-path: \"%s\" is taken by the exporter", arg);
	opt->telemetry_path = arg;
	return OPTIONS_RUN;
}

/* --bpf.pin-path sets where; --bpf.pin / --no-bpf.pin whether (opt->pin_path NULL: not). */
static enum options_action set_pin_path(struct options *opt, struct source *src, const struct flag *f,
					const char *arg, char *err, size_t errlen)
{
	(void)src, (void)f;
	if (arg[0] != '/' || strlen(arg) > 200)
		FAIL("--bpf.pin-path: \"%s\" must be an absolute path in bpffs", arg);
	opt->pin_path_value = arg;
	if (opt->pin_path)
		opt->pin_path = arg;
	return OPTIONS_RUN;
}

static enum options_action set_pin(struct options *opt, struct source *src, const struct flag *f, const char *arg,
				   char *err, size_t errlen)
{
	(void)src, (void)f, (void)arg, (void)err, (void)errlen;
	opt->pin_path = opt->pin_path_value;
	return OPTIONS_RUN;
}

static enum options_action set_no_pin(struct options *opt, struct source *src, const struct flag *f,
				      const char *arg, char *err, size_t errlen)
{
	(void)src, (void)f, (void)arg, (void)err, (void)errlen;
	opt->pin_path = NULL;
	return OPTIONS_RUN;
}

static enum options_action set_log_level(struct options *opt, struct source *src, const struct flag *f,
					 const char *arg, char *err, size_t errlen)
{
	(void)src, (void)f;
	if (log_level_parse(arg, &opt->log_level))
		FAIL("--log.level: \"%s\" is not one of debug, info, warn, error", arg);
	return OPTIONS_RUN;
}

static enum options_action set_log_format(struct options *opt, struct source *src, const struct flag *f,
					  const char *arg, char *err, size_t errlen)
{
	(void)src, (void)f;
	if (log_format_parse(arg, &opt->log_format))
		FAIL("--log.format: \"%s\" is not one of logfmt, json", arg);
	return OPTIONS_RUN;
}

static enum options_action set_capabilities(struct options *opt, struct source *src, const struct flag *f,
					    const char *arg, char *err, size_t errlen)
{
	(void)src, (void)f;
	if (capability_keep_parse(arg, &opt->capabilities))
		FAIL("--capabilities.keep: \"%s\" is not one of attach, none, all", arg);
	return OPTIONS_RUN;
}

/* The BPF side's DWCP_MAX_STREAMS, the stream map's size unless raised. */
#define DEFAULT_MAX_STREAMS 16384

_Static_assert(sizeof(pid_t) == sizeof(uint32_t) && sizeof(unsigned) == sizeof(uint32_t),
	       "set_u32 writes --pid and --web.max-requests as 32-bit numbers");

/* The flags, in --help's order. */
static const struct flag flags[] = {
	{ .name = "binary", .metavar = "PATH", .set = set_binary, FIELD(binaries), .count = offsetof(struct options, n_binaries),
	  .max = OPTIONS_MAX_BINARIES, .section = "Targets",
	  .help = "DWCP binary (or shared library) to instrument: every\n"
		  "process running it, now or later. Repeatable, at most " STR(OPTIONS_MAX_BINARIES) ".\n"
		  "A path where nothing is yet is waited for (/ready says\n"
		  "503 until the file appears; then it is attached)." },
	{ .name = "pid", .metavar = "PID", .set = set_u32, FIELD(pid), .min = 1, .max = INT_MAX, .bad = "\"%s\" is not a process id (1..%llu)",
	  .help = "only this process of the binaries" },
	{ .name = "cluster", .metavar = "NAME", .set = set_label_flag, FIELD(cluster), .def = "default", .section = "Labels",
	  .help = "value of the cluster label (default \"default\")" },
	{ .name = "node", .metavar = "NAME", .set = set_label_flag, FIELD(node), .help = "value of the node label (default: the host name)" },
	{ .name = "web.listen-address", .metavar = "ADDR", .set = set_listen, FIELD(listen), .count = offsetof(struct options, n_listen),
	  .max = OPTIONS_MAX_LISTEN, .section = "Web",
	  .help = "host:port to listen on, repeatable (default :" DWCP_EXPORTER_DEFAULT_PORT ")" },
	{ .name = "web.telemetry-path", .metavar = "PATH", .set = set_telemetry_path, FIELD(telemetry_path), .def = "/metrics",
	  .help = "path of the metrics (default /metrics)" },
	{ .name = "web.max-requests", .metavar = "N", .set = set_u32, FIELD(max_requests), .max = 100000, .bad = "\"%s\" is not a number 0..%llu",
	  .def = STR(OPTIONS_DEFAULT_MAX_REQUESTS),
	  .help = "concurrent scrapes, 503 beyond; 0 = no limit (default " STR(OPTIONS_DEFAULT_MAX_REQUESTS) ")" },
	{ .name = "web.systemd-socket", .set = set_true, FIELD(systemd_socket),
	  .help = "serve on the listening sockets systemd passes (socket\n"
		  "activation, LISTEN_FDS) instead of --web.listen-address" },
	{ .name = "no-web.systemd-socket", .set = set_false, FIELD(systemd_socket) },
	{ .name = "web.config.file", .metavar = "FILE", .set = set_path, FIELD(web_config_file), .scope = SCOPE_LIVE,
	  .help = "TLS and basic auth, exporter-toolkit web config format\n"
		  "(docs: userspace/web/README.md); re-read on SIGHUP" },
	{ .name = "stream.id-label", .set = set_true, FIELD(stream_id_label), .def = "", .scope = SCOPE_LIVE,
	  .section = "Streams", .help = "export bytes per stream_id (default)" },
	{ .name = "no-stream.id-label", .set = set_false, FIELD(stream_id_label), .scope = SCOPE_LIVE,
	  .help = "export bytes summed per node: for nodes with many streams" },
	{ .name = "stream.grace", .metavar = "DURATION", .set = set_duration, FIELD(stream_grace_ns), .def = "30s", .scope = SCOPE_LIVE,
	  .help = "keep an ended stream's series this long, so the last\n"
		  "scrape sees its final bytes (default 30s)" },
	{ .name = "bpf.max-streams", .metavar = "N", .set = set_u32, FIELD(max_streams), .min = 1, .max = 1u << 24, .bad = "\"%s\" is not a number 1..%llu",
	  .def = STR(DEFAULT_MAX_STREAMS),
	  .help = "size of the stream map: active plus in-grace streams\n"
		  "(default " STR(DEFAULT_MAX_STREAMS) ")" },
	/* pin_path is the effective setting: the three flags share it */
	{ .name = "bpf.pin-path", .metavar = "DIR", .set = set_pin_path, FIELD(pin_path), .def = DWCP_DEFAULT_PIN_PATH, .section = "Restarts",
	  .help = "bpffs directory where the maps are pinned, so a\n"
		  "restarted exporter keeps its counters\n"
		  "(default " DWCP_DEFAULT_PIN_PATH ")" },
	{ .name = "bpf.pin", .set = set_pin, FIELD(pin_path) },
	{ .name = "no-bpf.pin", .set = set_no_pin, FIELD(pin_path),
	  .help = "do not pin: counters start at 0 with every start" },
	{ .name = "capabilities.keep", .metavar = "WHAT", .set = set_capabilities, FIELD(capabilities), .def = "attach",
	  .section = "Privileges and cost",
	  .help = "after attaching, keep: attach (what re-attaching to a\n"
		  "replaced binary needs; default), none (replaced\n"
		  "binaries are no longer followed), all" },
	{ .name = "bpf.stats", .set = set_true, FIELD(bpf_stats),
	  .help = "turn on the kernel's BPF run-time statistics while the\n"
		  "exporter runs, for dwcp_bpf_program_* (costs ~20 ns a\n"
		  "probe hit); --no-bpf.stats (default) leaves it as is" },
	{ .name = "no-bpf.stats", .set = set_false, FIELD(bpf_stats) },
	{ .name = "config.file", .metavar = "FILE", .set = set_config_file, FIELD(config_file), .scope = SCOPE_COMMAND, .section = "Config",
	  .help = "read these flags from FILE (docs: userspace/README.md,\n"
		  "\"Configuration file\"); flags on the command line win;\n"
		  "re-read on SIGHUP" },
	{ .name = "config.check", .set = set_true, FIELD(config_check), .scope = SCOPE_COMMAND,
	  .help = "check the flags, the config file, the web config and\n"
		  "every binary, print what is wrong, and exit 0 (all\n"
		  "good) or 1; loads no BPF and needs no privileges" },
	{ .name = "log.level", .metavar = "LEVEL", .set = set_log_level, FIELD(log_level), .def = "info", .scope = SCOPE_LIVE,
	  .section = "Logs and info", .help = "debug, info, warn, error (default info)" },
	{ .name = "log.format", .metavar = "FORMAT", .set = set_log_format, FIELD(log_format), .def = "logfmt", .scope = SCOPE_LIVE,
	  .help = "logfmt or json (default logfmt)" },
	{ .name = "list-metrics", .set = set_action, .scope = SCOPE_COMMAND, .action = OPTIONS_LIST_METRICS,
	  .help = "print the metric table (Markdown) and exit" },
	{ .name = "version", .set = set_action, .scope = SCOPE_COMMAND, .action = OPTIONS_VERSION,
	  .help = "print the version and exit" },
	{ .name = "help", .set = set_action, .scope = SCOPE_COMMAND, .action = OPTIONS_HELP, .help = "this help" },
};

#define N_FLAGS (sizeof(flags) / sizeof(flags[0]))
/* getopt's value for flags[i]; 'h' is -h, the short --help */
#define FLAG_VAL(i) (256 + (int)(i))

static const struct flag *find_flag(const char *name)
{
	for (size_t i = 0; i < N_FLAGS; i++) {
		if (strcmp(flags[i].name, name) == 0)
			return &flags[i];
	}
	return NULL;
}

static const struct flag *flag_of_val(int val)
{
	if (val == 'h')
		return find_flag("help");
	if (val >= 256 && (size_t)(val - 256) < N_FLAGS)
		return &flags[val - 256];
	return NULL;
}

void options_usage(FILE *out, const char *prog)
{
	fprintf(out,
		"Usage: %s --binary PATH [--binary PATH...] [options]\n"
		"\n"
		"Serves the dwcp USDT probes of DWCP binaries as Prometheus metrics, aggregated\n"
		"in the kernel by BPF programs. Runs as root, or with CAP_BPF, CAP_PERFMON and\n"
		"CAP_SYS_ADMIN (uprobes need it); add CAP_DAC_READ_SEARCH for binaries its user\n"
		"cannot read and CAP_SYS_PTRACE for --pid of another user's process.\n",
		prog);
	for (size_t i = 0; i < N_FLAGS; i++) {
		const struct flag *f = &flags[i];
		char synopsis[64];
		const char *line = f->help;

		if (!f->help)
			continue;
		if (f->section)
			fprintf(out, "\n%s:\n", f->section);
		snprintf(synopsis, sizeof(synopsis), "%s--%s%s%s", f->action == OPTIONS_HELP ? "-h, " : "", f->name,
			 f->metavar ? " " : "", f->metavar ? f->metavar : "");
		fprintf(out, "  %-27s", synopsis);
		for (;;) {
			const char *nl = strchr(line, '\n');
			int len = nl ? (int)(nl - line) : (int)strlen(line);

			fprintf(out, "%.*s\n", len, line);
			if (!nl)
				break;
			line = nl + 1;
			fprintf(out, "%29s", "");
		}
	}
	fprintf(out,
		"\n"
		"Examples:\n"
		"  %s --binary /usr/bin/dwcp-node --cluster prod-eu --node node-01\n"
		"  %s --binary ./build/dwcp-sim --web.listen-address 127.0.0.1:9477\n",
		prog, prog);
}

/* Applies one flag: OPTIONS_RUN to go on, another action to stop (help,
 * version...), or OPTIONS_ERROR with err naming the flag; the caller
 * prefixes the config file and line. */
static enum options_action apply_flag(struct options *opt, struct source *src, const struct flag *f,
				      const char *arg, char *err, size_t errlen)
{
	return f->set(opt, src, f, arg, err, errlen);
}

static void set_defaults(struct options *opt)
{
	struct source src = { 0 };
	char err[128];

	memset(opt, 0, sizeof(*opt));
	/* the effective pin path starts set: --bpf.pin-path's default fills it */
	opt->pin_path = DWCP_DEFAULT_PIN_PATH;
	for (size_t i = 0; i < N_FLAGS; i++) {
		if (flags[i].def && apply_flag(opt, &src, &flags[i], flags[i].def, err, sizeof(err)) != OPTIONS_RUN)
			abort(); /* a default its own flag refuses: tests/unit/test_options.c */
	}
}

/* "stream.id-label: false" is --no-stream.id-label; other keys take a value. */
static enum options_action apply_entry(struct options *opt, struct source *src, const struct config_entry *e,
				       char *err, size_t errlen)
{
	const struct flag *flag = find_flag(e->key);
	char negated[80];

	if (!flag || strncmp(e->key, "no-", 3) == 0) {
		snprintf(err, errlen, "%s: unknown setting (settings are the long flags without \"--\", see --help%s)",
			 e->key, flag ? "; write \"name: false\" instead of \"no-name\"" : "");
		return OPTIONS_ERROR;
	}
	if (flag->scope == SCOPE_COMMAND) {
		snprintf(err, errlen, "%s: only allowed on the command line", e->key);
		return OPTIONS_ERROR;
	}
	if (e->item > 0 && !flag->count) {
		snprintf(err, errlen, "%s: takes one value, not a list", e->key);
		return OPTIONS_ERROR;
	}
	if (flag->metavar)
		return apply_flag(opt, src, flag, e->value, err, errlen);
	if (strcmp(e->value, "true") == 0)
		return apply_flag(opt, src, flag, NULL, err, errlen);
	snprintf(negated, sizeof(negated), "no-%s", e->key);
	if (strcmp(e->value, "false") == 0 && (flag = find_flag(negated)))
		return apply_flag(opt, src, flag, NULL, err, errlen);
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
	static struct option long_options[N_FLAGS + 1];
	int c;

	if (!long_options[0].name) {
		for (size_t i = 0; i < N_FLAGS; i++)
			long_options[i] = (struct option){ flags[i].name, flags[i].metavar ? required_argument : no_argument,
							   NULL, FLAG_VAL(i) };
	}
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
		a = apply_flag(opt, src, flag_of_val(c), optarg, err, errlen);
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

static bool same_field(const struct options *running, const struct options *fresh, const struct flag *f)
{
	const char *r = (const char *)running + f->field, *n = (const char *)fresh + f->field;

	if (f->count)
		return same_list((const char *const *)r, *(const size_t *)((const char *)running + f->count),
				 (const char *const *)n, *(const size_t *)((const char *)fresh + f->count));
	if (f->set == set_label_flag)
		return same_string(r, n);
	if (f->metavar && f->size == sizeof(const char *) && (f->set == set_path || f->set == set_telemetry_path ||
							      f->set == set_pin_path))
		return same_string(*(const char *const *)r, *(const char *const *)n);
	return memcmp(r, n, f->size) == 0;
}

/* The first flag of the table that sets f's field (a --no- flag or
 * --bpf.pin shares its field with the flag that names the setting). */
static bool names_its_field(const struct flag *f)
{
	for (const struct flag *g = flags; g < f; g++) {
		if (g->size && g->field == f->field)
			return false;
	}
	return true;
}

int options_restart_needed(const struct options *running, const struct options *fresh, char *out, size_t len)
{
	size_t used = 0;
	int n = 0;

	if (len)
		out[0] = '\0';
	for (size_t i = 0; i < N_FLAGS; i++) {
		const struct flag *f = &flags[i];
		int w;

		if (f->scope != SCOPE_RESTART || !f->size || !names_its_field(f) || same_field(running, fresh, f))
			continue;
		n++;
		if (used >= len)
			continue;
		w = snprintf(out + used, len - used, "%s%s", used ? "," : "", f->name);
		used += w > 0 ? (size_t)w : 0;
	}
	return n;
}

void options_apply_live(struct options *running, const struct options *fresh)
{
	for (size_t i = 0; i < N_FLAGS; i++) {
		const struct flag *f = &flags[i];

		/* strings point into fresh's config text: the caller copies them */
		if (f->scope == SCOPE_LIVE && f->size && f->set != set_path)
			memcpy((char *)running + f->field, (const char *)fresh + f->field, f->size);
	}
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

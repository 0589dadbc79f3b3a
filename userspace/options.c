#include "options.h"

#include <errno.h>
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
	OPT_NO_PIN,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_LIST_METRICS,
	OPT_VERSION,
};

static const struct option long_options[] = {
	{ "binary", required_argument, NULL, OPT_BINARY },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "cluster", required_argument, NULL, OPT_CLUSTER },
	{ "node", required_argument, NULL, OPT_NODE },
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_TELEMETRY_PATH },
	{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "stream.id-label", no_argument, NULL, OPT_STREAM_ID_LABEL },
	{ "no-stream.id-label", no_argument, NULL, OPT_NO_STREAM_ID_LABEL },
	{ "stream.grace", required_argument, NULL, OPT_STREAM_GRACE },
	{ "bpf.max-streams", required_argument, NULL, OPT_MAX_STREAMS },
	{ "bpf.pin-path", required_argument, NULL, OPT_PIN_PATH },
	{ "no-bpf.pin", no_argument, NULL, OPT_NO_PIN },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
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
		"  --pid PID                  only this process of the binaries\n"
		"\n"
		"Labels:\n"
		"  --cluster NAME             value of the cluster label (default \"default\")\n"
		"  --node NAME                value of the node label (default: the host name)\n"
		"\n"
		"Web:\n"
		"  --web.listen-address ADDR  host:port to listen on, repeatable (default :%s)\n"
		"  --web.telemetry-path PATH  path of the metrics (default /metrics)\n"
		"  --web.max-requests N       concurrent scrapes, 503 beyond; 0 = no limit (default 40)\n"
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
		prog, OPTIONS_MAX_BINARIES, DWCP_EXPORTER_DEFAULT_PORT, prog, prog);
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

static int set_label(char *dst, const char *value)
{
	size_t len = strlen(value);

	if (len == 0 || len >= OPTIONS_LABEL_MAX)
		return -1;
	memcpy(dst, value, len + 1);
	return 0;
}

enum options_action options_parse(int argc, char **argv, struct options *opt, char *err, size_t errlen)
{
	unsigned long long n;
	uint64_t ns;
	int c;

	memset(opt, 0, sizeof(*opt));
	strcpy(opt->cluster, "default");
	opt->telemetry_path = "/metrics";
	opt->max_requests = 40;
	opt->stream_id_label = true;
	opt->stream_grace_ns = 30ull * 1000000000ull;
	opt->max_streams = 16384;
	opt->pin_path = DWCP_DEFAULT_PIN_PATH;
	opt->log_level = LOG_INFO;
	opt->log_format = LOG_FORMAT_LOGFMT;

#define FAIL(...)                                                              \
	do {                                                                   \
		snprintf(err, errlen, __VA_ARGS__);                            \
		return OPTIONS_ERROR;                                          \
	} while (0)

	optind = 0; /* full rescan: options_parse may run more than once */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
		switch (c) {
		case OPT_BINARY:
			if (opt->n_binaries == OPTIONS_MAX_BINARIES)
				FAIL("--binary: at most %d binaries", OPTIONS_MAX_BINARIES);
			if (optarg[0] == '\0')
				FAIL("--binary: empty path");
			opt->binaries[opt->n_binaries++] = optarg;
			break;
		case OPT_PID:
			if (parse_uint(optarg, INT_MAX, &n) || n == 0)
				FAIL("--pid: \"%s\" is not a process id (1..%d)", optarg, INT_MAX);
			opt->pid = (pid_t)n;
			break;
		case OPT_CLUSTER:
			if (set_label(opt->cluster, optarg))
				FAIL("--cluster: must be 1..%d bytes", OPTIONS_LABEL_MAX - 1);
			break;
		case OPT_NODE:
			if (set_label(opt->node, optarg))
				FAIL("--node: must be 1..%d bytes", OPTIONS_LABEL_MAX - 1);
			break;
		case OPT_LISTEN:
			if (opt->n_listen == OPTIONS_MAX_LISTEN)
				FAIL("--web.listen-address: at most %d addresses", OPTIONS_MAX_LISTEN);
			if (!strchr(optarg, ':'))
				FAIL("--web.listen-address: \"%s\" is not host:port", optarg);
			opt->listen[opt->n_listen++] = optarg;
			break;
		case OPT_TELEMETRY_PATH:
			if (optarg[0] != '/' || strlen(optarg) < 2 || strpbrk(optarg, " ?#"))
				FAIL("--web.telemetry-path: \"%s\" must be a path like /metrics", optarg);
			if (strcmp(optarg, "/health") == 0 || strcmp(optarg, "/ready") == 0)
				FAIL("--web.telemetry-path: \"%s\" is taken by the exporter", optarg);
			opt->telemetry_path = optarg;
			break;
		case OPT_MAX_REQUESTS:
			if (parse_uint(optarg, 100000, &n))
				FAIL("--web.max-requests: \"%s\" is not a number 0..100000", optarg);
			opt->max_requests = (unsigned)n;
			break;
		case OPT_STREAM_ID_LABEL:
			opt->stream_id_label = true;
			break;
		case OPT_NO_STREAM_ID_LABEL:
			opt->stream_id_label = false;
			break;
		case OPT_STREAM_GRACE:
			if (parse_duration_ns(optarg, &ns))
				FAIL("--stream.grace: \"%s\" is not a duration like 30s, 500ms, 2m", optarg);
			opt->stream_grace_ns = ns;
			break;
		case OPT_MAX_STREAMS:
			if (parse_uint(optarg, 1u << 24, &n) || n == 0)
				FAIL("--bpf.max-streams: \"%s\" is not a number 1..%u", optarg, 1u << 24);
			opt->max_streams = (uint32_t)n;
			break;
		case OPT_PIN_PATH:
			if (optarg[0] != '/' || strlen(optarg) > 200)
				FAIL("--bpf.pin-path: \"%s\" must be an absolute path in bpffs", optarg);
			opt->pin_path = optarg;
			break;
		case OPT_NO_PIN:
			opt->pin_path = NULL;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &opt->log_level))
				FAIL("--log.level: \"%s\" is not one of debug, info, warn, error", optarg);
			break;
		case OPT_LOG_FORMAT:
			if (log_format_parse(optarg, &opt->log_format))
				FAIL("--log.format: \"%s\" is not one of logfmt, json", optarg);
			break;
		case OPT_LIST_METRICS:
			return OPTIONS_LIST_METRICS;
		case OPT_VERSION:
			return OPTIONS_VERSION;
		case 'h':
			return OPTIONS_HELP;
		case ':':
			FAIL("%s: needs a value", argv[optind - 1]);
		default:
			FAIL("%s: unknown flag (see --help)", argv[optind - 1]);
		}
	}
	if (optind < argc)
		FAIL("unexpected argument \"%s\" (flags take the form --name value)", argv[optind]);
	if (opt->n_binaries == 0)
		FAIL("--binary: at least one DWCP binary is required");
	if (opt->n_listen == 0)
		opt->listen[opt->n_listen++] = ":" DWCP_EXPORTER_DEFAULT_PORT;
	return OPTIONS_RUN;
#undef FAIL
}

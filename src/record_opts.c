// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "cli_opts.h"
#include "match.h"
#include "cycle.h"
#include "parse.h"
#include "record_opts.h"
#include "syscall_names.h"

/* A day: long enough for any session, short enough to catch "-d 5m" typos. */
#define MAX_SECONDS 86400.0

void record_usage(FILE *f)
{
	fprintf(f,
"Usage: latscope record [OPTIONS] -p PID[,PID...]\n"
"       latscope record [OPTIONS] -c COMM[,COMM...] | --exe PATH | --cmdline PATTERN\n"
"                                 | --unit NAME | --cgroup PATH ...\n"
"       latscope record [OPTIONS] -- COMMAND [ARGS...]\n"
"\n"
"Trace the syscalls of running processes (every thread) or of a command and\n"
"every process it forks, and print per-subsystem latency percentiles when\n"
"tracing stops: after -d SECONDS, on Ctrl-C/SIGTERM, or when all targets exit.\n"
"\n"
"Options:\n"
"  -p, --pid PID[,PID...]   trace these running processes (all their threads)\n"
"  -c, --comm COMM[,...]    trace every process with this name, including ones\n"
"                           that start later (a restarted daemon stays traced)\n"
"      --exe PATH           likewise for every process that executes the file\n"
"                           at PATH, also after it was replaced (an upgrade)\n"
"      --cmdline PATTERN    likewise for every process whose command line\n"
"                           (arguments joined by spaces) contains PATTERN, a\n"
"                           plain substring: how to name a Python daemon\n"
"      --unit NAME          every process of the systemd unit NAME (.service\n"
"                           if no type is given), across restarts\n"
"      --cgroup PATH        every process in the cgroup PATH (e.g. /x.slice,\n"
"                           or its /sys/fs/cgroup path) or below it\n"
"                           -c, --exe, --cmdline, --unit, --cgroup combine: a\n"
"                           process matching any of them is traced\n"
"  -d, --duration SECONDS   stop after this long (decimals allowed)\n"
"  -i, --interval SECONDS   also print a table for each interval while tracing\n"
"  -o, --output FILE        save the run as a JSON snapshot (atomically)\n"
"  -f, --format FMT         report format on stdout: text (default), json, csv\n"
"                           or markdown\n"
"  -q, --quiet              no report on stdout (use with -o)\n"
"      --baseline FILE      at the end, also print the diff against the run\n"
"                           saved in FILE (see latscope diff)\n"
"      --follow             trace processes forked by the targets (default with\n"
"                           COMMAND)\n"
"      --no-follow          do not (default with -p and the options that\n"
"                           name targets)\n"
"  -r, --rules FILE         name subsystems with the rules in FILE\n"
"      --rule 'NAME: MATCH' one more rule (repeatable; after -r's rules)\n"
"      --no-netlink-classes keep rtnetlink calls as netlink:route instead of\n"
"                           tc, rtnl:link, rtnl:addr, rtnl:route...\n"
"      --no-cost            do not measure what tracing costs; it is measured\n"
"                           only for a text report on stdout and for the\n"
"                           metrics (--listen, --prom-file), by turning the\n"
"                           kernel's BPF run-time statistics on for 10 ms of\n"
"                           every 500 (they add two clock reads to every\n"
"                           syscall of every process while on)\n"
"      --max-keys N         room for N (subsystem, syscall, thread) entries,\n"
"                           ~8.3 KiB of kernel memory each (default 1024)\n"
"      --listen [ADDR:]PORT serve Prometheus/OpenMetrics metrics at\n"
"                           http://ADDR:PORT/metrics while tracing; ADDR is\n"
"                           127.0.0.1 unless given (0.0.0.0 or [::] for every\n"
"                           interface); PORT 0 picks a free port\n"
"      --prom-file PATH     write the same metrics to PATH atomically every -i\n"
"                           SECONDS (default 15), for node_exporter's textfile\n"
"                           collector\n"
"      --ready-fd N         once attached to the targets, write the line\n"
"                           'latscope: ready: tracing TARGET' to file\n"
"                           descriptor N and close it (2: stderr), so a script\n"
"                           can start the workload then instead of sleeping\n"
"\n"
"Cycles and idle time (docs/cycle.md):\n"
"      --cycle SYSCALL|SECONDS  what makes a cycle: the idle waits of SYSCALL\n"
"                           (e.g. clock_nanosleep), or a fixed period (2, 500ms);\n"
"                           default: found from the periodic thread's idle waits\n"
"      --slow DURATION      report every call that takes at least DURATION\n"
"                           (50ms, 1s); 'auto' (default): a tenth of the period,\n"
"                           10ms until it is known; 'off': none\n"
"      --idle SYSCALL[,...] these calls are idle (not work) whenever they block\n"
"      --busy SYSCALL[,...] these calls are never idle (e.g. a sleep that paces\n"
"                           work inside a cycle)\n"
"  -h, --help               show this help\n"
"\n"
"Examples:\n"
"  latscope record -p $(pidof democtl) -d 5\n"
"  latscope record -o before.json -- ./controller --once\n"
"  latscope record -p 1234 -i 2 -f json > run.json\n"
"  latscope record -c wanctl -r wan.rules -d 60\n"
"  latscope record --cmdline autorate_continuous -d 60 -o run.json\n"
"  latscope record --unit wanctl@wan1 -d 60\n"
"  latscope record -c wanctl --listen 9477 -q\n"
"\n"
"Needs root, or CAP_BPF and CAP_PERFMON, and a kernel with BTF.\n"
"Exit codes: 0 ok, 1 failure, 2 usage, 3 no such target, 4 permission,\n"
"5 kernel feature missing, 6 bad --baseline file (see latscope(8)).\n");
}

/* --cycle clock_nanosleep | --cycle 2 | --cycle 500ms */
static int parse_cycle(struct record_opts *o, const char *arg, char *err, size_t errlen)
{
	int nr;

	if (!ls_parse_duration_ns(arg, 0.001, MAX_SECONDS, &o->cycle_ns))
		return 0;
	nr = ls_syscall_nr(arg);
	if (nr < 0 || (__u32)nr >= LS_SYSCALL_BITS) {
		snprintf(err, errlen, "--cycle: '%s' is neither a syscall name nor a period "
			 "(e.g. clock_nanosleep, 2, 500ms)", arg);
		return -EINVAL;
	}
	o->cycle_nr = (__u32)nr;
	return 0;
}

static int parse_slow(struct record_opts *o, const char *arg, char *err, size_t errlen)
{
	if (!strcmp(arg, "auto")) {
		o->slow_mode = LS_SLOW_AUTO;
	} else if (!strcmp(arg, "off")) {
		o->slow_mode = LS_SLOW_OFF;
	} else if (!ls_parse_duration_ns(arg, 1e-6, MAX_SECONDS, &o->slow_ns)) {
		o->slow_mode = LS_SLOW_FIXED;
	} else {
		snprintf(err, errlen, "--slow: '%s' is not a duration (e.g. 50ms, 1s, 200us), "
			 "'auto' or 'off'", arg);
		return -EINVAL;
	}
	return 0;
}

/* "futex,epoll_wait": syscall names, into nrs[*n...] */
static int parse_syscalls(const char *opt, const char *arg, __u32 *nrs, size_t *n, char *err,
			  size_t errlen)
{
	const char *p = arg, *end;
	char name[64];
	size_t len;
	int nr;

	for (;;) {
		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		snprintf(name, sizeof(name), "%.*s", (int)(len < sizeof(name) ? len :
							   sizeof(name) - 1), p);
		nr = len && len < sizeof(name) ? ls_syscall_nr(name) : -EINVAL;
		if (nr < 0 || (__u32)nr >= LS_SYSCALL_BITS) {
			snprintf(err, errlen, "%s: '%.*s' is not a syscall name", opt, (int)len, p);
			return -EINVAL;
		}
		if (*n == LS_MAX_ROLE_SYSCALLS) {
			snprintf(err, errlen, "%s: at most %d syscalls", opt, LS_MAX_ROLE_SYSCALLS);
			return -EINVAL;
		}
		nrs[(*n)++] = (__u32)nr;
		if (!*end)
			return 0;
		p = end + 1;
	}
}

/* "tc,ping": names as the kernel keeps them, at most 15 bytes each */
static int parse_comms(struct record_opts *o, const char *arg, char *err, size_t errlen)
{
	const char *p = arg, *end;
	size_t len;

	for (;;) {
		end = strchrnul(p, ',');
		len = (size_t)(end - p);
		if (len == 0) {
			snprintf(err, errlen, "-c: an empty process name");
			return -EINVAL;
		}
		/* a script's or a long program's name: say what the kernel keeps */
		if (len > 15) {
			snprintf(err, errlen, "-c: '%.*s' is not a process name (1 to 15 "
				 "characters, as in /proc/PID/comm, which would hold '%.15s'); or "
				 "name it by its command line: --cmdline %.*s", (int)len, p, p,
				 (int)len, p);
			return -EINVAL;
		}
		if (o->n_comms == LS_MAX_COMMS) {
			snprintf(err, errlen, "-c: at most %d names", LS_MAX_COMMS);
			return -EINVAL;
		}
		memset(o->comms[o->n_comms], 0, sizeof(o->comms[0]));
		memcpy(o->comms[o->n_comms++], p, len);
		if (!*end)
			return 0;
		p = end + 1;
	}
}

/* --cmdline: the automaton has a state per pattern byte, 254 in all */
static int add_cmdline(struct record_opts *o, const char *arg, char *err, size_t errlen)
{
	size_t i, total = strlen(arg);

	if (!*arg) {
		snprintf(err, errlen, "--cmdline: the pattern is empty");
		return -EINVAL;
	}
	if (o->n_cmdlines == LS_MAX_CMDLINES) {
		snprintf(err, errlen, "--cmdline: at most %d patterns", LS_MAX_CMDLINES);
		return -EINVAL;
	}
	for (i = 0; i < o->n_cmdlines; i++)
		total += strlen(o->cmdlines[i]);
	if (total > LS_CMDLINE_PATTERN_MAX) {
		snprintf(err, errlen, "--cmdline: patterns of at most %d bytes together",
			 LS_CMDLINE_PATTERN_MAX);
		return -EINVAL;
	}
	o->cmdlines[o->n_cmdlines++] = arg;
	return 0;
}

/* --cgroup and --unit share the kernel's table */
static int add_cgroup_or_unit(struct record_opts *o, const char *opt, const char *arg, char *err,
			      size_t errlen)
{
	if (o->n_cgroups + o->n_units == LS_MAX_CGROUPS) {
		snprintf(err, errlen, "%s: at most %d of --cgroup and --unit together", opt,
			 LS_MAX_CGROUPS);
		return -EINVAL;
	}
	if (opt[2] == 'c') {
		if (!*arg) {
			snprintf(err, errlen, "--cgroup: the path is empty");
			return -EINVAL;
		}
		o->cgroups[o->n_cgroups++] = arg;
		return 0;
	}
	if (ls_unit_name(arg, o->units[o->n_units], sizeof(o->units[0]))) {
		snprintf(err, errlen, "--unit: '%s' is not a unit name (no '/', at most %d bytes "
			 "with its type, as in wanctl.service)", arg, LS_UNIT_NAME_MAX - 1);
		return -EINVAL;
	}
	o->n_units++;
	return 0;
}

static int parse_listen(struct record_opts *o, const char *arg, char *err, size_t errlen)
{
	int ret = ls_parse_listen(arg, &o->listen_addr, &o->listen_addrlen);

	if (ret == -ERANGE)
		snprintf(err, errlen, "--listen: '%s': the port must be 0 to 65535", arg);
	else if (ret == -EADDRNOTAVAIL)
		snprintf(err, errlen, "--listen: '%s': the host name does not resolve", arg);
	else if (ret && arg[0] == ':')
		snprintf(err, errlen, "--listen: '%s': give the address to listen on: "
			 "127.0.0.1%s (this host only, the default for a bare port), or "
			 "0.0.0.0%s / [::]%s (every interface)", arg, arg, arg, arg);
	else if (ret)
		snprintf(err, errlen, "--listen: '%s' is not PORT, ADDR:PORT or [IPV6]:PORT",
			 arg);
	else
		o->listen = arg;
	return ret;
}

int record_opts_parse(struct record_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	enum { OPT_FOLLOW = LS_OPT_CMD, OPT_NO_FOLLOW, OPT_RULE, OPT_EXE, OPT_NO_NL_CLASSES,
	       OPT_MAX_KEYS, OPT_NO_COST, OPT_BASELINE, OPT_CMDLINE, OPT_CGROUP, OPT_UNIT,
	       OPT_LISTEN, OPT_PROM_FILE, OPT_CYCLE, OPT_SLOW, OPT_IDLE, OPT_BUSY,
	       OPT_READY_FD };
	static const struct option longopts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "interval", required_argument, NULL, 'i' },
		{ "output", required_argument, NULL, 'o' },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		LS_OPTION_FORMAT,
		{ "quiet", no_argument, NULL, 'q' },
		{ "comm", required_argument, NULL, 'c' },
		{ "exe", required_argument, NULL, OPT_EXE },
		{ "cmdline", required_argument, NULL, OPT_CMDLINE },
		{ "cgroup", required_argument, NULL, OPT_CGROUP },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "rules", required_argument, NULL, 'r' },
		{ "rule", required_argument, NULL, OPT_RULE },
		{ "no-netlink-classes", no_argument, NULL, OPT_NO_NL_CLASSES },
		{ "max-keys", required_argument, NULL, OPT_MAX_KEYS },
		{ "no-cost", no_argument, NULL, OPT_NO_COST },
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "prom-file", required_argument, NULL, OPT_PROM_FILE },
		{ "ready-fd", required_argument, NULL, OPT_READY_FD },
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "no-follow", no_argument, NULL, OPT_NO_FOLLOW },
		{ "cycle", required_argument, NULL, OPT_CYCLE },
		{ "slow", required_argument, NULL, OPT_SLOW },
		{ "idle", required_argument, NULL, OPT_IDLE },
		{ "busy", required_argument, NULL, OPT_BUSY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ls_out_opts shared = { .fmt = &o->format };
	int follow = -1, c;
	size_t n;
	struct ls_getopt g;
	long val;

	memset(o, 0, sizeof(*o));
	o->cycle_nr = LS_CYCLE_ANY_SYSCALL;
	o->ready_fd = -1;
	/* stop at the first non-option so COMMAND's own options are kept */
	ls_getopt_init(&g, argc, argv, "p:c:r:d:i:o:f:qh", longopts, 1);
	while ((c = ls_cli_next(&g, &shared, err, errlen)) != -1) {
		switch (c) {
		case -EINVAL:
			return -EINVAL;
		case 'p':
			if (ls_cli_pids(optarg, o->pids, LS_MAX_TARGET_PIDS, &o->n_pids, err,
					errlen))
				return -EINVAL;
			break;
		case 'd':
			if (ls_parse_seconds(optarg, 0.001, MAX_SECONDS, &o->duration_s)) {
				snprintf(err, errlen, "-d: '%s' is not a duration in seconds "
					 "(0.001 to %.0f)", optarg, MAX_SECONDS);
				return -EINVAL;
			}
			break;
		case 'i':
			if (ls_parse_seconds(optarg, 0.1, MAX_SECONDS, &o->interval_s)) {
				snprintf(err, errlen, "-i: '%s' is not an interval in seconds "
					 "(0.1 to %.0f)", optarg, MAX_SECONDS);
				return -EINVAL;
			}
			break;
		case 'o':
			o->output = optarg;
			break;
		case OPT_BASELINE:
			o->baseline = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'c':
			if (parse_comms(o, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_EXE:
			if (o->exe) {
				snprintf(err, errlen, "--exe given twice");
				return -EINVAL;
			}
			o->exe = optarg;
			break;
		case OPT_CMDLINE:
			if (add_cmdline(o, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_CGROUP:
			if (add_cgroup_or_unit(o, "--cgroup", optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_UNIT:
			if (add_cgroup_or_unit(o, "--unit", optarg, err, errlen))
				return -EINVAL;
			break;
		case 'r':
			o->rules_file = optarg;
			break;
		case OPT_RULE:
			if (o->n_rule_args == LS_MAX_RULES) {
				snprintf(err, errlen, "--rule: at most %d rules", LS_MAX_RULES);
				return -EINVAL;
			}
			o->rule_args[o->n_rule_args++] = optarg;
			break;
		case OPT_NO_NL_CLASSES:
			o->no_nl_classes = true;
			break;
		case OPT_NO_COST:
			o->no_cost = true;
			break;
		case OPT_MAX_KEYS:
			if (ls_parse_long(optarg, 16, 1 << 20, &val)) {
				snprintf(err, errlen, "--max-keys: '%s' is not a number from 16 to %d",
					 optarg, 1 << 20);
				return -EINVAL;
			}
			o->max_keys = (unsigned int)val;
			break;
		case OPT_LISTEN:
			if (parse_listen(o, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_PROM_FILE:
			if (!*optarg) {
				snprintf(err, errlen, "--prom-file: empty path");
				return -EINVAL;
			}
			o->prom_file = optarg;
			break;
		case OPT_CYCLE:
			if (parse_cycle(o, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_SLOW:
			if (parse_slow(o, optarg, err, errlen))
				return -EINVAL;
			break;
		case OPT_IDLE:
			if (parse_syscalls("--idle", optarg, o->idle_nrs, &o->n_idle, err, errlen))
				return -EINVAL;
			break;
		case OPT_BUSY:
			if (parse_syscalls("--busy", optarg, o->busy_nrs, &o->n_busy, err, errlen))
				return -EINVAL;
			break;
		case OPT_READY_FD:
			/* not 0: stdin is no place for a line */
			if (ls_parse_long(optarg, 1, INT_MAX, &val)) {
				snprintf(err, errlen, "--ready-fd: '%s' is not a file descriptor "
					 "number (1 or more)", optarg);
				return -EINVAL;
			}
			o->ready_fd = (int)val;
			break;
		case OPT_FOLLOW:
			follow = 1;
			break;
		case OPT_NO_FOLLOW:
			follow = 0;
			break;
		case 'h':
			return 1;
		}
	}
	if (optind < argc)
		o->cmd = &argv[optind];
	if ((o->cmd != NULL) + (o->n_pids != 0) + record_by_name(o) > 1) {
		snprintf(err, errlen, "give one of -p PID, names (-c, --exe, --cmdline, --unit, "
			 "--cgroup), or -- COMMAND");
		return -EINVAL;
	}
	if (!o->cmd && !o->n_pids && !record_by_name(o)) {
		snprintf(err, errlen, "nothing to trace: give -p PID, -c COMM, --exe PATH, "
			 "--cmdline PATTERN, --unit NAME, --cgroup PATH or -- COMMAND");
		return -EINVAL;
	}
	if (o->quiet && !o->output && !o->listen && !o->prom_file) {
		snprintf(err, errlen, "-q without -o, --listen or --prom-file would throw the "
			 "report away");
		return -EINVAL;
	}
	o->follow = follow >= 0 ? follow : o->cmd != NULL;
	if (!o->max_keys)
		o->max_keys = LS_MAX_STATS_KEYS;
	for (n = 0; n < o->n_idle; n++) {
		size_t k;

		for (k = 0; k < o->n_busy; k++) {
			if (o->idle_nrs[n] == o->busy_nrs[k]) {
				char nrbuf[32];

				snprintf(err, errlen, "--idle and --busy both name %s",
					 ls_syscall_name(o->idle_nrs[n], nrbuf, sizeof(nrbuf)));
				return -EINVAL;
			}
		}
	}
	return 0;
}

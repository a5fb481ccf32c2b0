/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `latscope record` options: parsed here, without BPF, so tests can reach them. */
#ifndef LS_RECORD_OPTS_H
#define LS_RECORD_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "latscope.h"
#include "format.h"
#include "target_match.h"

#define LS_MAX_TARGET_PIDS 64
#define LS_MAX_ROLE_SYSCALLS 64

enum ls_slow_mode {
	LS_SLOW_AUTO = 0,	/* a tenth of the period once known, LS_SLOW_DEFAULT_NS before */
	LS_SLOW_FIXED,
	LS_SLOW_OFF,
};

#define LS_SLOW_DEFAULT_NS	10000000ULL	/* 10 ms */
#define LS_SLOW_MIN_NS		1000000ULL	/* auto never goes below 1 ms ... */
#define LS_SLOW_MAX_NS		1000000000ULL	/* ... nor above 1 s */

struct record_opts {
	pid_t pids[LS_MAX_TARGET_PIDS];	/* -p */
	size_t n_pids;
	char **cmd;			/* after "--": NULL-terminated, points into argv */
	double duration_s;		/* -d; 0 = until stopped or targets exit */
	double interval_s;		/* -i; 0 = no interval tables */
	const char *output;		/* -o FILE: snapshot JSON */
	const char *baseline;		/* --baseline FILE: print the diff against it */
	enum ls_format format;		/* --format of the report on stdout */
	bool follow;			/* trace forked children */
	bool quiet;			/* -q: no report on stdout (with -o) */
	const char *rules_file;		/* -r FILE */
	const char *rule_args[LS_MAX_RULES];	/* --rule 'NAME: MATCH' */
	size_t n_rule_args;
	char comms[LS_MAX_COMMS][LS_COMM_LEN];	/* -c COMM[,COMM...] */
	size_t n_comms;
	const char *exe;		/* --exe PATH */
	const char *cmdlines[LS_MAX_CMDLINES];	/* --cmdline PATTERN */
	size_t n_cmdlines;
	const char *cgroups[LS_MAX_CGROUPS];	/* --cgroup PATH */
	size_t n_cgroups;
	char units[LS_MAX_CGROUPS][LS_UNIT_NAME_MAX];	/* --unit NAME, "x.service" */
	size_t n_units;
	bool no_nl_classes;		/* --no-netlink-classes */
	bool no_cost;			/* --no-cost: no BPF run-time statistics */
	unsigned int max_keys;		/* --max-keys: (subsystem, syscall, thread) slots */
	const char *listen;		/* --listen ADDR:PORT as given; NULL: no server */
	struct sockaddr_storage listen_addr;	/* ...and parsed */
	unsigned int listen_addrlen;
	const char *prom_file;		/* --prom-file PATH: the exposition, every interval */
	__u32 cycle_nr;			/* --cycle SYSCALL; LS_CYCLE_ANY_SYSCALL: find it */
	__u64 cycle_ns;			/* --cycle SECONDS; 0: find the cycle */
	enum ls_slow_mode slow_mode;	/* --slow */
	__u64 slow_ns;			/* --slow DURATION */
	__u32 idle_nrs[LS_MAX_ROLE_SYSCALLS];	/* --idle SYSCALL,... */
	size_t n_idle;
	__u32 busy_nrs[LS_MAX_ROLE_SYSCALLS];	/* --busy SYSCALL,... */
	size_t n_busy;
	int ready_fd;			/* --ready-fd N: "latscope: ready" once attached; -1 */
};

/* --prom-file without -i: as often as Prometheus scrapes by default. */
#define LS_PROM_FILE_DEFAULT_S	15.0

/*
 * -c, --exe, --cmdline, --cgroup or --unit: targets are found by name, now
 * and as they start.
 */
static inline bool record_by_name(const struct record_opts *o)
{
	return o->n_comms || o->exe || o->n_cmdlines || o->n_cgroups || o->n_units;
}

/*
 * Parse argv (argv[0] = "record").  On error writes one line (without
 * "Error: ") into err and returns -EINVAL; returns 1 when --help was asked
 * for (nothing else is parsed), 0 otherwise.
 */
int record_opts_parse(struct record_opts *o, int argc, char **argv, char *err, size_t errlen);

/* The --help text. */
void record_usage(FILE *f);

#endif

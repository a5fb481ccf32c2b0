/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `record --listen` and `--prom-file`: one monotonic view of the BPF maps
 * (src/prom.c) that the HTTP server's thread and the trace loop share.
 */
#ifndef LS_RECORD_METRICS_H
#define LS_RECORD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "collect.h"

struct ls_cost_sample;
struct ls_rules;
struct record_opts;

struct ls_record_metrics_cfg {
	const struct record_opts *opts;	/* --unit, --cmdline: the `process` label */
	const struct ls_map_fds *fds;
	const struct ls_rules *rules;
	bool measure_cost;		/* the cost estimate is exported (ls_record_metrics_set_cost) */
	unsigned int max_keys;
	double start_unix_s;
};

struct ls_record_metrics;

/* NULL + errno. */
struct ls_record_metrics *ls_record_metrics_new(const struct ls_record_metrics_cfg *cfg);

/* Stops the server (if any) first; accepts NULL. */
void ls_record_metrics_free(struct ls_record_metrics *m);

/* Serve /metrics on addr; 0, or -1 with one line in err.  The URL: below. */
int ls_record_metrics_listen(struct ls_record_metrics *m, const struct sockaddr *addr,
			     socklen_t addrlen, char *err, size_t errlen);
const char *ls_record_metrics_url(const struct ls_record_metrics *m);

/* The cost sampled so far (src/cost.h), a copy. */
void ls_record_metrics_set_cost(struct ls_record_metrics *m, const struct ls_cost_sample *s);

/* The cycle as the trace loop knows it now (ls_cycles_now()); cycles never go back. */
void ls_record_metrics_set_cycles(struct ls_record_metrics *m, __u64 period_ns, __u64 cycles);

/* Stop serving (before the final report); the figures stay. */
void ls_record_metrics_stop_server(struct ls_record_metrics *m);

/*
 * Read the maps (always when force, else at most every
 * LS_METRICS_MIN_READ_NS) and write the text exposition to path through
 * ls_save_file(): a textfile collector never sees half a file.  0 or -errno.
 */
int ls_record_metrics_write_file(struct ls_record_metrics *m, const char *path, bool force);

/* Scrapes closer together than this share one read of the maps. */
#define LS_METRICS_MIN_READ_NS	500000000ULL

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <bpf/bpf.h>
#include "http_server.h"
#include "match.h"
#include "proc_info.h"
#include "prom.h"
#include "record_metrics.h"
#include "record_opts.h"
#include "save_file.h"
#include "cost.h"
#include "target.h"

struct ls_record_metrics {
	/*
	 * Held while the maps are read and a page is built, never while a
	 * client is sent to: libmicrohttpd sends the finished buffer.
	 */
	pthread_mutex_t lock;
	struct ls_record_metrics_cfg cfg;
	struct ls_prom *prom;
	struct ls_prom_health health;
	struct ls_cost_sample cost;	/* a copy, set by the trace loop after each window */
	__u64 last_read_ns;	/* CLOCK_MONOTONIC; 0: never read */
	struct ls_http_server *server;
};

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * The name the user gave for the process's target: the only --unit or
 * --cmdline of the run, which then names every traced process (children
 * followed too, and processes gone before a read saw them); with several,
 * the one it runs in or matches while it lives.  false: none.
 */
static bool target_name(const struct record_opts *o, pid_t pid, char *buf, size_t len)
{
	char text[LS_CMDLINE_READ_MAX + 1];
	size_t i;

	if (o->n_units + o->n_cmdlines == 1 && !o->n_comms && !o->exe && !o->n_cgroups) {
		snprintf(buf, len, "%s", o->n_units ? o->units[0] : o->cmdlines[0]);
		return true;
	}
	if (o->n_units && ls_proc_cgroup(pid, text, sizeof(text)) > 0) {
		for (i = 0; i < o->n_units; i++) {
			if (ls_cgroup_has_unit(text, o->units[i])) {
				snprintf(buf, len, "%s", o->units[i]);
				return true;
			}
		}
	}
	/* the kernel matched the same first bytes of the arguments */
	if (o->n_cmdlines && ls_proc_cmdline(pid, text, sizeof(text)) > 0) {
		for (i = 0; i < o->n_cmdlines; i++) {
			if (strstr(text, o->cmdlines[i])) {
				snprintf(buf, len, "%s", o->cmdlines[i]);
				return true;
			}
		}
	}
	return false;
}

/*
 * The `process` label: the target's name (above), else the comm; a live
 * process's from /proc, an exited one's from the exit hook's map.
 */
static void proc_name(void *ctx, __u32 tgid, char *buf, size_t len)
{
	struct ls_record_metrics *m = ctx;
	char comm[LS_COMM_LEN];

	if (m->cfg.opts && target_name(m->cfg.opts, (pid_t)tgid, buf, len))
		return;
	if (!target_comm((pid_t)tgid, (pid_t)tgid, buf, len))
		return;
	if (!bpf_map_lookup_elem(m->cfg.fds->thread_comms_fd, &tgid, comm))
		snprintf(buf, len, "%.15s", comm);
	else
		buf[0] = '\0';
}

static int refresh(struct ls_record_metrics *m, bool force)
{
	struct ls_raw raw;
	struct rusage ru;
	__u64 now = mono_ns();
	int ret;

	if (!force && m->last_read_ns && now - m->last_read_ns < LS_METRICS_MIN_READ_NS)
		return 0;
	ret = ls_raw_read(m->cfg.fds, &raw);
	if (ret)
		return ret;
	ret = ls_prom_update(m->prom, &raw, m->cfg.rules, proc_name, m);
	memcpy(m->health.counters, raw.counters, sizeof(raw.counters));
	m->health.keys_in_use = raw.n_stats;
	ls_raw_free(&raw);
	if (ret)
		return ret;
	if (!getrusage(RUSAGE_SELF, &ru)) {
		m->health.cpu_user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
		m->health.cpu_system_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	}
	m->last_read_ns = now;
	return 0;
}

/* The page after a fresh read; malloc'd, or NULL + errno. */
static char *render_locked(struct ls_record_metrics *m, enum ls_prom_format fmt, bool force,
			   size_t *len)
{
	char *buf = NULL;
	FILE *f;
	int ret;

	ret = refresh(m, force);
	if (ret) {
		errno = -ret;
		return NULL;
	}
	f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	ret = ls_prom_write(f, m->prom, &m->health, fmt);
	if (fclose(f) || ret) {
		free(buf);
		errno = ret ? -ret : ENOMEM;
		return NULL;
	}
	return buf;
}

static char *render(void *ctx, enum ls_prom_format fmt, size_t *len)
{
	struct ls_record_metrics *m = ctx;
	char *page;

	pthread_mutex_lock(&m->lock);
	page = render_locked(m, fmt, false, len);
	pthread_mutex_unlock(&m->lock);
	return page;
}

struct ls_record_metrics *ls_record_metrics_new(const struct ls_record_metrics_cfg *cfg)
{
	struct ls_record_metrics *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->prom = ls_prom_new();
	if (!m->prom || pthread_mutex_init(&m->lock, NULL)) {
		ls_prom_free(m->prom);
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	m->cfg = *cfg;
	m->health.max_keys = cfg->max_keys;
	m->health.start_unix_s = cfg->start_unix_s;
	m->health.version = LATSCOPE_VERSION;
	m->health.cost = cfg->measure_cost ? &m->cost : NULL;
	return m;
}

int ls_record_metrics_listen(struct ls_record_metrics *m, const struct sockaddr *addr,
			     socklen_t addrlen, char *err, size_t errlen)
{
	m->server = ls_http_start(addr, addrlen, render, m, err, errlen);
	return m->server ? 0 : -1;
}

const char *ls_record_metrics_url(const struct ls_record_metrics *m)
{
	return m->server ? ls_http_url(m->server) : NULL;
}

void ls_record_metrics_set_cost(struct ls_record_metrics *m, const struct ls_cost_sample *s)
{
	pthread_mutex_lock(&m->lock);
	m->cost = *s;
	pthread_mutex_unlock(&m->lock);
}

void ls_record_metrics_set_cycles(struct ls_record_metrics *m, __u64 period_ns, __u64 cycles)
{
	pthread_mutex_lock(&m->lock);
	m->health.cycle_period_ns = period_ns;
	/* the cycle thread chosen may change early in a run: hold the count */
	if (cycles > m->health.cycles)
		m->health.cycles = cycles;
	pthread_mutex_unlock(&m->lock);
}

void ls_record_metrics_stop_server(struct ls_record_metrics *m)
{
	ls_http_stop(m->server);
	m->server = NULL;
}

struct page {
	const char *buf;
	size_t len;
};

static int write_page(FILE *f, const void *ctx)
{
	const struct page *p = ctx;

	return fwrite(p->buf, 1, p->len, f) == p->len ? 0 : -EIO;
}

int ls_record_metrics_write_file(struct ls_record_metrics *m, const char *path, bool force)
{
	struct page p;
	char *buf;
	int ret;

	pthread_mutex_lock(&m->lock);
	buf = render_locked(m, LS_PROM_TEXT, force, &p.len);
	pthread_mutex_unlock(&m->lock);
	if (!buf)
		return -errno;
	/* the disk is written to without the lock: a slow fsync holds up no scrape */
	p.buf = buf;
	ret = ls_save_file(path, write_page, &p);
	free(buf);
	return ret;
}

void ls_record_metrics_free(struct ls_record_metrics *m)
{
	if (!m)
		return;
	ls_record_metrics_stop_server(m);
	ls_prom_free(m->prom);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Two snapshots, BEFORE and AFTER, separated by the first NUL byte (which no
 * snapshot can hold): loaded, diffed by every grouping, written in every
 * format, and checked against a few --fail-if gates.
 */
#include <unistd.h>
#include "diff.h"
#include "diff_gate.h"
#include "fuzz_util.h"
#include "html.h"
#include "report_diff.h"
#include "snapshot_load.h"

static struct ls_snapshot *load(const uint8_t *data, size_t len)
{
	struct ls_snapshot *snap;
	char path[64], err[512];
	int fd = fuzz_memfd(data, len, path, sizeof(path));

	if (fd < 0)
		return NULL;
	snap = ls_snapshot_load(path, err, sizeof(err));
	close(fd);
	return snap;
}

static void gates(const struct ls_diff *d)
{
	static const char *const exprs[] = { "p99>+10%", "count<-5", "max>1ms", "p50<-2ms",
					     "total>+0%", "x.avg>300ns" };
	struct ls_gate g;
	char msg[512], err[256];
	size_t i, r;

	for (i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		if (ls_gate_parse(&g, exprs[i], err, sizeof(err)))
			abort();	/* the seeds of this harness are valid gates */
		for (r = 0; r < d->n; r++)
			if (ls_gate_applies(&g, &d->rows[r]))
				ls_gate_check(&g, d, &d->rows[r], msg, sizeof(msg));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	static const enum ls_by bys[] = { LS_BY_SUBSYSTEM, LS_BY_SYSCALL, LS_BY_THREAD,
					  LS_BY_PEER };
	static const enum ls_format fmts[] = { LS_FMT_TEXT, LS_FMT_JSON, LS_FMT_CSV,
					       LS_FMT_MARKDOWN, LS_FMT_HTML };
	const uint8_t *nul = memchr(data, 0, len);
	struct ls_snapshot *before, *after;
	char warn[LS_DIFF_MAX_WARN][LS_DIFF_WARN_LEN], err[512];
	struct ls_diff_opts o;
	struct ls_diff_cfg cfg;
	struct ls_diff d;
	size_t b, f;

	if (!nul)
		return 0;
	before = load(data, (size_t)(nul - data));
	after = before ? load(nul + 1, len - (size_t)(nul - data) - 1) : NULL;
	if (!after)
		goto out;
	ls_diff_warnings(before, after, warn, LS_DIFF_MAX_WARN);
	for (b = 0; b < sizeof(bys) / sizeof(bys[0]); b++) {
		memset(&d, 0, sizeof(d));
		ls_diff_cfg_init(&cfg);
		cfg.by = bys[b];
		if (ls_diff_build(&d, before, after, &cfg, err, sizeof(err))) {
			ls_diff_free(&d);
			continue;
		}
		for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
			ls_diff_opts_init(&o, fmts[f], "before.json", "after.json");
			if (fmts[f] == LS_FMT_HTML)
				ls_html_diff(fuzz_sink(), &d, before, after, &o);
			else
				ls_diff_write(fuzz_sink(), &d, before, after, &o);
		}
		gates(&d);
		ls_diff_free(&d);
	}
out:
	ls_snapshot_free(after);
	ls_snapshot_free(before);
	return 0;
}

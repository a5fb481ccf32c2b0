// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The snapshot loader on any bytes, and whatever it accepts through every
 * report view and format (HTML and the Perfetto timeline included) and back
 * to JSON: a file that loads must print.
 */
#include <unistd.h>
#include "fuzz_util.h"
#include "html.h"
#include "perfetto.h"
#include "report.h"
#include "report_view.h"
#include "snapshot_load.h"
#include "snapshot_write.h"

static void render(const struct ls_snapshot *snap)
{
	static const enum ls_format fmts[] = { LS_FMT_TEXT, LS_FMT_JSON, LS_FMT_CSV,
					       LS_FMT_MARKDOWN, LS_FMT_HTML };
	static const enum ls_by bys[] = { LS_BY_SUBSYSTEM, LS_BY_SYSCALL, LS_BY_THREAD,
					  LS_BY_PEER };
	struct ls_report_opts ro;
	size_t f, b;

	for (f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (b = 0; b < sizeof(bys) / sizeof(bys[0]); b++) {
			ls_report_opts_init(&ro, fmts[f]);
			ro.by = bys[b];
			ro.sort = (enum ls_sort)((f + b) % 4);
			ro.top = b;
			if (fmts[f] == LS_FMT_HTML)
				ls_html_report(fuzz_sink(), snap, &ro, NULL, 0);
			else
				ls_report_write_opts(fuzz_sink(), snap, &ro, NULL, 0);
		}
	ls_perfetto_write(fuzz_sink(), snap);
	ls_snapshot_write_json(fuzz_sink(), snap, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ls_snapshot *snap;
	char path[64], err[512];
	int fd = fuzz_memfd(data, len, path, sizeof(path));

	if (fd < 0)
		return 0;
	snap = ls_snapshot_load(path, err, sizeof(err));
	close(fd);
	if (snap)
		render(snap);
	ls_snapshot_free(snap);
	return 0;
}

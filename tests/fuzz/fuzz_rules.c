// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Rules (-r FILE, --rule): the file loader on any bytes, then each line as
 * a --rule, and the exec COMM matching of what was accepted.
 */
#include <unistd.h>
#include "fuzz_util.h"
#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct ls_rules rules;
	char path[64], err[512], *text, *line, *save = NULL;
	int fd, n = 0;

	ls_rules_init(&rules);
	fd = fuzz_memfd(data, len, path, sizeof(path));
	if (fd >= 0) {
		ls_rules_load_file(&rules, path, err, sizeof(err));
		close(fd);
	}
	ls_rules_match_child(&rules, "tc");
	ls_rules_free(&rules);

	text = fuzz_str(data, len);
	if (!text)
		return 0;
	ls_rules_init(&rules);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		ls_rules_parse_line(&rules, line, "--rule", ++n, err, sizeof(err));
	ls_rules_match_child(&rules, "ping");
	ls_rules_free(&rules);
	free(text);
	return 0;
}

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include "interval.h"

void ls_intervals_init(struct ls_intervals *iv, __u64 period_ns, __u64 start_ns)
{
	memset(iv, 0, sizeof(*iv));
	iv->period_ns = period_ns;
	iv->start_ns = start_ns;
	iv->end_ns = start_ns + period_ns;
}

void ls_intervals_free(struct ls_intervals *iv)
{
	ls_raw_free(&iv->prev);
}

bool ls_intervals_due(const struct ls_intervals *iv, __u64 now)
{
	return iv->period_ns && now >= iv->end_ns;
}

int ls_intervals_next(struct ls_intervals *iv, struct ls_raw *cur, __u64 now,
		      struct ls_raw *delta, __u64 *from_ns)
{
	int ret = ls_raw_delta(cur, &iv->prev, delta);

	if (ret)
		return ret;
	*from_ns = iv->start_ns;
	ls_raw_free(&iv->prev);
	iv->prev = *cur;
	memset(cur, 0, sizeof(*cur));
	iv->start_ns = now;
	/* Late (a stalled machine): the next one is a full period from now. */
	iv->end_ns += iv->period_ns;
	if (iv->end_ns <= now)
		iv->end_ns = now + iv->period_ns;
	return 0;
}

int ls_intervals_last(const struct ls_intervals *iv, const struct ls_raw *final, __u64 now,
		      __u64 slack_ns, struct ls_raw *delta, bool *partial)
{
	*partial = now - iv->start_ns + slack_ns < iv->period_ns;
	return ls_raw_delta(final, &iv->prev, delta);
}

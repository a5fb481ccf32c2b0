/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Mann-Whitney U from bucket counts (mannwhitney.h).
 *
 * Within one stratum, walking the slots upwards with the number of
 * "before" calls below the current slot gives U without ranking anything:
 * every "after" call in slot i beats the before-calls below i and ties
 * with the b_i in i, so U(after) = sum a_i * (below_i + b_i / 2).  A slot
 * is the finest thing a snapshot can tell apart, so its calls are one tie
 * group, and the variance gets the usual tie correction:
 *
 *	var U = n1 n2 / 12 * ((N + 1) - sum (t^3 - t) / (N (N - 1)))
 *
 * with t = a_i + b_i per slot.  Long doubles keep t^3 exact up to t = 2^21
 * and close beyond; counts this large make p tiny either way.
 */
#include <math.h>
#include <string.h>
#include "hist.h"
#include "mannwhitney.h"

void ls_mw_test(const struct ls_stats *const *before, const struct ls_stats *const *after,
		size_t n, struct ls_mw *out)
{
	long double s = 0, v = 0, d_num = 0, d_den = 0, u_all = 0;
	long double n1, n2, nn, u, ties, below, a, b, t, var, w;
	size_t k, i;

	memset(out, 0, sizeof(*out));
	for (k = 0; k < n; k++) {
		if (!before[k] || !after[k])
			continue;
		n1 = (long double)ls_stats_slot_total(before[k]);
		n2 = (long double)ls_stats_slot_total(after[k]);
		if (n1 == 0 || n2 == 0)
			continue;
		u = ties = below = 0;
		for (i = 0; i < LS_HIST_SLOTS; i++) {
			b = (long double)before[k]->slots[i];
			a = (long double)after[k]->slots[i];
			if (a == 0 && b == 0)
				continue;
			u += a * (below + b / 2);
			t = a + b;
			ties += t * t * t - t;
			below += b;
		}
		nn = n1 + n2;
		var = n1 * n2 / 12 * ((nn + 1) - ties / (nn * (nn - 1)));
		/* Rounding can leave a hair below 0 when every call shares one slot. */
		if (var < 0)
			var = 0;
		/* van Elteren: locally most powerful weights for a common shift. */
		w = 1 / (nn + 1);
		s += w * (u - n1 * n2 / 2);
		v += w * w * var;
		d_num += w * (2 * u - n1 * n2);
		d_den += w * n1 * n2;
		u_all += u;
		out->n_before += (__u64)n1;
		out->n_after += (__u64)n2;
	}
	out->u = (double)u_all;
	out->delta = d_den > 0 ? (double)(d_num / d_den) : 0;
	if (v > 0) {
		out->z = (double)(s / sqrtl(v));
		out->p = erfc(fabs(out->z) / M_SQRT2);
	} else {
		/* Every call in the same slot on both sides: nothing to tell apart. */
		out->z = 0;
		out->p = 1;
	}
}

/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Arrays that grow as map entries or rows are read: one place for the
 * doubling, so each reader says only what it keeps.
 */
#ifndef LS_GROW_H
#define LS_GROW_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Room for element n of the array *arrp (a pointer to the array pointer)
 * of *cap elements of elem_size bytes: doubles it when full, from first.
 * 0, or -ENOMEM with the array as it was.
 */
static inline int ls_grow(void *arrp, size_t *cap, size_t n, size_t elem_size, size_t first)
{
	void *arr, *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : first;
	memcpy(&arr, arrp, sizeof(arr));
	p = realloc(arr, ncap * elem_size);
	if (!p)
		return -ENOMEM;
	memcpy(arrp, &p, sizeof(p));
	*cap = ncap;
	return 0;
}

#endif

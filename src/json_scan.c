// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Recursive descent over RFC 8259 with a depth limit, so the recursion is
 * bounded; nothing is allocated per value.  The costs below are what
 * json-c 0.16 allocates on x86-64, measured with mallinfo2() over a million
 * values of each kind, rounded up: estimates that err on the large side.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_scan.h"

#define COST_OBJECT	800	/* the object and its 16-entry hash table */
#define COST_MEMBER	48	/* a key's copy and hash entry, plus its length */
#define COST_ARRAY	160
#define COST_ELEMENT	16	/* a slot, doubled as the array grows */
#define COST_NUMBER	104	/* a double keeps its text too */
#define COST_BOOL	64
#define COST_STRING	72	/* plus its length */
#define COST_MARKER	(COST_ARRAY + COST_ELEMENT + COST_NUMBER)	/* a cut's "[I]" */

#define KEY_MAX		64	/* longest key compared with the cut key */

struct scan {
	const char *s;
	size_t len, i;
	const char *key;	/* cut arrays under this key; NULL: none */
	size_t max_spans, budget, cuts_cap, spans_cap;
	struct ls_json_pieces *p;
	struct ls_json_error *e;
};

static int fail(struct scan *sc, const char *what)
{
	sc->e->off = sc->i < sc->len ? sc->i : sc->len;
	sc->e->what = what;
	sc->e->truncated = sc->i >= sc->len;
	return -EINVAL;
}

static int add_cost(struct scan *sc, size_t n)
{
	sc->p->cost += n;
	if (sc->p->cost <= sc->budget)
		return 0;
	sc->e->too_costly = true;
	return fail(sc, "too large to load");
}

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->len && (sc->s[sc->i] == ' ' || sc->s[sc->i] == '\t' ||
				   sc->s[sc->i] == '\n' || sc->s[sc->i] == '\r'))
		sc->i++;
}

static int hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A string at s[i] == '"'.  Into key (if not NULL), its decoded text as far
 * as it can be compared with an ASCII key: *key_len is KEY_MAX + 1 when it
 * cannot be equal to any (too long, or a character beyond ASCII).
 */
static int string(struct scan *sc, char *key, size_t *key_len, size_t *raw_len)
{
	size_t start = ++sc->i, n = 0;
	unsigned char c;
	int k, v, d;

	for (;;) {
		if (sc->i >= sc->len)
			return fail(sc, "unterminated string");
		c = (unsigned char)sc->s[sc->i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(sc, "control character in a string");
		if (c == '\\') {
			if (++sc->i >= sc->len)
				return fail(sc, "unterminated string");
			c = (unsigned char)sc->s[sc->i];
			if (c == 'u') {
				for (v = 0, k = 1; k <= 4; k++) {
					if (sc->i + k >= sc->len)
						return fail(sc, "unterminated string");
					d = hex(sc->s[sc->i + k]);
					if (d < 0)
						return fail(sc, "invalid \\u escape");
					v = v * 16 + d;
				}
				sc->i += 4;
				c = v < 0x80 ? (unsigned char)v : 0x80;
			} else if (c && strchr("\"\\/bfnrt", c)) {
				c = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' :
				    c == 'r' ? '\r' : c == 't' ? '\t' : c;
			} else {
				return fail(sc, "invalid escape in a string");
			}
		}
		if (key) {
			if (n < KEY_MAX && c < 0x80)
				key[n++] = (char)c;
			else
				n = KEY_MAX + 1;
		}
		sc->i++;
	}
	if (key_len)
		*key_len = n;
	if (raw_len)
		*raw_len = sc->i - start;
	sc->i++;
	return 0;
}

static bool digit(const struct scan *sc)
{
	return sc->i < sc->len && sc->s[sc->i] >= '0' && sc->s[sc->i] <= '9';
}

static int number(struct scan *sc)
{
	if (sc->s[sc->i] == '-')
		sc->i++;
	if (!digit(sc))
		return fail(sc, "invalid number");
	if (sc->s[sc->i] == '0')
		sc->i++;
	else
		while (digit(sc))
			sc->i++;
	if (sc->i < sc->len && sc->s[sc->i] == '.') {
		sc->i++;
		if (!digit(sc))
			return fail(sc, "invalid number");
		while (digit(sc))
			sc->i++;
	}
	if (sc->i < sc->len && (sc->s[sc->i] == 'e' || sc->s[sc->i] == 'E')) {
		sc->i++;
		if (sc->i < sc->len && (sc->s[sc->i] == '+' || sc->s[sc->i] == '-'))
			sc->i++;
		if (!digit(sc))
			return fail(sc, "invalid number");
		while (digit(sc))
			sc->i++;
	}
	return 0;
}

static int literal(struct scan *sc, const char *word)
{
	size_t n = strlen(word);

	if (sc->len - sc->i < n) {
		if (memcmp(sc->s + sc->i, word, sc->len - sc->i))
			return fail(sc, "unexpected character");
		sc->i = sc->len;
		return fail(sc, "truncated");
	}
	if (memcmp(sc->s + sc->i, word, n))
		return fail(sc, "unexpected character");
	sc->i += n;
	return 0;
}

static int value(struct scan *sc, int depth, bool counted);

/* Room for one more cut (and its mark) and one more span; -ENOMEM. */
static int reserve_cut(struct scan *sc)
{
	struct ls_json_pieces *p = sc->p;
	size_t want = sc->cuts_cap ? sc->cuts_cap * 2 : 16;
	struct ls_json_cut *cuts;
	struct ls_json_mark *marks;

	if (p->n_cuts < sc->cuts_cap)
		return 0;
	cuts = realloc(p->cuts, want * sizeof(*cuts));
	if (cuts)
		p->cuts = cuts;
	marks = cuts ? realloc(p->marks, want * sizeof(*marks)) : NULL;
	if (!marks)
		return -ENOMEM;
	p->marks = marks;
	sc->cuts_cap = want;
	return 0;
}

static int reserve_span(struct scan *sc)
{
	struct ls_json_pieces *p = sc->p;
	size_t want = sc->spans_cap ? sc->spans_cap * 2 : 16;
	struct ls_json_span *spans;

	if (p->n_spans < sc->spans_cap)
		return 0;
	spans = realloc(p->spans, want * sizeof(*spans));
	if (!spans)
		return -ENOMEM;
	p->spans = spans;
	sc->spans_cap = want;
	return 0;
}

/* The array at s[i] == '[' is cut: its elements are noted, not counted. */
static int cut(struct scan *sc, int depth)
{
	struct ls_json_pieces *p = sc->p;
	size_t open = sc->i, start;
	int ret;

	if (depth + 1 > LS_JSON_MAX_DEPTH)
		return fail(sc, "nesting too deep");
	if (reserve_cut(sc))
		return -ENOMEM;
	p->cuts[p->n_cuts] = (struct ls_json_cut){ .first = p->n_spans };
	sc->i++;
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == ']')
		goto done;
	for (;;) {
		skip_ws(sc);
		start = sc->i;
		ret = value(sc, depth + 1, false);
		if (ret)
			return ret;
		if (p->n_spans == sc->max_spans) {
			sc->e->too_many = true;
			sc->i = start;
			return fail(sc, "too many entries");
		}
		if (reserve_span(sc))
			return -ENOMEM;
		p->spans[p->n_spans++] = (struct ls_json_span){ start, sc->i - start };
		p->cuts[p->n_cuts].n++;
		skip_ws(sc);
		if (sc->i < sc->len && sc->s[sc->i] == ',') {
			sc->i++;
			continue;
		}
		if (sc->i < sc->len && sc->s[sc->i] == ']')
			break;
		return fail(sc, "expected ',' or ']'");
	}
done:
	sc->i++;
	p->marks[p->n_cuts] = (struct ls_json_mark){ .text_off = open, .text_end = sc->i };
	p->n_cuts++;
	return add_cost(sc, COST_MARKER);
}

static int object(struct scan *sc, int depth, bool counted)
{
	char key[KEY_MAX + 1];
	size_t key_len, raw_len, want = sc->key ? strlen(sc->key) : 0;
	int ret;

	if (depth > LS_JSON_MAX_DEPTH)
		return fail(sc, "nesting too deep");
	sc->i++;
	if (counted && (ret = add_cost(sc, COST_OBJECT)))
		return ret;
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == '}') {
		sc->i++;
		return 0;
	}
	for (;;) {
		skip_ws(sc);
		if (sc->i >= sc->len || sc->s[sc->i] != '"')
			return fail(sc, "expected a member name");
		ret = string(sc, key, &key_len, &raw_len);
		if (ret)
			return ret;
		if (counted && (ret = add_cost(sc, COST_MEMBER + raw_len)))
			return ret;
		skip_ws(sc);
		if (sc->i >= sc->len || sc->s[sc->i] != ':')
			return fail(sc, "expected ':'");
		sc->i++;
		skip_ws(sc);
		if (counted && key_len == want && want && !memcmp(key, sc->key, want) &&
		    sc->i < sc->len && sc->s[sc->i] == '[')
			ret = cut(sc, depth);
		else
			ret = value(sc, depth, counted);
		if (ret)
			return ret;
		skip_ws(sc);
		if (sc->i < sc->len && sc->s[sc->i] == ',') {
			sc->i++;
			continue;
		}
		if (sc->i < sc->len && sc->s[sc->i] == '}') {
			sc->i++;
			return 0;
		}
		return fail(sc, "expected ',' or '}'");
	}
}

static int array(struct scan *sc, int depth, bool counted)
{
	int ret;

	if (depth > LS_JSON_MAX_DEPTH)
		return fail(sc, "nesting too deep");
	sc->i++;
	if (counted && (ret = add_cost(sc, COST_ARRAY)))
		return ret;
	skip_ws(sc);
	if (sc->i < sc->len && sc->s[sc->i] == ']') {
		sc->i++;
		return 0;
	}
	for (;;) {
		ret = value(sc, depth, counted);
		if (ret)
			return ret;
		if (counted && (ret = add_cost(sc, COST_ELEMENT)))
			return ret;
		skip_ws(sc);
		if (sc->i < sc->len && sc->s[sc->i] == ',') {
			sc->i++;
			continue;
		}
		if (sc->i < sc->len && sc->s[sc->i] == ']') {
			sc->i++;
			return 0;
		}
		return fail(sc, "expected ',' or ']'");
	}
}

static int value(struct scan *sc, int depth, bool counted)
{
	size_t raw_len;
	int ret;

	skip_ws(sc);
	if (sc->i >= sc->len)
		return fail(sc, "truncated");
	switch (sc->s[sc->i]) {
	case '{':
		return object(sc, depth + 1, counted);
	case '[':
		return array(sc, depth + 1, counted);
	case '"':
		ret = string(sc, NULL, NULL, &raw_len);
		return ret || !counted ? ret : add_cost(sc, COST_STRING + raw_len);
	case 't':
	case 'f':
		ret = literal(sc, sc->s[sc->i] == 't' ? "true" : "false");
		return ret || !counted ? ret : add_cost(sc, COST_BOOL);
	case 'n':
		return literal(sc, "null");
	default:
		if (sc->s[sc->i] != '-' && (sc->s[sc->i] < '0' || sc->s[sc->i] > '9'))
			return fail(sc, "unexpected character");
		ret = number(sc);
		return ret || !counted ? ret : add_cost(sc, COST_NUMBER);
	}
}

/* The text with each cut array written as "[I]". */
static int build_skeleton(const char *text, size_t len, struct ls_json_pieces *p)
{
	size_t k, from = 0, out = 0, size = len + 1;
	char *s;

	for (k = 0; k < p->n_cuts; k++)
		size += 24;	/* "[I]" may be longer than a short array it replaces */
	s = malloc(size);
	if (!s)
		return -ENOMEM;
	for (k = 0; k < p->n_cuts; k++) {
		struct ls_json_mark *m = &p->marks[k];

		memcpy(s + out, text + from, m->text_off - from);
		out += m->text_off - from;
		m->skel_off = out;
		out += (size_t)snprintf(s + out, size - out, "[%zu]", k);
		m->skel_end = out;
		from = m->text_end;
	}
	memcpy(s + out, text + from, len - from);
	out += len - from;
	s[out] = '\0';
	p->skeleton = s;
	p->skeleton_len = out;
	return 0;
}

int ls_json_scan(const char *text, size_t len, const char *key, size_t max_spans, size_t budget,
		 struct ls_json_pieces *p, struct ls_json_error *e)
{
	struct scan sc = { .s = text, .len = len, .key = key, .max_spans = max_spans,
			   .budget = budget, .p = p, .e = e };
	int ret;

	memset(p, 0, sizeof(*p));
	memset(e, 0, sizeof(*e));
	ret = value(&sc, 0, true);
	if (!ret) {
		skip_ws(&sc);
		if (sc.i < len) {
			e->trailing = true;
			ret = fail(&sc, "unexpected data after the JSON document");
		}
	}
	if (!ret && p->n_cuts)
		ret = build_skeleton(text, len, p);
	if (ret)
		ls_json_pieces_free(p);
	return ret;
}

size_t ls_json_text_off(const struct ls_json_pieces *p, size_t skel_off)
{
	size_t k, delta = 0;

	for (k = 0; k < p->n_cuts; k++) {
		const struct ls_json_mark *m = &p->marks[k];

		if (skel_off < m->skel_off)
			break;
		if (skel_off < m->skel_end)
			return m->text_off;
		delta = m->text_end - m->skel_end;
	}
	return skel_off + delta;
}

void ls_json_pieces_free(struct ls_json_pieces *p)
{
	free(p->skeleton);
	free(p->cuts);
	free(p->spans);
	free(p->marks);
	memset(p, 0, sizeof(*p));
}

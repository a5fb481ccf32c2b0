/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Formats, durations and escaping (format.h).  Integers only where a
 * number is laid out, so a locale with a decimal comma changes nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "format.h"
#include "parse.h"

static const char *const format_names[LS_FMT_MAX] = {
	[LS_FMT_TEXT] = "text",
	[LS_FMT_JSON] = "json",
	[LS_FMT_CSV] = "csv",
	[LS_FMT_MARKDOWN] = "markdown",
	[LS_FMT_PERFETTO] = "perfetto",
	[LS_FMT_HTML] = "html",
};

int ls_format_parse(const char *s, enum ls_format *out)
{
	int i = ls_parse_name(s, format_names, LS_FMT_MAX);

	if (i < 0 || !out)
		return -EINVAL;
	*out = (enum ls_format)i;
	return 0;
}

const char *ls_format_name(enum ls_format fmt)
{
	return (unsigned int)fmt < LS_FMT_MAX ? format_names[fmt] : "?";
}

const char *ls_format_list(unsigned int set, char *buf, size_t len)
{
	size_t off = 0, n = 0, seen = 0;
	int f;

	for (f = 0; f < LS_FMT_MAX; f++)
		n += !!(set & LS_FMT_BIT(f));
	if (len)
		buf[0] = '\0';
	for (f = 0; f < LS_FMT_MAX && off < len; f++) {
		if (!(set & LS_FMT_BIT(f)))
			continue;
		seen++;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					seen == 1 ? "" : seen == n ? " or " : ", ", format_names[f]);
	}
	return buf;
}

/*
 * Three significant digits, rounded half up, in integers only: a locale
 * with a decimal comma cannot change the layout, and 999.5us correctly
 * becomes "1.00ms" instead of "1000us".  From 1000 s on, whole seconds.
 */
const char *ls_fmt_duration(__u64 ns, char *buf, size_t len)
{
	static const char *const unit[] = { "us", "ms", "s" };
	__u64 p = 1, m, ip;
	int digits = 1, intd;

	if (!buf || !len)
		return buf;
	if (ns < 1000) {
		snprintf(buf, len, "%lluns", (unsigned long long)ns);
		return buf;
	}
	while (ns / p >= 10) {
		p *= 10;
		digits++;
	}
	/* ns has `digits` digits; keep the top three.  digits <= 12 here. */
	if (digits <= 12) {
		m = (ns + p / 200) / (p / 100);
		if (m == 1000) {
			m = 100;
			digits++;
		}
	}
	if (digits > 12) {
		snprintf(buf, len, "%llus",
			 (unsigned long long)(ns / 1000000000 + (ns % 1000000000 >= 500000000)));
		return buf;
	}
	/* Integer digits in the unit: 1..3 for us (4..6 digits), ms, s. */
	intd = (digits - 4) % 3 + 1;
	ip = intd == 1 ? 100 : intd == 2 ? 10 : 1;
	if (intd == 3)
		snprintf(buf, len, "%llu%s", (unsigned long long)m, unit[(digits - 4) / 3]);
	else
		snprintf(buf, len, "%llu.%0*llu%s", (unsigned long long)(m / ip), 3 - intd,
			 (unsigned long long)(m % ip), unit[(digits - 4) / 3]);
	return buf;
}

/*
 * The bytes at s that make one printable character: 1 for printable ASCII,
 * 2 to 4 for a UTF-8 sequence that is well formed (shortest form, not a
 * surrogate, at most U+10FFFF) and neither a C1 control nor a
 * bidirectional override or isolate, which reorder what follows on screen.
 * 0: escape the byte at s (a control, DEL, not UTF-8, NUL).
 */
static size_t printable(const unsigned char *s)
{
	unsigned int cp;
	size_t n, k;

	if (*s >= 0x20 && *s < 0x7f)
		return 1;
	if (*s < 0xc2 || *s > 0xf4)
		return 0;
	n = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : 2;
	cp = *s & (0x7fU >> n);
	for (k = 1; k < n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

/*
 * Each character of s escaped, to put(): printable characters as they are,
 * any other byte as \xHH except those in keep, and with name set, a
 * backslash as \\.  Prose leaves backslashes alone, so that a name escaped
 * once (as in a title) is not escaped again.
 */
static void escape(const char *s, const char *keep, bool name,
		   void (*put)(int c, void *ctx), void *ctx)
{
	const unsigned char *p = (const unsigned char *)s;
	char hex[8];
	size_t n, k;

	while (*p) {
		n = *p == '\\' && name ? 0 : printable(p);
		if (!n && keep && strchr(keep, *p))
			n = 1;
		for (k = 0; k < n; k++)
			put(p[k], ctx);
		if (n) {
			p += n;
			continue;
		}
		snprintf(hex, sizeof(hex), *p == '\\' ? "\\\\" : "\\x%02x", *p);
		for (k = 0; hex[k]; k++)
			put(hex[k], ctx);
		p++;
	}
}

static void put_file(int c, void *f)
{
	fputc(c, f);
}

void ls_name_put(FILE *f, const char *s)
{
	escape(s, NULL, true, put_file, f);
}

void ls_text_put(FILE *f, const char *s)
{
	escape(s, "\n\t", false, put_file, f);
}

struct name_buf {
	char *buf;
	size_t len, used;
};

static void put_buf(int c, void *ctx)
{
	struct name_buf *b = ctx;

	if (b->used + 1 < b->len)
		b->buf[b->used] = (char)c;
	b->used++;
}

const char *ls_name_text(const char *s, char *buf, size_t len)
{
	struct name_buf b = { .buf = buf, .len = len };
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	for (; *p; p += n)
		if (*p == '\\' || !(n = printable(p)))
			break;
	if (!*p || !len)
		return s;
	escape(s, NULL, true, put_buf, &b);
	buf[b.used < len ? b.used : len - 1] = '\0';
	/* cut short: say so, rather than end in half an escape */
	if (b.used >= len && len > 4)
		memcpy(buf + len - 4, "...", 4);
	return buf;
}

static void put_md(int c, void *f)
{
	/* GitHub turns these into markup; a backslash keeps them literal. */
	if (strchr("\\`*_[]<>|#", c))
		fputc('\\', f);
	/* A table row is one line. */
	fputc(c == '\n' || c == '\r' ? ' ' : c, f);
}

void ls_section_heading(FILE *f, enum ls_format fmt, const char *text)
{
	if (fmt == LS_FMT_MARKDOWN) {
		fputs("\n### ", f);
		ls_md_escape(f, text);
		fputs("\n\n", f);
	} else if (fmt == LS_FMT_HTML) {
		fputs("<h3>", f);
		ls_html_escape(f, text);
		fputs("</h3>\n", f);
	} else {
		fputc('\n', f);
		ls_text_put(f, text);
		fputs(":\n", f);
	}
}

void ls_md_escape(FILE *f, const char *s)
{
	escape(s, "\n\r", false, put_md, f);
}

void ls_html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			/* C0 controls are not allowed in HTML text (a name may hold any byte) */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fprintf(f, "&#x%x;", 0x2400 + (unsigned char)*s);
			else
				fputc(*s, f);
		}
	}
}

static void put_csv(int c, void *f)
{
	if (c == '"')
		fputc('"', f);
	fputc(c, f);
}

/*
 * RFC 4180: quote a field with a comma or a quote and double the quotes.
 * CR and LF are escaped like every control, so a field is one line.
 */
void ls_csv_field(FILE *f, const char *s)
{
	bool quote = s[strcspn(s, ",\"")];

	if (quote)
		fputc('"', f);
	escape(s, NULL, false, put_csv, f);
	if (quote)
		fputc('"', f);
}

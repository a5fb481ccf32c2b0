/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Formats, durations and escaping (format.h).  Integers only where a
 * number is laid out, so a locale with a decimal comma changes nothing.
 */
#include <errno.h>
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

void ls_md_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		/* GitHub turns these into markup; a backslash keeps them literal. */
		if (strchr("\\`*_[]<>|#", *s))
			fputc('\\', f);
		/* A table row is one line. */
		fputc(*s == '\n' || *s == '\r' ? ' ' : *s, f);
	}
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

/* RFC 4180: quote a field with a comma, quote, CR or LF; double the quotes. */
void ls_csv_field(FILE *f, const char *s)
{
	if (!s[strcspn(s, ",\"\r\n")]) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

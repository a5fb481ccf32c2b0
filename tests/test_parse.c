/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Unit tests for src/parse.c: every value a user can type must be either
 * taken exactly or refused with an errno, never half-parsed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "parse.h"

/* Written into outputs first, so a refused value provably left them alone. */
#define SENTINEL_L	-4242L
#define SENTINEL_D	-42.5
#define SENTINEL_N	((size_t)777)

#define PIDS_MAX	4

static long parse_long_ok(const char *s, long min, long max)
{
	long v = SENTINEL_L;

	assert_int_equal(ls_parse_long(s, min, max, &v), 0);
	return v;
}

static void parse_long_fails(const char *s, long min, long max, int want)
{
	long v = SENTINEL_L;

	assert_int_equal(ls_parse_long(s, min, max, &v), want);
	assert_int_equal(v, SENTINEL_L);
}

static void parse_seconds_fails(const char *s, double min, double max, int want)
{
	double v = SENTINEL_D;

	assert_int_equal(ls_parse_seconds(s, min, max, &v), want);
	assert_true(v == SENTINEL_D);
}

static void parse_pids_fails(const char *s, size_t max, int want)
{
	pid_t pids[PIDS_MAX];
	size_t n = SENTINEL_N;

	assert_int_equal(ls_parse_pid_list(s, pids, max, &n), want);
	assert_int_equal(n, SENTINEL_N);
}

/* Digits only: what the test oracles' --iterations and --port accept. */
static void parse_ulong__digits_only__sign_and_blank_rejected(void **state)
{
	unsigned long v = 7;

	assert_int_equal(ls_parse_ulong("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(ls_parse_ulong("18446744073709551615", 0, ULONG_MAX, &v), 0);
	assert_true(v == ULONG_MAX);
	assert_int_equal(ls_parse_ulong("18446744073709551616", 0, ULONG_MAX, &v), -ERANGE);
	assert_int_equal(ls_parse_ulong("65536", 1, 65535, &v), -ERANGE);
	assert_int_equal(ls_parse_ulong("0", 1, 65535, &v), -ERANGE);
	assert_int_equal(ls_parse_ulong("-0", 0, 10, &v), -EINVAL);
	assert_int_equal(ls_parse_ulong("+5", 0, 10, &v), -EINVAL);
	assert_int_equal(ls_parse_ulong(" 5", 0, 10, &v), -EINVAL);
	assert_int_equal(ls_parse_ulong("5x", 0, 10, &v), -EINVAL);
	assert_int_equal(ls_parse_ulong("", 0, 10, &v), -EINVAL);
	assert_int_equal(ls_parse_ulong(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(v, ULONG_MAX);	/* failures leave it alone */
}

static void parse_long__plain_integers__parsed(void **state)
{
	assert_int_equal(parse_long_ok("42", 0, 100), 42);
	assert_int_equal(parse_long_ok("0", 0, 100), 0);
	assert_int_equal(parse_long_ok("-7", -10, 10), -7);
	/* Leading zeros are still base 10, not octal. */
	assert_int_equal(parse_long_ok("010", 0, 100), 10);
}

static void parse_long__range_bounds__inclusive(void **state)
{
	assert_int_equal(parse_long_ok("1", 1, 5), 1);
	assert_int_equal(parse_long_ok("5", 1, 5), 5);
	parse_long_fails("0", 1, 5, -ERANGE);
	parse_long_fails("6", 1, 5, -ERANGE);
	parse_long_fails("-1", 0, 5, -ERANGE);
}

static void parse_long__beyond_long__erange(void **state)
{
	assert_int_equal(parse_long_ok("9223372036854775807", LONG_MIN, LONG_MAX), LONG_MAX);
	assert_int_equal(parse_long_ok("-9223372036854775808", LONG_MIN, LONG_MAX), LONG_MIN);
	parse_long_fails("9223372036854775808", LONG_MIN, LONG_MAX, -ERANGE);
	parse_long_fails("-9223372036854775809", LONG_MIN, LONG_MAX, -ERANGE);
	parse_long_fails("99999999999999999999999", LONG_MIN, LONG_MAX, -ERANGE);
}

static void parse_long__malformed__einval(void **state)
{
	parse_long_fails("", 0, 100, -EINVAL);
	parse_long_fails(" 5", 0, 100, -EINVAL);
	parse_long_fails("\t5", 0, 100, -EINVAL);
	parse_long_fails("5 ", 0, 100, -EINVAL);
	parse_long_fails("5x", 0, 100, -EINVAL);
	parse_long_fails("+5", 0, 100, -EINVAL);
	parse_long_fails("-", -100, 100, -EINVAL);
	parse_long_fails("- 5", -100, 100, -EINVAL);
	parse_long_fails("0x10", 0, 100, -EINVAL);
	parse_long_fails("1.5", 0, 100, -EINVAL);
	parse_long_fails("abc", 0, 100, -EINVAL);
}

static void parse_long__null_arguments__einval(void **state)
{
	long v;

	assert_int_equal(ls_parse_long(NULL, 0, 1, &v), -EINVAL);
	assert_int_equal(ls_parse_long("1", 0, 1, NULL), -EINVAL);
}

static void parse_seconds__decimal_forms__parsed(void **state)
{
	double v = SENTINEL_D;

	assert_int_equal(ls_parse_seconds("5", 0, 3600, &v), 0);
	assert_true(v == 5.0);
	assert_int_equal(ls_parse_seconds("0.5", 0, 3600, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(ls_parse_seconds(".25", 0, 3600, &v), 0);
	assert_true(v == 0.25);
	assert_int_equal(ls_parse_seconds("1e-1", 0, 3600, &v), 0);
	assert_true(v == 0.1);
	assert_int_equal(ls_parse_seconds("3600", 0, 3600, &v), 0);
	assert_true(v == 3600.0);
}

static void parse_seconds__negative_zero__stored_as_plus_zero(void **state)
{
	double v = SENTINEL_D;

	assert_int_equal(ls_parse_seconds("-0", 0, 10, &v), 0);
	assert_true(v == 0.0);
	assert_false(signbit(v));
}

static void parse_seconds__not_finite__einval(void **state)
{
	parse_seconds_fails("nan", 0, 1e9, -EINVAL);
	parse_seconds_fails("NaN", 0, 1e9, -EINVAL);
	parse_seconds_fails("-nan", -1e9, 1e9, -EINVAL);
	parse_seconds_fails("inf", 0, INFINITY, -EINVAL);
	parse_seconds_fails("-inf", -INFINITY, 1e9, -EINVAL);
	parse_seconds_fails("infinity", 0, INFINITY, -EINVAL);
}

static void parse_seconds__malformed__einval(void **state)
{
	parse_seconds_fails("", 0, 100, -EINVAL);
	parse_seconds_fails(" 1", 0, 100, -EINVAL);
	parse_seconds_fails("1 ", 0, 100, -EINVAL);
	parse_seconds_fails("1s", 0, 100, -EINVAL);
	parse_seconds_fails("1e", 0, 100, -EINVAL);
	parse_seconds_fails(".", 0, 100, -EINVAL);
	parse_seconds_fails("+1", 0, 100, -EINVAL);
	parse_seconds_fails("0x1p3", 0, 100, -EINVAL);
	parse_seconds_fails("1,5", 0, 100, -EINVAL);
	parse_seconds_fails(NULL, 0, 100, -EINVAL);
}

static void parse_seconds__out_of_range__erange(void **state)
{
	parse_seconds_fails("0", 0.001, 3600, -ERANGE);
	parse_seconds_fails("3600.5", 0.001, 3600, -ERANGE);
	parse_seconds_fails("-1", 0, 3600, -ERANGE);
	/* Overflow to HUGE_VAL and underflow to 0 are refused, not rounded. */
	parse_seconds_fails("1e999", 0, INFINITY, -ERANGE);
	parse_seconds_fails("1e-400", 0, 1, -ERANGE);
}

static void parse_pid_list__valid_lists__parsed_in_order(void **state)
{
	pid_t pids[PIDS_MAX] = { 0 };
	size_t n = SENTINEL_N;

	assert_int_equal(ls_parse_pid_list("123", pids, PIDS_MAX, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(pids[0], 123);

	assert_int_equal(ls_parse_pid_list("456,1,2147483647", pids, PIDS_MAX, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(pids[0], 456);
	assert_int_equal(pids[1], 1);
	assert_int_equal(pids[2], INT_MAX);
}

static void parse_pid_list__exactly_max_entries__accepted(void **state)
{
	pid_t pids[PIDS_MAX] = { 0 };
	size_t n = SENTINEL_N;

	assert_int_equal(ls_parse_pid_list("1,2,3,4", pids, PIDS_MAX, &n), 0);
	assert_int_equal(n, PIDS_MAX);
	assert_int_equal(pids[PIDS_MAX - 1], 4);
}

static void parse_pid_list__one_past_max__e2big(void **state)
{
	/* ASan would catch a write past pids[PIDS_MAX - 1] here. */
	parse_pids_fails("1,2,3,4,5", PIDS_MAX, -E2BIG);
	parse_pids_fails("1,2", 1, -E2BIG);
	parse_pids_fails("1", 0, -E2BIG);
}

static void parse_pid_list__non_positive_or_huge_pid__erange(void **state)
{
	parse_pids_fails("0", PIDS_MAX, -ERANGE);
	parse_pids_fails("1,0", PIDS_MAX, -ERANGE);
	parse_pids_fails("-5", PIDS_MAX, -ERANGE);
	parse_pids_fails("2147483648", PIDS_MAX, -ERANGE);
	parse_pids_fails("99999999999999999999999", PIDS_MAX, -ERANGE);
}

static void parse_pid_list__empty_items__einval(void **state)
{
	parse_pids_fails("", PIDS_MAX, -EINVAL);
	parse_pids_fails(",", PIDS_MAX, -EINVAL);
	parse_pids_fails("1,,2", PIDS_MAX, -EINVAL);
	parse_pids_fails("1,2,", PIDS_MAX, -EINVAL);
	parse_pids_fails(",1", PIDS_MAX, -EINVAL);
}

static void parse_pid_list__junk__einval(void **state)
{
	parse_pids_fails("1, 2", PIDS_MAX, -EINVAL);
	parse_pids_fails(" 1", PIDS_MAX, -EINVAL);
	parse_pids_fails("1 ", PIDS_MAX, -EINVAL);
	parse_pids_fails("1;2", PIDS_MAX, -EINVAL);
	parse_pids_fails("12abc", PIDS_MAX, -EINVAL);
	parse_pids_fails("+1", PIDS_MAX, -EINVAL);
	parse_pids_fails(NULL, PIDS_MAX, -EINVAL);
}

/* The address and port ls_parse_listen() made of s, as "addr port". */
static const char *listen_ok(const char *s)
{
	static char out[INET6_ADDRSTRLEN + 8];
	struct sockaddr_storage ss;
	char host[INET6_ADDRSTRLEN];
	unsigned int len = 0;

	assert_int_equal(ls_parse_listen(s, &ss, &len), 0);
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		assert_int_equal(len, sizeof(*a));
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
		snprintf(out, sizeof(out), "%s %u", host, ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		assert_int_equal(ss.ss_family, AF_INET);
		assert_int_equal(len, sizeof(*a));
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
		snprintf(out, sizeof(out), "%s %u", host, ntohs(a->sin_port));
	}
	return out;
}

static void parse_listen__forms__loopback_unless_an_address_is_given(void **state)
{
	assert_string_equal(listen_ok("9477"), "127.0.0.1 9477");
	assert_string_equal(listen_ok("0"), "127.0.0.1 0");
	assert_string_equal(listen_ok("127.0.0.1:9477"), "127.0.0.1 9477");
	assert_string_equal(listen_ok("0.0.0.0:65535"), "0.0.0.0 65535");
	assert_string_equal(listen_ok("[::1]:9477"), "::1 9477");
	assert_string_equal(listen_ok("[::]:80"), ":: 80");
	assert_string_equal(listen_ok("[::ffff:10.0.0.1]:1"), "::ffff:10.0.0.1 1");
}

static void parse_listen__malformed__refused(void **state)
{
	const char *bad[] = { "", ":9477", "::1:9477", "[::1]9477", "[::1]:", "[]:80", "[1.2.3.4]:80",
			      "127.0.0.1:", "127.0.0.1:http", "abc", "-1", "+80", "[::1:80",
			      "1.2.3.4: 80" };
	struct sockaddr_storage ss;
	unsigned int len = 7;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(ls_parse_listen(bad[i], &ss, &len), -EINVAL);
		assert_int_equal(len, 7);
	}
	assert_int_equal(ls_parse_listen("65536", &ss, &len), -ERANGE);
	assert_int_equal(ls_parse_listen("[::1]:99999", &ss, &len), -ERANGE);
	assert_int_equal(ls_parse_listen(NULL, &ss, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_ulong__digits_only__sign_and_blank_rejected),
		cmocka_unit_test(parse_long__plain_integers__parsed),
		cmocka_unit_test(parse_long__range_bounds__inclusive),
		cmocka_unit_test(parse_long__beyond_long__erange),
		cmocka_unit_test(parse_long__malformed__einval),
		cmocka_unit_test(parse_long__null_arguments__einval),
		cmocka_unit_test(parse_seconds__decimal_forms__parsed),
		cmocka_unit_test(parse_seconds__negative_zero__stored_as_plus_zero),
		cmocka_unit_test(parse_seconds__not_finite__einval),
		cmocka_unit_test(parse_seconds__malformed__einval),
		cmocka_unit_test(parse_seconds__out_of_range__erange),
		cmocka_unit_test(parse_pid_list__valid_lists__parsed_in_order),
		cmocka_unit_test(parse_pid_list__exactly_max_entries__accepted),
		cmocka_unit_test(parse_pid_list__one_past_max__e2big),
		cmocka_unit_test(parse_pid_list__non_positive_or_huge_pid__erange),
		cmocka_unit_test(parse_pid_list__empty_items__einval),
		cmocka_unit_test(parse_pid_list__junk__einval),
		cmocka_unit_test(parse_listen__forms__loopback_unless_an_address_is_given),
		cmocka_unit_test(parse_listen__malformed__refused),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}

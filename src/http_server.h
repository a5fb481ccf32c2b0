/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The /metrics endpoint: libmicrohttpd in a thread of its own, so neither a
 * scrape nor a client that stalls ever holds up the trace loop.
 */
#ifndef LS_HTTP_SERVER_H
#define LS_HTTP_SERVER_H

#include <stddef.h>
#include <sys/socket.h>
#include "prom.h"

/* Clients served at once; more wait in the kernel's listen queue. */
#define LS_HTTP_MAX_CONNECTIONS	16
/* A connection idle this long (a client that sends nothing) is closed. */
#define LS_HTTP_IDLE_TIMEOUT_S	10

/*
 * The page of one scrape: a malloc'd buffer (the server frees it) and its
 * length, or NULL when the maps cannot be read (503).  Called from the
 * server's thread, one scrape at a time.
 */
typedef char *(*ls_http_render_fn)(void *ctx, enum ls_prom_format fmt, size_t *len);

struct ls_http_server;

/*
 * Listen on addr and serve GET /metrics.  NULL on failure, with one line in
 * err ("127.0.0.1:9477: Address already in use").
 */
struct ls_http_server *ls_http_start(const struct sockaddr *addr, socklen_t addrlen,
				     ls_http_render_fn render, void *ctx, char *err,
				     size_t errlen);

/* Stop serving and close every connection; accepts NULL. */
void ls_http_stop(struct ls_http_server *s);

/* The URL of the metrics page as bound ("http://[::1]:41234/metrics"). */
const char *ls_http_url(const struct ls_http_server *s);

/* "127.0.0.1:9477", "[::1]:9477" */
void ls_fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len);

#endif

// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libmicrohttpd runs one internal thread that polls every connection
 * (epoll), so a client that connects and sends nothing only occupies one of
 * LS_HTTP_MAX_CONNECTIONS slots until LS_HTTP_IDLE_TIMEOUT_S, and the page
 * is built in that thread: the trace loop never waits for a client.
 * latscope opens the listening socket itself, so that a bind error names
 * the address, and port 0 can report the port the kernel chose.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <microhttpd.h>
#include "http_server.h"
#include "log.h"

struct ls_http_server {
	struct MHD_Daemon *daemon;
	int fd;
	ls_http_render_fn render;
	void *ctx;
	char url[128];
};

static const char index_page[] =
	"<!DOCTYPE html>\n<html><head><title>latscope</title></head><body>\n"
	"<h1>latscope</h1>\n<p><a href=\"/metrics\">Metrics</a></p>\n</body></html>\n";

void ls_fmt_sockaddr(const struct sockaddr *sa, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	} else {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	}
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned int status, const char *type,
			     void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text_reply(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", (void *)msg, strlen(msg),
		     MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct ls_http_server *s = cls;
	enum ls_prom_format fmt = LS_PROM_TEXT;
	const char *accept;
	size_t len = 0;
	char *page;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!strcmp(url, "/"))
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", (void *)index_page,
			     sizeof(index_page) - 1, MHD_RESPMEM_PERSISTENT);
	if (strcmp(url, "/metrics"))
		return text_reply(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n");
	/* Prometheus asks for OpenMetrics first; curl and promtool get the text format. */
	accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	if (accept && strstr(accept, "application/openmetrics-text"))
		fmt = LS_PROM_OPENMETRICS;
	page = s->render(s->ctx, fmt, &len);
	if (!page)
		return text_reply(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				  "latscope cannot read its BPF maps\n");
	return reply(c, MHD_HTTP_OK, ls_prom_content_type(fmt), page, len, MHD_RESPMEM_MUST_FREE);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	ls_info("metrics server: %s", msg);
}

static int open_listener(const struct sockaddr *addr, socklen_t addrlen, char *where,
			 size_t wlen, char *err, size_t errlen)
{
	struct sockaddr_storage bound;
	socklen_t blen = sizeof(bound);
	int fd, one = 1;

	ls_fmt_sockaddr(addr, where, wlen);
	fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--listen %s: %s", where, strerror(errno));
		return -1;
	}
	/* a restarted latscope can bind again while old connections linger */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, addr, addrlen) || listen(fd, 64) ||
	    getsockname(fd, (struct sockaddr *)&bound, &blen)) {
		snprintf(err, errlen, "--listen %s: %s%s", where, strerror(errno),
			 errno == EADDRNOTAVAIL ? " (not an address of this host)" : "");
		close(fd);
		return -1;
	}
	ls_fmt_sockaddr((struct sockaddr *)&bound, where, wlen);
	return fd;
}

struct ls_http_server *ls_http_start(const struct sockaddr *addr, socklen_t addrlen,
				     ls_http_render_fn render, void *ctx, char *err,
				     size_t errlen)
{
	struct ls_http_server *s = calloc(1, sizeof(*s));
	sigset_t block, old;
	char where[96];

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->render = render;
	s->ctx = ctx;
	s->fd = open_listener(addr, addrlen, where, sizeof(where), err, errlen);
	if (s->fd < 0) {
		free(s);
		return NULL;
	}
	snprintf(s->url, sizeof(s->url), "http://%s/metrics", where);
	/* the server's thread inherits this mask: stop signals go to the trace loop */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				     MHD_USE_ERROR_LOG, 0, NULL, NULL, handle, s,
				     MHD_OPTION_LISTEN_SOCKET, s->fd,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)LS_HTTP_MAX_CONNECTIONS,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)LS_HTTP_IDLE_TIMEOUT_S,
				     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				     MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!s->daemon) {
		snprintf(err, errlen, "--listen %s: cannot start the HTTP server (libmicrohttpd)",
			 where);
		close(s->fd);
		free(s);
		return NULL;
	}
	return s;
}

void ls_http_stop(struct ls_http_server *s)
{
	if (!s)
		return;
	/* closes the listening socket too, although latscope opened it */
	MHD_stop_daemon(s->daemon);
	free(s);
}

const char *ls_http_url(const struct ls_http_server *s)
{
	return s->url;
}

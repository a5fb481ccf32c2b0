/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The name of the subsystem a stats key belongs to, e.g. "tcp:10.0.0.1:443". */
#ifndef LS_SUBSYS_H
#define LS_SUBSYS_H

#include <stddef.h>
#include "latscope.h"

/* Writes the name into buf; returns 0, or -ENOSPC if it was truncated. */
int ls_subsys_name(const struct ls_key *k, char *buf, size_t len);

/* "route", "generic", ... or NULL for a protocol without a name. */
const char *ls_netlink_proto_name(__u32 proto);

/* "tc", "rtnl:link"...: the name of a NETLINK_ROUTE request class, or NULL. */
const char *ls_nlclass_name(__u8 nlclass);

/* The key's address alone: "1.2.3.4" or "::1". */
void ls_fmt_addr(const struct ls_key *k, char *buf, size_t len);

/* The key's address as "1.2.3.4:80" or "[::1]:80". */
void ls_fmt_peer(const struct ls_key *k, char *buf, size_t len);

/* "work", "idle", "sync", "child" (enum ls_role) */
const char *ls_role_name(__u8 role);
/* The role named name, or -EINVAL. */
int ls_role_parse(const char *name);

#endif

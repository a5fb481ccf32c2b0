#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Install the Debian packages given as arguments that are not installed yet.
# As root this runs apt-get; otherwise it prints the exact command to run.
# With --check first it never installs: it names what is missing and exits 1
# (make test, which must not change the machine).
set -eu
check_only=false
if [ "${1:-}" = --check ]; then
	check_only=true
	shift
fi
missing=""
for p in "$@"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if $check_only; then
	echo "latscope: missing packages:$missing; 'make deps' installs them (as root)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "latscope: missing build packages; run:" >&2
	echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "  DEPS    $missing"
export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when they were never fetched.
if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
	apt-get update -q >/dev/null
fi
apt-get install -y -q $missing >/dev/null || {
	apt-get update -q >/dev/null && apt-get install -y -q $missing >/dev/null
}

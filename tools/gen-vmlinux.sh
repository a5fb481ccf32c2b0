#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Regenerate the vendored vmlinux header from the running kernel's BTF:
#   tools/gen-vmlinux.sh [ARCH]
# CO-RE relocations make one header work on other kernels too; regenerate
# only to use types or fields this one lacks.
set -eu
arch=${1:-$(uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')}
release=$(uname -r | cut -d. -f1-2)
dir=vmlinux/$arch
mkdir -p "$dir"
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$dir/vmlinux_$release.h"
ln -sf "vmlinux_$release.h" "$dir/vmlinux.h"
echo "wrote $dir/vmlinux_$release.h"

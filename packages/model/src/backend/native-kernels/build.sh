#!/bin/sh
# Dev-only: compiles the C sources of this folder (kernels.h, *.c) into
# ../../../native/emo-kernels-linux-x64.node, the prebuilt addon that is committed (nothing is
# compiled at install time). Needs clang (Debian: apt-get install clang) and Node's headers (they
# come with Node's own tarball, include/node). The sources' sha256 (of kernels.h and the .c files
# in name order, concatenated) goes into the binary, so that a test can tell when it is stale.
set -eu
cd "$(dirname "$0")"
NODE_INCLUDE="$(dirname "$(readlink -f "$(command -v node)")")/../include/node"
SOURCES="$(ls kernels.h *.c | LC_ALL=C sort)"
SHA="$(cat $SOURCES | sha256sum | cut -d' ' -f1)"
OUT=../../../native/emo-kernels-linux-x64.node
mkdir -p "$(dirname "$OUT")"
clang -O3 -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden -s \
  -I"$NODE_INCLUDE" -DEMO_SOURCE_SHA256="\"$SHA\"" -o "$OUT" $(ls *.c | LC_ALL=C sort)
echo "$OUT: $(wc -c < "$OUT") bytes, sources $SHA"

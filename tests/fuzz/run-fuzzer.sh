#!/bin/sh
# Runs one libFuzzer target for a bounded time over a copy of its seeds.
# Usage: run-fuzzer.sh FUZZER SEED_DIR   (FUZZ_SECONDS, default 30)
set -eu
fuzzer=$1
seeds=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$seeds"/. "$work"/
exec "$fuzzer" -max_total_time="${FUZZ_SECONDS:-30}" -rss_limit_mb=2048 -timeout=10 \
  -print_final_stats=1 "$work"

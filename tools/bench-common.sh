# Sourced by the tools/bench-*.sh scripts (not run on its own): builds the release benchmark binary, sets
# `bench` to it and `work` to a scratch directory removed on exit, and prints the machine and its load, which
# every figure must be read beside. A script may set `bench_label` first: it ends the machine line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
swift build -c release --product ledger-bench >/dev/null
bench=.build/release/ledger-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs); load $(cut -d' ' -f1-3 /proc/loadavg)${bench_label:+; $bench_label}"

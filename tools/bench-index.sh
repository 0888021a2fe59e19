#!/usr/bin/env bash
# Indexer benchmark: a deterministic chain (seeded) of N bottles in N/10 cases on N/1000 pallets, through a
# manufacturer, a wholesaler, a distributor and four pharmacies, at 100,000 and 1,000,000 bottles.
# Reports custody lookup p50/p99 for bottles with 10 events at each size (the ratio shows whether cost grows
# with size), the rebuild rate (unit-events/s), index bytes per identifier and peak memory.
# Usage: tools/bench-index.sh [SMALL] [LARGE] [SEED]   (defaults 100000 1000000 chain-1)
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-100000}
large=${2:-1000000}
seed=${3:-chain-1}
swift build -c release --product ledger-bench >/dev/null
bench=.build/release/ledger-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), seed $seed"
for units in "$small" "$large"; do
    echo "## $units bottles"
    $bench index-generate "$work/chain-$units" "$units" "$seed"
    $bench index-query "$work/chain-$units"
    $bench index-rebuild "$work/chain-$units"
    rm -rf "$work/chain-$units"
done

#!/usr/bin/env bash
# Indexer benchmark: a deterministic chain (seeded) of N bottles in N/10 cases on N/1000 pallets, through a
# manufacturer, a wholesaler, a distributor and four pharmacies, at 100,000 and 1,000,000 bottles.
# Reports the rebuild rate (unit-events/s), index bytes per identifier, peak memory, and custody lookup
# p50/p99 for bottles with 10 events at each size (the ratio shows whether cost grows with size).
#
# Generating the chain goes through Ledger.append (about 450 s at 1M bottles), so each generated ledger is
# kept under .build-bench/ (ignored by git), keyed by size, seed and the generator's and format's sources;
# later runs reuse it. A fresh ledger's lookups are measured twice: on the index the appends left, and on
# the rebuilt one. `rm -rf .build-bench` forces a new generation.
# Usage: tools/bench-index.sh [SMALL] [LARGE] [SEED]   (defaults 100000 1000000 chain-1)
small=${1:-100000}
large=${2:-1000000}
seed=${3:-chain-1}
bench_label="seed $seed"
source "$(dirname "$0")/bench-common.sh"
version=$(cat Sources/ledger-bench/IndexBench.swift docs/FORMAT.md | sha256sum | cut -c1-12)
for units in "$small" "$large"; do
    echo "## $units bottles"
    dir=.build-bench/chain-$units-$seed-$version
    if [ ! -f "$dir/samples.txt" ]; then
        rm -rf "$dir"
        mkdir -p .build-bench
        $bench index-generate "$dir" "$units" "$seed"
        echo "# lookups on the index as the appends left it:"
        $bench index-query "$dir"
    else
        echo "# reusing the ledger generated in $dir"
    fi
    $bench index-rebuild "$dir"
    echo "# lookups on the rebuilt index:"
    $bench index-query "$dir"
done

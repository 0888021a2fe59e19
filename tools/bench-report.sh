#!/usr/bin/env bash
# Investigator report benchmark: on the deterministic chain of tools/bench-index.sh (N bottles, 10 to a case,
# 100 cases to a pallet, manufacturer → wholesaler → distributor → four pharmacies), one bottle is given 20 or
# more events (pharmacy ⇄ distributor round trips); then times `ledger report` for that serial (p50/p99 of 50)
# and for case lot L0 (10,000 case serials at 100,000 bottles or more), each beside its floor: reading the
# cited entries from the log and checking their signatures once. Targets: serial < 50 ms at 1M bottles; lot of
# 10,000 serials < 2 s.
# Usage: tools/bench-report.sh [BOTTLES...] (default 100000 1000000); SEED=chain-1
seed=${SEED:-chain-1}
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(100000 1000000)
bench_label="seed $seed"
source "$(dirname "$0")/bench-common.sh"
for units in "${sizes[@]}"; do
    echo "## $units bottles"
    $bench index-generate "$work/chain-$units" "$units" "$seed" | grep -v '^  '
    $bench report-extend "$work/chain-$units" "$seed"
    $bench report-time "$work/chain-$units" "$seed"
    rm -rf "$work/chain-$units"
done

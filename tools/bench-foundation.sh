#!/usr/bin/env bash
# Foundation benchmark: append rate (single and batched) and verify rate for 100,000 entries, with
# Ed25519 and P-256 partner keys, beside `openssl speed` run on the same machine in the same script.
# Usage: tools/bench-foundation.sh [ENTRIES]   (default 100000). Needs a release build (done here).
entries=${1:-100000}

source "$(dirname "$0")/bench-common.sh"
echo "# disk of $work: $(df -h "$work" | tail -1 | awk '{print $1}')"
echo "## physical limits: openssl speed (single core)"
openssl speed -seconds 3 ed25519 ecdsap256 2>/dev/null | grep -E '^ *(253|256)|sign/s|Ed25519|nistp256' || true
echo "## fdatasync latency limit: one 4 KiB write + fdatasync, 200 times (dd oflag=dsync)"
dd if=/dev/zero of="$work/sync-probe" bs=4k count=200 oflag=dsync 2>&1 | tail -1

for alg in ed25519 p256; do
    echo "## $alg partner key"
    $bench append-single "$work/single-$alg" 1000 "$alg"
    $bench append-batched "$work/batched-$alg" "$entries" 1000 "$alg"
    $bench verify "$work/batched-$alg"
done

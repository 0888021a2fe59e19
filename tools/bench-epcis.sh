#!/usr/bin/env bash
# EPCIS import benchmark: a generated EPCIS 2.0 JSON-LD document of EVENTS events (a manufacturer's
# commissioning, case and pallet packing and sales: 22 events per 100 bottles) imported as one atomic batch
# into a fresh ledger; import rate (events/s) and peak memory, beside the per-entry physical limits
# measured on the same machine (`openssl speed`: each event is one Ed25519 signature and one verification).
# Usage: tools/bench-epcis.sh [EVENTS]   (default 100000). Needs a release build (done here).
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-100000}
swift build -c release --product ledger-bench >/dev/null
bench=.build/release/ledger-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo "## physical limits: openssl speed ed25519 (single core; an imported event costs one sign and one verify)"
openssl speed -seconds 3 ed25519 2>/dev/null | grep -E 'Ed25519|sign/s' || true
echo "## fdatasync: the whole document is one batch, so one sync"
echo "## $events events"
$bench epcis-import "$work/ledger" "$events"

#!/usr/bin/env bash
# EPCIS import benchmark: a generated EPCIS 2.0 JSON-LD document of EVENTS events (a manufacturer's
# commissioning, case and pallet packing and sales: 22 events per 100 bottles) imported as one atomic batch
# into a fresh ledger; import rate (events/s) and peak memory, beside the per-entry physical limits
# measured on the same machine (`openssl speed`: each event is one Ed25519 signature and one verification),
# and the plain append rate (`ledger-bench append-batched`) measured in the same run, since the machine's load
# moves every figure.
# Usage: tools/bench-epcis.sh [EVENTS]   (default 100000). Needs a release build (done here).
events=${1:-100000}
source "$(dirname "$0")/bench-common.sh"
echo "## physical limits: openssl speed ed25519 (single core; an imported event costs one sign and one verify)"
openssl speed -seconds 3 ed25519 2>/dev/null | grep -E 'Ed25519|sign/s' || true
echo "## fdatasync: the whole document is one batch, so one sync"
echo "## $events events"
$bench epcis-import "$work/ledger" "$events"
echo "## the plain append path on the same machine, same run: $events pre-signed one-serial commissions in batches of 1,000"
$bench append-batched "$work/append" "$events" 1000 ed25519

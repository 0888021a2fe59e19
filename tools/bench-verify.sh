#!/usr/bin/env bash
# Verifier benchmark: a generated ledger of N entries (default 1,000,000), once with Ed25519 and once with
# ECDSA P-256 partner keys, verified in full (every hash, the chain, the Merkle root, every signature, the
# registry and the custody rules) on every core, beside `openssl speed ed25519 ecdsap256 sha256` run here.
# Target: >= 80% of (cores x OpenSSL's single-core verify rate). Also the hash-only rate (no signatures)
# against SHA-256's; and, on the Ed25519 ledger, the verifiable log's costs at N entries: building the
# stored Merkle tree, inclusion and consistency proof generation and verification, a checkpoint per batch.
# The custody replay's memory: the hash-only pass with the replay in memory (it grows ~1 KiB per identifier)
# beside the same pass bounded to REPLAY_MIB (default 64) MiB, spilling to a scratch file in $TMPDIR: compare
# the `peak memory` figures and the rates (the spill's cost).
# Usage: tools/bench-verify.sh [N] [REPLAY_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
entries=${1:-1000000}
replay_mib=${2:-64}
swift build -c release --product ledger-bench >/dev/null
bench=.build/release/ledger-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cores=$(nproc)
echo "# machine: $cores cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
echo "## openssl speed, single core"
openssl speed -seconds 3 ed25519 ecdsap256 2>/dev/null | grep -E 'verify/s|nistp256\)|Ed25519\)'
openssl speed -seconds 2 -bytes 512 sha256 2>/dev/null | grep -E '^type|^sha256'
for alg in ed25519 p256; do
    echo "## $alg partner keys, $entries entries"
    $bench verify-generate "$work/$alg" "$entries" "$alg"
    $bench verify "$work/$alg" 1
    $bench verify "$work/$alg"
    $bench verify "$work/$alg" "$cores" hash-only
    [ "$alg" = ed25519 ] && $bench verify "$work/$alg" "$cores" hash-only "$replay_mib"
    [ "$alg" = ed25519 ] && $bench merkle "$work/$alg"
    rm -rf "${work:?}/$alg"
done

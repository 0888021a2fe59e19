#!/usr/bin/env bash
# Differential test of the P-256 key table (cl_p256_table_verify in Sources/COpenSSL/shim.h) against OpenSSL's own
# ECDSA verification (EVP_PKEY_verify), on valid signatures, their edge cases and random corruptions: see the
# comment at the top of tools/p256-table-differential.c for the kinds of cases.
#
# Usage: tools/p256-table-differential.sh [cases [seed]]   (default 1000000 cases, seed 1; about 15 s of CPU per 100,000)
# Prints the number of cases of each kind and every disagreement; exits non-zero on any disagreement.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${TMPDIR:-/tmp}/p256-table-differential.$$"
trap 'rm -f "$out"' EXIT
gcc -std=c11 -O2 -Wall -Wextra -Wno-unknown-pragmas -Wno-deprecated-declarations -D_POSIX_C_SOURCE=200809L \
    -I "$root/Sources/COpenSSL" -o "$out" "$root/tools/p256-table-differential.c" -lcrypto
"$out" "${1:-1000000}" "${2:-1}"

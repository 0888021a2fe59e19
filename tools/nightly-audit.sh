#!/usr/bin/env bash
# Nightly integrity audit of a custody ledger.
#
#   tools/nightly-audit.sh [DATA_DIR] [STATE_DIR]
#
# Verifies the ledger incrementally from the last good checkpoint (`ledger verify --since`): proves the log
# is an append-only extension of it (history rewritten, forked, rolled back or truncated is a finding, even
# by whoever holds the keys), then checks every entry after it in full, and that the checkpoint current now
# is consistent with the log. Appends the result to STATE_DIR/history.jsonl (one JSON object a line), saves
# the current checkpoint as the new last good one only when clean, and on any finding prints one log line
# naming the first bad entry and exits non-zero.
#
# DATA_DIR defaults to ledger-data; STATE_DIR to DATA_DIR/audit (keep it on other storage if you can: the
# last good checkpoint is what an attacker with the ledger's files would want to replace).
# Environment: LEDGER (the ledger binary, default `ledger` on PATH), OPERATOR_KEY (the operator's public
# key, default DATA_DIR/operator.key.pub), REPLAY_MEMORY (MiB for the custody rules' replay, `ledger verify
# --replay-memory`; default the ledger's, 256) and SCRATCH_DIR (where the replay spills beyond it, `--scratch-dir`;
# default $TMPDIR, else /tmp).
# Exit: 0 clean, 1 findings, 2 usage, 3 I/O (the ledger's own codes).
set -uo pipefail
data=${1:-ledger-data}
state=${2:-$data/audit}
ledger=${LEDGER:-ledger}
key=${OPERATOR_KEY:-$data/operator.key.pub}
mkdir -p "$state" || { echo "nightly-audit: cannot create $state" >&2; exit 3; }
last="$state/last-good.checkpoint"
history="$state/history.jsonl"
current="$state/current.checkpoint.tmp"
report="$state/report.json.tmp"

if ! "$ledger" checkpoint --data "$data" > "$current" 2> "$state/checkpoint.err"; then
    echo "nightly-audit: ERROR cannot read the current checkpoint of $data: $(cat "$state/checkpoint.err")" >&2
    exit 3
fi
since=()
[ -s "$last" ] && since=(--since "$last")
replay=()
[ -n "${REPLAY_MEMORY:-}" ] && replay+=(--replay-memory "$REPLAY_MEMORY")
[ -n "${SCRATCH_DIR:-}" ] && replay+=(--scratch-dir "$SCRATCH_DIR")
"$ledger" verify --data "$data" --operator-key "$key" "${since[@]}" "${replay[@]}" --checkpoint "$current" --report "$report" \
    > "$state/verify.out" 2> "$state/verify.err"
status=$?
if [ -s "$report" ]; then
    cat "$report" >> "$history"
else
    printf '{"clean":false,"error":"verify wrote no report","exit":%d,"time":"%s"}\n' "$status" "$(date -u +%FT%TZ)" >> "$history"
fi
case $status in
    0)
        mv "$current" "$last"
        echo "nightly-audit: $(tail -n 1 "$state/verify.out")"
        ;;
    1)
        reason=$(grep -m1 'integrity failure\|disagrees\|not signed' "$state/verify.err" || head -n 1 "$state/verify.err")
        echo "nightly-audit: FAILED ${reason#ledger: } (report: $history)" >&2
        ;;
    *)
        reason=$(head -n 1 "$state/verify.err")
        echo "nightly-audit: ERROR (exit $status) ${reason#ledger: }" >&2
        ;;
esac
rm -f "$current" "$report"
exit $status

#!/usr/bin/env bash
# Measures the table of docs/planted-bugs.md: for every planted bug, a two-job release
# campaign of the default scenario over seeds 0..N; the first seed that catches the bug (its
# run fails, and the unplanted engine's run of the same seed passes, fails at a later step,
# or fails at the same step with another class); then the wall time of a campaign of seeds
# 0..first+1, the median of three.
#
# Usage (from the repository root): docs/planted-bugs.sh [N] [OUT]   (N 2000, OUT runs/planted)
set -euo pipefail
N=${1:-2000}
OUT=${2:-runs/planted}
BUGS=(delete-skips-third-row busy-not-raised wrong-balance-split skipped-journal-sync
  db-sync-skipped-at-commit recovery-skips-last-record journal-omits-page-1
  io-error-keeps-statement rowid-alias-ignored extra-sync-per-statement
  panic-on-empty-blob-compare hang-on-max-integer)
cargo build --release -p touchstone-simulator --features planted-bugs
T=target/release/touchstone
mkdir -p "$OUT"

# campaign BUG ARGS...: `touchstone run ARGS --jobs 2` with BUG planted (exit 1 = failures).
campaign() {
  local bug=$1
  shift
  TOUCHSTONE_PLANT=$bug "$T" run "$@" --jobs 2 >/dev/null 2>&1 || [ $? -eq 1 ]
}

# failures DIR: "seed class step" for each failing seed of the campaign in DIR.
failures() {
  local f
  for f in "$1"/failures/*/diff.txt; do
    [ -e "$f" ] || continue
    head -1 "$f" | sed -E 's/^seed ([0-9]+): (.*) failure at step #([0-9]+)$/\1 \2 \3/'
  done | sort -n
}

# seconds BUG SEEDS: the median wall time of three campaigns of seeds 0..SEEDS.
seconds() {
  local i start
  for i in 1 2 3; do
    rm -rf "$OUT/timed"
    start=$(date +%s.%N)
    campaign "$1" --seeds "0..$2" --out "$OUT/timed"
    printf '%.2f\n' "$(echo "$(date +%s.%N) - $start" | bc)"
  done | sort -n | sed -n 2p
}

rm -rf "$OUT/none"
campaign none --count "$N" --out "$OUT/none"
failures "$OUT/none" >"$OUT/none.txt"
echo "unplanted: $(wc -l <"$OUT/none.txt") of $N seeds fail"
echo "| bug | caught class | first seed | step | seeds run | seconds | catches in seeds 0..$N |"
for bug in "${BUGS[@]}"; do
  n=$N
  # Each catch of the hang bug runs a statement to the step budget: 200 seeds are enough.
  [ "$bug" = hang-on-max-integer ] && [ "$n" -gt 200 ] && n=200
  rm -rf "${OUT:?}/$bug"
  campaign "$bug" --count "$n" --out "$OUT/$bug"
  failures "$OUT/$bug" >"$OUT/$bug.txt"
  # (FILENAME, not NR == FNR: the unplanted list may be empty.)
  awk 'FILENAME == ARGV[1] { class[$1] = $2; step[$1] = $3; next }
       !($1 in class) || step[$1] > $3 || (step[$1] == $3 && class[$1] != $2)' \
    "$OUT/none.txt" "$OUT/$bug.txt" >"$OUT/$bug.caught"
  if [ ! -s "$OUT/$bug.caught" ]; then
    echo "| $bug | not caught | - | - | $n | - | 0 |"
    continue
  fi
  read -r seed class step <"$OUT/$bug.caught"
  echo "| $bug | $class | $seed | #$step | $((seed + 1)) | $(seconds "$bug" $((seed + 1))) | $(wc -l <"$OUT/$bug.caught") of $n |"
done

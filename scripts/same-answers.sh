#!/usr/bin/env bash
# same-answers.sh BIN_A BIN_B PROJECT_DIR... [-- MINAUDIT_ARGS...]
#
# Runs `cargo minaudit --dry-run --frozen-imports --format json` (plus MINAUDIT_ARGS) with two
# builds on a temp copy of each project and compares the JSON byte for byte: a change meant to
# keep every answer (a restructuring, a speed-up) must print the same plan. Prints one line per
# project (same / DIFFERENT, with both run times) and the first lines of each difference.
# Never writes to a PROJECT_DIR. Exit 0 when every project is the same, 1 otherwise, 2 on a
# setup error. Needs warm caches or network for the crates.io index and crate files.
set -euo pipefail
die() { echo "same-answers: error: $*" >&2; exit 2; }
[ $# -ge 3 ] || die "usage: $0 BIN_A BIN_B PROJECT_DIR... [-- MINAUDIT_ARGS...]"
A=$1 B=$2
shift 2
[ -x "$A" ] && [ -x "$B" ] || die "both builds must be executable files"
PROJECTS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do PROJECTS+=("$1"); shift; done
[ $# -gt 0 ] && shift
W=$(mktemp -d "${TMPDIR:-/tmp}/same-answers.XXXXXX")
trap 'rm -rf "$W"' EXIT
status=0
for project in "${PROJECTS[@]}"; do
  name=$(basename "$project")
  rm -rf "$W/ws"
  cp -r "$project/." "$W/ws"
  chmod -R u+w "$W/ws"
  for side in A B; do
    bin=${!side}
    start=$(date +%s.%N)
    "$bin" minaudit --dry-run --frozen-imports --format json --manifest-path "$W/ws/Cargo.toml" "$@" \
      >"$W/$side.json" 2>"$W/$side.err" || { tail -5 "$W/$side.err" >&2; die "$side failed on $name"; }
    declare "t_$side=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")"
  done
  if cmp -s "$W/A.json" "$W/B.json"; then
    echo "$name: same ($(wc -c <"$W/A.json") bytes; A ${t_A}s, B ${t_B}s)"
  else
    echo "$name: DIFFERENT (A ${t_A}s, B ${t_B}s)"
    diff "$W/A.json" "$W/B.json" | head -20 || true
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# change-oracle.sh PROJECT_DIR FILE OLD NEW
# change-oracle.sh PROJECT_DIR FILE --delete
#
# A dependency change as it happens in a project's history, checked end to end on a copy:
#  1. `cargo minaudit report --frozen-imports` on the untouched copy: the backlog before;
#  2. FILE (relative to the project) has its first OLD replaced by NEW (e.g. a requirement
#     bumped in a manifest), or is deleted (`--delete`, e.g. Cargo.lock itself), which leaves
#     Cargo.lock stale or missing;
#  3. `cargo minaudit --frozen-imports --format json` solves from the manifests (the current
#     lock is Cargo's update of the stale one) and writes the cheapest lock;
#  4. `cargo metadata --locked` must accept it, and vet-oracle-compare.sh runs `cargo vet
#     suggest --locked` on it: cargo-vet must print the backlog minaudit predicted.
# Prints the figures and PASS/FAIL. Needs what vet-oracle-compare.sh needs (cargo-vet 0.10.3,
# network or warm caches). Never writes to PROJECT_DIR. Exit 0 PASS, 1 FAIL, 2 setup error.
# Environment: MINAUDIT_BIN (default: `cargo build --release` of this repo).
set -euo pipefail
die() { echo "change-oracle: error: $*" >&2; exit 2; }
[ $# -eq 4 ] || { [ $# -eq 3 ] && [ "$3" = "--delete" ]; } || die "usage: $0 PROJECT_DIR FILE OLD NEW | $0 PROJECT_DIR FILE --delete"
PROJECT=$(cd "$1" && pwd) || die "no such directory: $1"
FILE=$2 OLD=$3 NEW=${4:-}
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${MINAUDIT_BIN:-}" ]; then
  (cd "$REPO" && cargo build --locked --release --bin cargo-minaudit >&2) || die "cannot build minaudit"
  MINAUDIT_BIN="$REPO/target/release/cargo-minaudit"
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/change-oracle.XXXXXX")
trap 'rm -rf "$W"' EXIT
cp -r "$PROJECT/." "$W/ws"
chmod -R u+w "$W/ws"
"$MINAUDIT_BIN" minaudit report --frozen-imports --format json --manifest-path "$W/ws/Cargo.toml" \
  >"$W/before.json" 2>"$W/before.err" || { tail -20 "$W/before.err" >&2; die "report before the change failed"; }
if [ "$OLD" = "--delete" ]; then
  rm "$W/ws/$FILE" || die "no $FILE to delete"
else
python3 - "$W/ws/$FILE" "$OLD" "$NEW" <<'PY' || die "$FILE has no '$OLD'"
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
if old not in text:
    sys.exit(1)
open(path, "w").write(text.replace(old, new, 1))
PY
fi
"$MINAUDIT_BIN" minaudit --frozen-imports --format json --manifest-path "$W/ws/Cargo.toml" \
  >"$W/plan.json" 2>"$W/plan.err" || { tail -20 "$W/plan.err" >&2; die "cargo minaudit failed after the change"; }
(cd "$W/ws" && cargo metadata --locked --format-version 1 >/dev/null 2>"$W/meta.err") || {
  cat "$W/meta.err" >&2; echo "FAIL: cargo metadata --locked rejects the written lock"; exit 1; }
OUT=$(MINAUDIT_BIN="$MINAUDIT_BIN" "$REPO/scripts/vet-oracle-compare.sh" "$W/ws" 2>&1) || true
VET=$(echo "$OUT" | sed -n 's/^cargo-vet: \([0-9]*\) lines.*/\1/p')
[ -n "$VET" ] || { echo "$OUT" >&2; die "vet-oracle-compare gave no cargo-vet figure"; }
python3 - "$W/before.json" "$W/plan.json" "$VET" "$(basename "$PROJECT")" "$FILE" "$OLD" "$NEW" <<'PY'
import json, sys
before, plan = (json.load(open(f)) for f in sys.argv[1:3])
vet, name, file, old, new = int(sys.argv[3]), *sys.argv[4:8]
stale = plan.get("stale_lock") or {}
print(f"project:   {name}, {file}: " + ("deleted" if old == "--delete" else f"'{old}' -> '{new}'"))
print(f"before:    current {before['current']['backlog_lines']:,}, optimum {before['optimal']['backlog_lines']:,}")
moved = len(stale.get('cargo_update', []))
print(f"after:     lock {stale.get('state', 'not stale')} ({moved} version{'' if moved == 1 else 's'} moved by Cargo's update); "
      f"Cargo's update {plan['current']['backlog_lines']:,}, optimum {plan['optimal']['backlog_lines']:,} "
      f"({plan['solver']['status']}, {len(plan['changes'])} changes written)")
print(f"cargo-vet: {vet:,} lines on the written lock")
ok = vet == plan["optimal"]["backlog_lines"]
print("PASS" if ok else "FAIL: cargo vet suggest disagrees with the predicted optimum")
sys.exit(0 if ok else 1)
PY

#!/usr/bin/env bash
# optimum-oracle.sh PROJECT_DIR [CRATE.KEY=VALUE ...]
#
# The optional arguments add cargo-vet policy lines to the copy's supply-chain/config.toml
# first, e.g. 'fuzz-member.criteria=[]', 'orbclient.criteria=[]', 'tool.criteria="safe-to-run"',
# 'app.dependency-criteria={ foo = ["safe-to-run"] }' (a `[policy.CRATE]` table is created or
# extended).
#
# Opt-in end-to-end check of the main command on a copy of a workspace (needs network for the
# crates.io index and crate files, and cargo-vet 0.10.3 like vet-oracle-compare.sh):
#  1. `cargo minaudit --frozen-imports --format json` rewrites the copy's Cargo.lock (minaudit
#     itself checks it with `cargo metadata --locked` and `cargo update --workspace --locked`
#     in a temp copy before replacing it);
#  2. `cargo metadata --locked` on the copy must accept the new lock;
#  3. vet-oracle-compare.sh on the copy: `cargo vet suggest --locked` must print exactly the
#     backlog minaudit predicted for the optimum;
#  0. before all that, `cargo minaudit report --format json` on the untouched copy must carry
#     the same current backlog, optimum, changes and solver status as the main command's plan.
# Prints the predicted and observed backlogs and PASS/FAIL. Exit 0 PASS, 1 FAIL, 2 setup error.
# Environment: MINAUDIT_BIN (default: `cargo build --release` of this repo).
set -euo pipefail
die() { echo "optimum-oracle: error: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: $0 PROJECT_DIR [CRATE.KEY=VALUE ...]"
PROJECT=$(cd "$1" && pwd) || die "no such directory: $1"
shift
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${MINAUDIT_BIN:-}" ]; then
  (cd "$REPO" && cargo build --locked --release --bin cargo-minaudit >&2) || die "cannot build minaudit"
  MINAUDIT_BIN="$REPO/target/release/cargo-minaudit"
fi
W=$(mktemp -d "${TMPDIR:-/tmp}/optimum-oracle.XXXXXX")
trap 'rm -rf "$W"' EXIT
cp -r "$PROJECT/." "$W/ws"
chmod -R u+w "$W/ws"
for spec in "$@"; do
  python3 - "$W/ws/supply-chain/config.toml" "$spec" <<'PY' || die "bad policy spec: $spec"
import re, sys
path, spec = sys.argv[1], sys.argv[2]
target, value = spec.split("=", 1)
krate, key = target.split(".", 1)
text = open(path).read()
header = f"[policy.{krate}]" if re.fullmatch(r"[A-Za-z0-9_-]+", krate) else f'[policy."{krate}"]'
line = f"{key} = {value}\n"
if header + "\n" in text:
    text = text.replace(header + "\n", header + "\n" + line, 1)
else:
    text = text.rstrip("\n") + f"\n\n{header}\n{line}"
open(path, "w").write(text)
PY
done
# cargo vet --locked insists on its own formatting of the edited store
if [ $# -gt 0 ]; then (cd "$W/ws" && cargo vet fmt >/dev/null 2>&1) || die "cargo vet fmt failed"; fi
"$MINAUDIT_BIN" minaudit report --frozen-imports --format json --manifest-path "$W/ws/Cargo.toml" \
  >"$W/report.json" 2>"$W/report.err" || { tail -20 "$W/report.err" >&2; die "cargo minaudit report failed"; }
start=$(date +%s.%N)
"$MINAUDIT_BIN" minaudit --frozen-imports --format json --manifest-path "$W/ws/Cargo.toml" \
  >"$W/plan.json" 2>"$W/plan.err" || { tail -20 "$W/plan.err" >&2; die "cargo minaudit failed"; }
secs=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$start" "$(date +%s.%N)")
read -r STATUS BEFORE AFTER CHANGES < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["solver"]["status"], d["current"]["backlog_lines"], d["optimal"]["backlog_lines"], len(d["changes"]))
' "$W/plan.json")
SAME=$(python3 -c '
import json, sys
r, p = (json.load(open(f)) for f in sys.argv[1:3])
keys = ["schema_version", "cost_universe", "current", "optimal", "changes", "solver", "violations"]
missing = [k for k in keys if k not in r]
diff = [k for k in ("current", "optimal", "changes", "solver") if r.get(k) != p.get(k)]
print("yes" if not missing and not diff else f"no: missing {missing}, different {diff}")
' "$W/report.json" "$W/plan.json")
(cd "$W/ws" && cargo metadata --locked --format-version 1 >/dev/null 2>"$W/meta.err") || {
  cat "$W/meta.err" >&2; echo "FAIL: cargo metadata --locked rejects the written lock"; exit 1; }
OUT=$(MINAUDIT_BIN="$MINAUDIT_BIN" "$REPO/scripts/vet-oracle-compare.sh" "$W/ws" 2>&1) || true
VET=$(echo "$OUT" | sed -n 's/^cargo-vet: \([0-9]*\) lines.*/\1/p')
[ -n "$VET" ] || { echo "$OUT" >&2; die "vet-oracle-compare gave no cargo-vet figure"; }
echo "project:    $(basename "$PROJECT") $*"
echo "solver:     $STATUS in ${secs}s (whole command), $CHANGES version changes written"
echo "backlog:    $BEFORE -> $AFTER predicted; cargo vet suggest on the written lock: $VET"
echo "report:     same JSON (current, optimal, changes, solver) as the plan: $SAME"
if [ "$VET" = "$AFTER" ] && [ "$SAME" = yes ]; then echo PASS; else echo FAIL; exit 1; fi

#!/usr/bin/env bash
# perf-compare.sh PROJECT_DIR [RUNS]
#
# Times `cargo minaudit --dry-run` (solve + proof of optimality) against `cargo update
# --dry-run --offline` (Cargo's resolver) and `cargo vet suggest --locked --frozen` on the
# same workspace, in one run, alternating the three commands RUNS times (default 3) with warm
# caches. Prints medians, ratios to cargo, peak memory (max RSS), and for a cold cache the
# bytes minaudit downloads versus the bytes of the .crate files cargo-vet needs for the
# audits it suggests (the from/to versions of every suggested audit: what `cargo vet suggest`
# fetches on a cold cache; measured this way because the crates.io web API cargo-vet
# downloads from is unreachable here). Both sides leave out the versions Cargo.lock holds,
# which `cargo metadata` (run by both tools) puts in Cargo's download cache. It also prints a
# floor no tool reporting the optimum's backlog can go under: the .crate bytes of the
# optimum's own suggested audits (both sides of each), the lock's versions left out too. Line
# counts exist only inside the .crate files (no reachable registry metadata gives them), so
# pricing the optimum alone downloads that much, before any proof that it is optimal.
#
# With MINAUDIT_BASE_BIN (another build, e.g. the previous release) that build's warm runs are
# alternated with the others on the same warm cache, the table gains its row and the ratio of
# the two, and both builds' JSON plans are compared byte for byte.
#
# Never writes to PROJECT_DIR (works on a temp copy). Needs: cargo, cargo-vet 0.10.3 (see
# vet-oracle-compare.sh), python3, GNU time (/usr/bin/time), network for the cold run.
# Environment: MINAUDIT_BIN (default: `cargo build --release` of this repo), MINAUDIT_BASE_BIN.
set -euo pipefail

die() { echo "perf-compare: error: $*" >&2; exit 2; }
[ $# -ge 1 ] || die "usage: $0 PROJECT_DIR [RUNS]"
PROJECT=$(cd "$1" && pwd) || die "no such directory: $1"
RUNS=${2:-3}
[ -x /usr/bin/time ] || die "GNU time (/usr/bin/time) is needed"
command -v cargo-vet >/dev/null || die "cargo-vet is needed (cargo install --locked cargo-vet@0.10.3)"
REPO=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${MINAUDIT_BIN:-}" ]; then
  (cd "$REPO" && cargo build --locked --release --bin cargo-minaudit >&2) || die "cannot build minaudit"
  MINAUDIT_BIN="$REPO/target/release/cargo-minaudit"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/perf-compare.XXXXXX")
trap 'rm -rf "$W"' EXIT
cp -r "$PROJECT/." "$W/ws"
chmod -R u+w "$W/ws"
MCACHE="$W/minaudit-cache"
VCACHE="$W/vet-cache"
mkdir -p "$VCACHE/cache"

# 1. cold minaudit: everything it downloads lands in its fresh cache dir
/usr/bin/time -f "%e %M" -o "$W/cold.time" \
  "$MINAUDIT_BIN" minaudit --dry-run --frozen-imports --format json --cache-dir "$MCACHE" \
  --manifest-path "$W/ws/Cargo.toml" >"$W/cold.json" 2>"$W/cold.err" || {
  tail -20 "$W/cold.err" >&2; die "cargo minaudit failed"; }
M_CRATE_BYTES=$(find "$MCACHE" -name '*.crate' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
M_ALL_BYTES=$(du -sb "$MCACHE" | cut -f1)

# 2. cargo-vet's cache, filled with the .crate files minaudit verified (cargo-vet looks there
# before downloading); the bytes cargo-vet needs are those of the suggested audits' versions.
find "$MCACHE" -name '*.crate' -exec cp -n {} "$VCACHE/cache/" \; 2>/dev/null || true
# the same sum over the optimum's suggested audits: the floor described above. A version
# counts unless the workspace's Cargo.lock holds it (those `cargo metadata` puts in Cargo's
# cache for both tools); its size is read wherever the file is, minaudit's cold cache or
# Cargo's, so crates other projects left in Cargo's cache on this machine still count.
CARGO_CACHE="${CARGO_HOME:-$HOME/.cargo}/registry/cache"
audit_bytes() { # which lock's audits (current, optimal)
python3 - "$W/cold.json" "$1" "$W/ws/Cargo.lock" "$MCACHE" "$CARGO_CACHE" <<'EOF'
import glob, json, os, re, sys
report = json.load(open(sys.argv[1]))
lock_text = open(sys.argv[3]).read()
locked = set(re.findall(r'name = "([^"]+)"\nversion = "([^"]+)"', lock_text))
need = set()
for a in report[sys.argv[2]].get("audits", []):
    need.add((a["crate"], a["version"]))
    if a.get("from"):
        need.add((a["crate"], a["from"]))
total, unknown = 0, []
for name, version in sorted(need - locked):
    file = f"{name}-{version}.crate"
    found = glob.glob(os.path.join(sys.argv[4], "**", file), recursive=True) + glob.glob(
        os.path.join(sys.argv[5], "*", file))
    if found:
        total += os.path.getsize(found[0])
    else:
        unknown.append(f"{name} {version}")
if unknown:
    print(f"perf-compare: no .crate file for {', '.join(unknown)}: not counted", file=sys.stderr)
print(total)
EOF
}
V_NEED_BYTES=$(audit_bytes current)
OPT_FLOOR_BYTES=$(audit_bytes optimal)

# 3. warm runs, alternating
run() { # label, then command
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$W/t" "$@" >/dev/null 2>"$W/err" || {
    tail -20 "$W/err" >&2; die "$label failed"; }
  echo "$label $(cat "$W/t")" >>"$W/warm"
}
# Cargo's resolver may refuse a workspace minaudit handles (librustzcash: a locked version was
# yanked since): then the table says why and gives no ratio, and the other two are still timed.
if ! (cd "$W/ws" && cargo update --dry-run --offline >/dev/null 2>"$W/cargo.err"); then
  grep -m1 '^error' "$W/cargo.err" >"$W/cargo.failed" || echo "error: (no message)" >"$W/cargo.failed"
fi
for _ in $(seq "$RUNS"); do
  [ -e "$W/cargo.failed" ] || (cd "$W/ws" && run cargo cargo update --dry-run --offline)
  (cd "$W/ws" && run vet cargo vet suggest --locked --frozen --cache-dir "$VCACHE")
  (cd "$W/ws" && run minaudit "$MINAUDIT_BIN" minaudit --dry-run --frozen-imports --offline \
    --cache-dir "$MCACHE" --manifest-path "$W/ws/Cargo.toml")
  if [ -n "${MINAUDIT_BASE_BIN:-}" ]; then
    (cd "$W/ws" && run base "$MINAUDIT_BASE_BIN" minaudit --dry-run --frozen-imports --offline \
      --cache-dir "$MCACHE" --manifest-path "$W/ws/Cargo.toml")
  fi
done
: >"$W/same"
if [ -n "${MINAUDIT_BASE_BIN:-}" ]; then
  for side in new base; do
    bin=$MINAUDIT_BIN
    [ "$side" = base ] && bin=$MINAUDIT_BASE_BIN
    "$bin" minaudit --dry-run --frozen-imports --offline --format json --cache-dir "$MCACHE" \
      --manifest-path "$W/ws/Cargo.toml" 2>/dev/null >"$W/plan.$side.json" || die "$bin failed"
  done
  if cmp -s "$W/plan.new.json" "$W/plan.base.json"; then
    echo "same JSON plan from both builds" >"$W/same"
  else
    echo "DIFFERENT JSON plans from the two builds" >"$W/same"
  fi
fi

python3 - "$W/warm" "$W/cold.time" "$W/cold.json" "$M_CRATE_BYTES" "$M_ALL_BYTES" "$V_NEED_BYTES" "$(basename "$PROJECT")" "$W/cargo.failed" "$OPT_FLOOR_BYTES" "$W/same" <<'EOF'
import json, os, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
failed = open(sys.argv[8]).read().strip() if os.path.exists(sys.argv[8]) else None
med = {}
for label in ("cargo", "vet", "minaudit", "base"):
    ts = [float(r[1]) for r in rows if r[0] == label]
    if not ts:
        continue
    rss = [int(r[2]) for r in rows if r[0] == label]
    med[label] = (statistics.median(ts), max(rss) / 1024)
cold_s, cold_kb = open(sys.argv[2]).read().split()
rep = json.load(open(sys.argv[3]))
m_crates, m_all, v_need = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
print(f"## {sys.argv[7]}: solver {rep['solver']['status']}, backlog {rep['current']['backlog_lines']:,} -> {rep['optimal']['backlog_lines']:,} lines")
print("| command (warm, median) | seconds | × cargo update | peak MiB |")
print("|---|---:|---:|---:|")
names = {"cargo": "`cargo update --dry-run --offline`", "vet": "`cargo vet suggest --locked --frozen`",
         "minaudit": "`cargo minaudit --dry-run --offline`",
         "base": "`cargo minaudit --dry-run --offline`, MINAUDIT_BASE_BIN"}
for k in ("cargo", "vet", "minaudit", "base"):
    if k == "base" and k not in med:
        continue
    if k not in med:
        print(f"| {names[k]} | fails: {failed} | | |")
        continue
    t, mib = med[k]
    ratio = f"{t / med['cargo'][0]:.1f}" if "cargo" in med else "—"
    print(f"| {names[k]} | {t:.2f} | {ratio} | {mib:.0f} |")
print(f"| cold `cargo minaudit --dry-run` | {float(cold_s):.1f} | | {int(cold_kb) / 1024:.0f} |")
if "base" in med:
    same = open(sys.argv[10]).read().strip()
    print(f"\nthis build / MINAUDIT_BASE_BIN, warm: {med['minaudit'][0] / med['base'][0]:.2f}x the time, "
          f"peak {med['minaudit'][1]:.0f} / {med['base'][1]:.0f} MiB; {same}")
ratio = m_crates / v_need if v_need else float('nan')
print(f"\ncold downloads: minaudit {m_crates / 2**20:.1f} MiB of .crate files ({m_all / 2**20:.1f} MiB cache incl. index); "
      f"cargo vet suggest needs {v_need / 2**20:.1f} MiB of .crate files; ratio {ratio:.2f}")
floor = int(sys.argv[9])
need = f"{floor / v_need:.1f}× what cargo vet suggest needs" if v_need else "cargo vet suggest needs none"
print(f"floor: the optimum's own suggested audits need {floor / 2**20:.2f} MiB of .crate files ({need})")
EOF

#!/usr/bin/env bash
# vet-oracle-compare.sh PROJECT_DIR [--import NAME=PATH ...]
#
# Opt-in check of `cargo minaudit report` against cargo-vet 0.10.3 on any workspace with a
# cargo-vet store. Prints both backlogs, both run times and PASS (equal) or FAIL.
#
#  1. installs cargo-vet 0.10.3 (`cargo install --locked cargo-vet@0.10.3`) if it is missing;
#  2. copies PROJECT_DIR to a temp dir (the original is never written);
#  3. runs `cargo minaudit report --format json` with a fresh --cache-dir:
#     without --import: `--frozen-imports` (imports.lock only, the universe of `cargo vet --locked`);
#     with --import NAME=PATH: those whole audit files (every import of config.toml must be given,
#     so that no URL is fetched and both tools see the same files);
#  4. with --import, rewrites the copy's imports.lock so that each given import's audits are
#     exactly the entries of its file (replacing the lock's, as an online cargo-vet and
#     minaudit's --import do; criteria mapped to the built-in ones the way cargo-vet imports
#     them), so `cargo vet --locked` sees the same universe minaudit was given;
#  5. fills a FRESH cargo-vet --cache-dir (`<dir>/cache/<name>-<version>.crate`, where cargo-vet
#     looks before downloading from the crates.io web API, which is unreachable here) with the
#     .crate files minaudit used: its own download cache plus cargo's cache for locked packages.
#     Every copied file is SHA-256 checked (Cargo.lock checksum, else the index.crates.io cksum)
#     because cargo-vet itself never checks;
#  6. runs `cargo vet suggest --locked` and FAILS LOUDLY if cargo-vet logged any failed
#     download (cargo-vet would otherwise price that audit as 0 lines and exit 0).
#
# Environment: MINAUDIT_BIN (default: build this repo's binary with `cargo build --locked`),
# KEEP_WORKDIR=1 keeps the temp dir. Exit: 0 PASS, 1 FAIL (figures differ), 2 setup error.
set -euo pipefail

die() { echo "vet-oracle-compare: error: $*" >&2; exit 2; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

[ $# -ge 1 ] || die "usage: $0 PROJECT_DIR [--import NAME=PATH ...]"
PROJECT=$(cd "$1" && pwd) || die "no such directory: $1"
shift
IMPORTS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --import) [ $# -ge 2 ] || die "--import needs NAME=PATH"; IMPORTS+=("$2"); shift 2 ;;
    --import=*) IMPORTS+=("${1#--import=}"); shift ;;
    *) die "unknown argument: $1" ;;
  esac
done
[ -f "$PROJECT/Cargo.lock" ] || die "$PROJECT has no Cargo.lock"
[ -d "$PROJECT/supply-chain" ] || die "$PROJECT has no supply-chain/ (cargo-vet store)"
command -v git >/dev/null || die "git is needed (both tools count lines with git diff)"
command -v python3 >/dev/null || die "python3 is needed"

REPO=$(cd "$(dirname "$0")/.." && pwd)
VET_VERSION=0.10.3

# 1. cargo-vet
if ! cargo vet --version 2>/dev/null | grep -qx "cargo-vet $VET_VERSION"; then
  echo "installing cargo-vet $VET_VERSION (cargo install --locked cargo-vet@$VET_VERSION) ..." >&2
  cargo install --locked "cargo-vet@$VET_VERSION" >&2 || die "cannot install cargo-vet $VET_VERSION"
fi

# minaudit
if [ -z "${MINAUDIT_BIN:-}" ]; then
  MINAUDIT_BIN=$(cd "$REPO" && cargo build --locked --bin cargo-minaudit --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable"):
        print(m["executable"])') || die "cannot build cargo-minaudit in $REPO"
fi
[ -x "$MINAUDIT_BIN" ] || die "no minaudit binary (MINAUDIT_BIN=$MINAUDIT_BIN)"

# 2. copy
W=$(mktemp -d "${TMPDIR:-/tmp}/vet-oracle-compare.XXXXXX")
if [ "${KEEP_WORKDIR:-0}" = 1 ]; then echo "work dir: $W" >&2; else trap 'rm -rf "$W"' EXIT; fi
COPY="$W/project"
mkdir -p "$COPY"
cp -r "$PROJECT/." "$COPY/"
chmod -R u+w "$COPY"
MCACHE="$W/minaudit-cache"
VCACHE="$W/vet-cache"
mkdir -p "$MCACHE" "$VCACHE/cache"

# 3. minaudit
MARGS=(minaudit report --no-optimum --format json --cache-dir "$MCACHE" --manifest-path "$COPY/Cargo.toml")
if [ ${#IMPORTS[@]} -eq 0 ]; then
  MARGS+=(--frozen-imports)
  UNIVERSE="imports.lock"
else
  for spec in "${IMPORTS[@]}"; do
    name=${spec%%=*}; path=${spec#*=}
    [ "$name" != "$spec" ] || die "--import $spec: expected NAME=PATH"
    [ -f "$path" ] || die "--import $spec: no such file"
    MARGS+=(--import "$name=$(cd "$(dirname "$path")" && pwd)/$(basename "$path")")
  done
  UNIVERSE="imports: ${IMPORTS[*]}"
  # Every import of config.toml must be given, or minaudit would fetch it from its URL while
  # cargo-vet (--locked) would only see imports.lock for it: different universes.
  python3 - "$COPY/supply-chain/config.toml" "${IMPORTS[@]}" <<'EOF' || exit 2
import sys, tomllib
config = tomllib.load(open(sys.argv[1], "rb"))
given = {s.split("=", 1)[0] for s in sys.argv[2:]}
missing = sorted(set(config.get("imports", {})) - given)
if missing:
    sys.exit("vet-oracle-compare: error: config.toml imports %s but no --import was given for it; "
             "give every import so both tools see the same audit files" % ", ".join(missing))
EOF
fi
echo "minaudit: $MINAUDIT_BIN ${MARGS[*]}" >&2
t0=$(now)
(cd "$COPY" && "$MINAUDIT_BIN" "${MARGS[@]}" >"$W/minaudit.json" 2>"$W/minaudit.err") || {
  cat "$W/minaudit.err" >&2; die "cargo minaudit report failed"; }
t1=$(now)
M_TIME=$(elapsed "$t0" "$t1")
M_LINES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["current"]["backlog_lines"])' "$W/minaudit.json")

# 4. the same universe for cargo-vet
if [ ${#IMPORTS[@]} -gt 0 ]; then
  python3 - "$COPY/supply-chain/imports.lock" "${IMPORTS[@]}" <<'EOF' || die "cannot merge the import files into imports.lock"
# Rewrites imports.lock so that, per given import, its audits are exactly the importable
# entries of the given audits.toml (what cargo-vet holds in memory after fetching the import
# online, and what minaudit's --import uses: the file REPLACES the lock's audits of that
# import, which may be older and include audits the live file no longer has). Publisher and
# unpublished rows are kept. Foreign criteria are mapped like cargo-vet does without a
# criteria-map: closure under `implies`, keep the built-in ones.
import datetime, json, sys, tomllib

BUILTIN = ("safe-to-deploy", "safe-to-run")

def as_list(x):
    return [x] if isinstance(x, str) else list(x or [])

def local_criteria(criteria, foreign):
    seen, todo = set(), as_list(criteria)
    while todo:
        c = todo.pop()
        if c not in seen:
            seen.add(c)
            todo.extend(as_list(foreign.get(c, {}).get("implies")))
    # safe-to-deploy implies safe-to-run: name only the strongest.
    return [c for c in BUILTIN if c in seen][:1]

def lit(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(lit(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join("%s = %s" % (name(k), lit(x)) for k, x in v.items()) + " }"
    raise TypeError("unsupported TOML value %r" % (v,))

def name(k):
    return k if k and all(c.isalnum() or c in "-_" for c in k) else json.dumps(k)

lines, written = [], set()
def emit(header, body, array):
    sig = (header, json.dumps(body, sort_keys=True, default=str))
    if sig in written:
        return
    written.add(sig)
    lines.append(("[[%s]]" if array else "[%s]") % header)
    lines.extend("%s = %s" % (name(k), lit(v)) for k, v in body.items())
    lines.append("")

lock_path = sys.argv[1]
lock = tomllib.load(open(lock_path, "rb"))
for top in ("publisher", "unpublished"):
    for krate, rows in lock.get(top, {}).items():
        for row in rows:
            emit("%s.%s" % (top, name(krate)), row, True)
given = {spec.split("=", 1)[0] for spec in sys.argv[2:]}
for imp, tables in lock.get("audits", {}).items():
    for section in ("audits", "wildcard-audits", "trusted"):
        if imp in given:
            continue  # replaced by the given file below
        for krate, rows in tables.get(section, {}).items():
            for row in rows:
                emit("audits.%s.%s.%s" % (name(imp), section, name(krate)), row, True)
    for crit, body in tables.get("criteria", {}).items():
        emit("audits.%s.criteria.%s" % (name(imp), name(crit)), body, False)
for spec in sys.argv[2:]:
    imp, path = spec.split("=", 1)
    source = tomllib.load(open(path, "rb"))
    foreign = source.get("criteria", {})
    count = 0
    for section in ("audits", "wildcard-audits", "trusted"):
        for krate, rows in source.get(section, {}).items():
            for row in rows:
                if row.get("importable") is False:
                    continue
                crit = local_criteria(row.get("criteria"), foreign)
                if not crit and "violation" not in row:
                    continue  # maps to no local criteria: cargo-vet drops it on import
                row = dict(row, criteria=crit[0] if len(crit) == 1 else crit)
                emit("audits.%s.%s.%s" % (name(imp), section, name(krate)), row, True)
                count += 1
    if count == 0:
        lines.append("[audits.%s.audits]\n" % name(imp))
    print("merged %d entries of %s (%s)" % (count, imp, path), file=sys.stderr)
with open(lock_path, "w") as f:
    f.write("\n# cargo-vet imports lock\n\n" + "\n".join(lines))
EOF
  (cd "$COPY" && cargo vet fmt >/dev/null 2>"$W/fmt.err") || { cat "$W/fmt.err" >&2; die "cargo vet fmt rejected the merged imports.lock"; }
fi

# 5. cargo-vet's crate cache: what minaudit could have read (its download cache, and cargo's cache
# for every crate name in the lock), each file SHA-256 checked (Cargo.lock checksum, else the
# index.crates.io cksum) because cargo-vet never checks. `fill_cache LOG...` instead fetches the
# crates those cargo-vet logs say failed to download, from static.crates.io (checked the same way).
fill_cache() {
python3 - "$COPY/Cargo.lock" "$MCACHE/crates" "${CARGO_HOME:-$HOME/.cargo}/registry/cache" "$VCACHE/cache" "$@" <<'EOF'
import concurrent.futures, hashlib, json, os, re, sys, tomllib, urllib.request
lock_path, ours, cargo_cache, dest = sys.argv[1:5]
logs = sys.argv[5:]
locked, names = {}, set()
for p in tomllib.load(open(lock_path, "rb")).get("package", []):
    if p.get("source", "").startswith("registry+") and "checksum" in p:
        names.add(p["name"])
        locked["%s-%s.crate" % (p["name"], p["version"])] = p["checksum"]

def split(f):
    stem = f[: -len(".crate")]
    for i, c in enumerate(stem):
        if c == "-" and i + 1 < len(stem) and stem[i + 1].isdigit():
            return stem[:i], stem[i + 1 :]
    return stem, ""

def index_path(n):
    n = n.lower()
    return {1: "1/" + n, 2: "2/" + n, 3: "3/%s/%s" % (n[0], n)}.get(len(n), "%s/%s/%s" % (n[:2], n[2:4], n))

def get(url):
    for attempt in range(3):
        try:
            return urllib.request.urlopen(url, timeout=120).read()
        except Exception:
            if attempt == 2:
                raise

def index_of(name):
    body = get("https://index.crates.io/" + index_path(name)).decode()
    return name, {e["vers"]: e["cksum"] for e in map(json.loads, body.splitlines()) if e}

files = {}  # file name -> where its bytes come from (path or URL)
if logs:
    pat = re.compile(r"https://crates\.io/api/v1/crates/([A-Za-z0-9_\-]+)/([^/\s]+)/download")
    for log in logs:
        for m in pat.finditer(open(log, errors="replace").read()):
            n, v = m.groups()
            files["%s-%s.crate" % (n, v)] = "https://static.crates.io/crates/%s/%s-%s.crate" % (n, n, v)
    for f in sorted(files):
        print("cargo-vet also needed %s, which was not in minaudit's or cargo's cache; fetching it" % f, file=sys.stderr)
else:
    if os.path.isdir(cargo_cache):
        for reg in sorted(os.listdir(cargo_cache)):
            if reg.startswith("index.crates.io-") or reg.startswith("github.com-"):
                d = os.path.join(cargo_cache, reg)
                for f in os.listdir(d):
                    if f.endswith(".crate") and split(f)[0] in names:
                        files.setdefault(f, os.path.join(d, f))
    if os.path.isdir(ours):
        for f in os.listdir(ours):
            if f.endswith(".crate"):
                files[f] = os.path.join(ours, f)
need_index = sorted({split(f)[0] for f in files if f not in locked})
with concurrent.futures.ThreadPoolExecutor(16) as pool:
    index = dict(pool.map(index_of, need_index))
bad = copied = 0
for f, src in sorted(files.items()):
    data = get(src) if src.startswith("https://") else open(src, "rb").read()
    got = hashlib.sha256(data).hexdigest()
    name, version = split(f)
    want = locked.get(f) or index.get(name, {}).get(version)
    if want != got:
        print("checksum mismatch for %s: expected %s, got %s (%s)" % (f, want, got, src), file=sys.stderr)
        bad += 1
        continue
    tmp = os.path.join(dest, f + ".tmp")
    with open(tmp, "wb") as out:
        out.write(data)
    os.rename(tmp, os.path.join(dest, f))
    copied += 1
print("cargo-vet cache: %d crate files placed (SHA-256 checked)" % copied, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
fill_cache || die "cannot fill cargo-vet's crate cache"

# 6. cargo-vet. A run that logs a failed download is never accepted: its figure would be too
# small (cargo-vet prices the failure as 0 lines and exits 0). Crates cargo-vet needed beyond
# those are fetched (checksum checked, and listed) and cargo-vet runs again; the timed run is
# the last one, started from a cache holding only the .crate files (no diff cache).
failed_downloads() {
  cat "$W/vet.out" "$W/vet.err" "$W/vet.log" 2>/dev/null |
    grep -E 'failed to start download|error downloading|failed to download' || true
}
for round in 1 2 3 4; do
  find "$VCACHE" -mindepth 1 -maxdepth 1 ! -name cache -exec rm -rf {} +
  rm -f "$W/vet.log"
  t0=$(now)
  set +e
  (cd "$COPY" && cargo vet suggest --locked --cache-dir "$VCACHE" --log-file "$W/vet.log" --verbose info \
    >"$W/vet.out" 2>"$W/vet.err")
  VET_RC=$?
  set -e
  t1=$(now)
  FAILED=$(failed_downloads)
  [ -n "$FAILED" ] || break
  echo "cargo-vet run $round: $(echo "$FAILED" | grep -c .) log lines about failed downloads" >&2
  [ "$round" -lt 4 ] || break
  fill_cache "$W/vet.out" "$W/vet.err" "$W/vet.log" || die "cannot fetch the crates cargo-vet needs"
done
V_TIME=$(elapsed "$t0" "$t1")
if [ -n "$FAILED" ]; then
  echo "$FAILED" | head -20 >&2
  die "cargo-vet still logs failed downloads; its figure would be too small, not comparing"
fi
V_LINES=$(grep -h 'estimated audit backlog' "$W/vet.out" | grep -Eo '[0-9][0-9,]*' | head -1 | tr -d , || true)
if [ -z "$V_LINES" ]; then
  cat "$W/vet.out" "$W/vet.err" >&2
  die "cargo vet suggest printed no backlog (exit $VET_RC)"
fi

echo "project:   $PROJECT"
echo "universe:  $UNIVERSE"
printf 'minaudit:  %s lines (%s s)\n' "$M_LINES" "$M_TIME"
printf 'cargo-vet: %s lines (%s s)\n' "$V_LINES" "$V_TIME"
if [ "$M_LINES" = "$V_LINES" ]; then
  echo "PASS"
else
  echo "FAIL: minaudit $M_LINES != cargo-vet $V_LINES"
  exit 1
fi

#!/usr/bin/env bash
# usage: scripts/policy-oracle.sh PROJECT_DIR [CRATE.KEY=VALUE ...]
#
# Copies a workspace, adds cargo-vet policy lines to its supply-chain/config.toml (e.g.
# 'fuzz-member.criteria=[]', 'orbclient.criteria=[]', 'tool.criteria="safe-to-run"',
# 'app.dependency-criteria={ foo = ["safe-to-run"] }'), lets `cargo minaudit --frozen-imports`
# rewrite its Cargo.lock, then has cargo-vet 0.10.3 price the written lock
# (VET_ORACLE, default ../shared/oracle/vet_oracle.sh). Prints both figures; exits 1 when they
# differ. Needs the network for crate downloads (or warm caches) and cargo-vet installed.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
P=$(cd "$1" && pwd); shift
ORACLE=${VET_ORACLE:-$here/../shared/oracle/vet_oracle.sh}
BIN=${MINAUDIT_BIN:-$here/target/release/cargo-minaudit}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
cp -r "$P/." "$W/"
for spec in "$@"; do
  python3 - "$W/supply-chain/config.toml" "$spec" <<'EOF'
import re, sys
path, spec = sys.argv[1], sys.argv[2]
target, value = spec.split("=", 1)
krate, key = target.split(".", 1)
text = open(path).read()
header = f"[policy.{krate}]" if re.fullmatch(r"[A-Za-z0-9_-]+", krate) else f'[policy."{krate}"]'
line = f"{key} = {value}\n"
if header in text:
    text = text.replace(header + "\n", header + "\n" + line, 1)
else:
    text = text.rstrip("\n") + f"\n\n{header}\n{line}"
open(path, "w").write(text)
EOF
done
cd "$W"
out=$("$BIN" minaudit --frozen-imports --format json)
ours=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["optimal"]["backlog_lines"])' <<<"$out")
current=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["current"]["backlog_lines"])' <<<"$out")
theirs=$("$ORACLE" "$W")
echo "$(basename "$P") $*: current $current, minaudit optimum $ours, cargo vet suggest on the written lock $theirs"
[ "$ours" = "$theirs" ]

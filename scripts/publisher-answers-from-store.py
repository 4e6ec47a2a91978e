#!/usr/bin/env python3
"""Reconstructs crates.io API answers (`/api/v1/crates/NAME`) for the crates of a project whose
versions a wildcard audit or a local trusted entry could cover, where the API itself cannot be
reached. They are estimates, not crates.io's records:

- a version is listed only when its publish date is known: the index's `pubtime` (lines
  published since 2025), else the date of an imports.lock `[[publisher.NAME]]` row;
- its publisher is the imports.lock row's when there is one; else that of the crate's row
  nearest in date; else the publisher named by a wildcard/trusted entry whose range holds the
  date (such an entry exists because that publisher releases the crate); else none.

Versions left out stay "not covered" in minaudit (it counts them as unchecked).

usage: publisher-answers-from-store.py PROJECT_DIR OUT_DIR [NAME=AUDITS_TOML ...]
"""

import json
import os
import sys
import tomllib
import urllib.request


def index_path(name):
    n = name.lower()
    if len(n) <= 2:
        return f"{len(n)}/{n}"
    if len(n) == 3:
        return f"3/{n[0]}/{n}"
    return f"{n[0:2]}/{n[2:4]}/{n}"


def index_versions(name):
    url = f"https://index.crates.io/{index_path(name)}"
    with urllib.request.urlopen(url, timeout=30) as r:
        lines = r.read().decode().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def source_of(entry):
    if "user-id" in entry:
        return ("user", entry["user-id"])
    return ("tp", entry["trusted-publisher"])


def main():
    project, out_dir = sys.argv[1], sys.argv[2]
    peers = dict(a.split("=", 1) for a in sys.argv[3:])
    sc = os.path.join(project, "supply-chain")
    audits = tomllib.load(open(os.path.join(sc, "audits.toml"), "rb"))
    imports = tomllib.load(open(os.path.join(sc, "imports.lock"), "rb"))
    lock = tomllib.load(open(os.path.join(project, "Cargo.lock"), "rb"))
    names = sorted({
        p["name"] for p in lock["package"]
        if p.get("source", "").startswith("registry+")
    })
    entries = {}
    for f in [audits] + [tomllib.load(open(p, "rb")) for p in peers.values()]:
        for k, es in f.get("wildcard-audits", {}).items():
            entries.setdefault(k, []).extend(es)
    for k, es in audits.get("trusted", {}).items():
        entries.setdefault(k, []).extend(es)
    rows = imports.get("publisher", {})
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        if name not in entries:
            continue
        known = {r["version"]: r for r in rows.get(name, [])}
        versions = []
        for line in index_versions(name):
            num = line["vers"]
            row = known.get(num)
            if row is not None:
                when = str(row["when"])
            elif line.get("pubtime"):
                when = line["pubtime"][:10]
            else:
                continue
            publisher = None
            if row is not None:
                publisher = row
            elif known:
                publisher = min(known.values(),
                                key=lambda r: abs(_days(str(r["when"])) - _days(when)))
            else:
                for e in entries[name]:
                    if str(e["start"]) <= when < str(e["end"]):
                        publisher = e
                        break
            v = {"num": num, "created_at": f"{when}T12:00:00.000000Z",
                 "published_by": None, "trustpub_data": None}
            if publisher is not None:
                kind, ident = source_of(publisher)
                if kind == "user":
                    v["published_by"] = {"id": ident,
                                         "login": publisher.get("user-login", f"user{ident}"),
                                         "name": publisher.get("user-name")}
                else:
                    org_repo = ident.removeprefix("github:")
                    v["trustpub_data"] = {"provider": "github", "repository": org_repo}
            versions.append(v)
        answer = {"crate": {"name": name, "description": None, "repository": None},
                  "versions": versions}
        with open(os.path.join(out_dir, f"{name}.json"), "w") as f:
            json.dump(answer, f, separators=(",", ":"))
        print(f"{name}: {len(versions)} versions with a known date")


def _days(date):
    y, m, d = (int(x) for x in date[:10].split("-"))
    return y * 372 + m * 31 + d


if __name__ == "__main__":
    main()

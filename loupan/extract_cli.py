"""`loupan extract --json FILE [--published DATE]`: one report in, its extraction as JSON out."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

from loupan.errors import LoupanError
from loupan.ingest.extract import extract
from loupan.ingest.reading import read_text


def _published_from_index(path: Path) -> str | None:
    index = path.parent / "index.json"
    if not index.is_file():
        return None
    try:
        rows = json.loads(index.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and row.get("file") == path.name:
            m = re.match(r"\s*(\d{4}(?:-\d{2}(?:-\d{2})?)?)", str(row.get("publication_date") or ""))
            return m.group(1) if m else None
    return None


def run(args: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="loupan extract", description="Extract entities and relations from a report.")
    ap.add_argument("--json", action="store_true", help="print the extraction as JSON (the only format for now)")
    ap.add_argument("--published", help="publication date (ISO, may be partial: 2022-07) for relative dates")
    ap.add_argument("file", help="report file (text or HTML), or - for stdin")
    ns = ap.parse_args(args)
    published = ns.published
    if published is None and ns.file != "-":
        published = _published_from_index(Path(ns.file))
    try:
        text = read_text(ns.file)
    except LoupanError as e:
        print(f"loupan extract: {e}", file=sys.stderr)
        return 2
    result = extract(text, published=published)
    json.dump(result.to_json(), sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(run(sys.argv[1:]))

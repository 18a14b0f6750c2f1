"""``loupan review``: the entity-resolution review queue on the command line.

    loupan review [--type T] [--first N]          list candidates, one JSON object per line
    loupan review --accept ID_A ID_B [--reason R] [--who NAME]   the pair is one entity (merges it)
    loupan review --reject ID_A ID_B [--reason R] [--who NAME]   the pair is two entities, for good
    loupan review --split ID [--reason R] [--who NAME]           undo a merge (merged-away id or change id)

Candidates and outcomes go to stdout as JSON lines; messages to stderr.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from loupan.config import load_settings
from loupan.errors import LoupanError


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="loupan review", description="List and decide entity-resolution candidates.")
    p.add_argument("--store", help="bolt:// or neo4j:// URI, or a directory for the embedded store")
    p.add_argument("--data-dir", type=Path, help="directory of the embedded store")
    p.add_argument("--type", help="only candidates of this entity type (Project, Developer, Agency, Person)")
    p.add_argument("--first", type=int, default=50, help="how many candidates to list (default 50)")
    act = p.add_mutually_exclusive_group()
    act.add_argument("--accept", nargs=2, metavar=("ID_A", "ID_B"), help="judge the pair the same (merges it)")
    act.add_argument("--reject", nargs=2, metavar=("ID_A", "ID_B"), help="judge the pair not the same")
    act.add_argument("--split", metavar="ID", help="undo the merge of ID (a merged-away id or a merge change id)")
    p.add_argument("--reason", default="", help="why (recorded with the decision)")
    p.add_argument("--who", help="who decides (default: the login name)")
    return p


def run(argv: list[str]) -> int:
    from loupan.graph import open_store
    from loupan.graph.merge import split
    from loupan.ingest.resolve import decide, review_queue

    args = parser().parse_args(argv)
    overrides: dict[str, object] = {"data_dir": args.data_dir}
    if args.store:
        overrides["neo4j_uri" if "://" in args.store else "data_dir"] = (
            args.store if "://" in args.store else Path(args.store))
    settings = load_settings(**overrides)
    who = args.who or getpass.getuser()
    deciding = args.accept or args.reject or args.split
    if deciding and not args.reason:
        print("loupan review: say why with --reason; the reason is kept with the decision", file=sys.stderr)
        return 2
    try:
        with open_store(settings, read_only=not deciding and not settings.neo4j_uri) as store:
            if args.split:
                change = split(store, args.split, who, args.reason)
                print(json.dumps({"action": change.action, "change": change.id, "restored": change.payload["restored"],
                                  "into": change.payload["into"], "who": who}, ensure_ascii=False))
                return 0
            if deciding:
                a, b = args.accept or args.reject
                done = decide(store, a, b, "same" if args.accept else "not_same", who, args.reason)
                print(json.dumps({"action": done.change.action, "change": done.change.id, "decision":
                                  done.judgement.decision, "a": a, "b": b, "into": done.into, "who": who},
                                 ensure_ascii=False))
                return 0
            items = review_queue(store, args.type, args.first)
            names = store.get_nodes([x for i in items for x in (i.a, i.b)])
            for item in items:
                print(json.dumps({"a": item.a, "a_name": names[item.a].name, "b": item.b, "b_name": names[item.b].name,
                                  "score": round(item.score, 1), "features": item.features,
                                  "judgement": item.judgement.id}, ensure_ascii=False))
            print(f"{len(items)} candidates", file=sys.stderr)
            return 0
    except LoupanError as e:
        print(f"loupan review: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))

"""The one command-line entry point, ``loupan``.

Machine output (JSON lines, extraction JSON) goes to stdout; human messages to stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import resources
from pathlib import Path

from loupan.config import Settings, load_settings
from loupan.errors import LoupanError


def _settings(args: argparse.Namespace) -> Settings:
    store = getattr(args, "store", None)
    overrides: dict[str, object] = {"data_dir": getattr(args, "data_dir", None)}
    if store:
        if "://" in store:
            overrides["neo4j_uri"] = store
        else:
            overrides["data_dir"] = Path(store)
    return load_settings(**overrides)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def sample_dir() -> Path:
    return Path(str(resources.files("loupan").joinpath("sample")))


def cmd_ingest(args: argparse.Namespace) -> int:
    from loupan.graph import open_store
    from loupan.ingest.pipeline import Ingestor, default_progress

    settings = _settings(args)
    paths = args.paths or []
    if not paths:
        _say("loupan ingest: name at least one file or directory")
        return 2
    with open_store(settings) as store:
        before = store.counts()
        ingestor = Ingestor(store, progress=None if args.quiet else default_progress)
        summary = ingestor.ingest_paths(paths)
        after = store.counts()
    for err in summary.errors:
        _say(f"error: {err.source}: {err.problem}")
    if not args.quiet:
        for source, problem in summary.warnings:
            _say(f"warning: {source}: {problem}")
        _say(f"ingested {summary.reports} reports and {summary.records} records from {summary.files} files "
             f"into the {settings.store_description}: nodes {before[0]} → {after[0]}, "
             f"relationships {before[1]} → {after[1]}; {len(summary.errors)} inputs rejected")
    if args.json:
        print(json.dumps({**summary.to_json(), "nodes": after[0], "relationships": after[1]}, ensure_ascii=False))
    return 1 if summary.errors else 0


def cmd_extract(args: argparse.Namespace) -> int:
    from loupan.extract_cli import run

    argv = ["--json"] if args.json else []
    if args.published:
        argv += ["--published", args.published]
    return int(run([*argv, args.file]))


def cmd_export(args: argparse.Namespace) -> int:
    from loupan.graph import open_store
    from loupan.graph.export import export_lines

    settings = _settings(args)
    out = open(args.output, "w", encoding="utf-8") if args.output else sys.stdout  # noqa: SIM115
    count = 0
    try:
        with open_store(settings, read_only=not settings.neo4j_uri) as store:
            for line in export_lines(store):
                out.write(line + "\n")
                count += 1
    finally:
        if args.output:
            out.close()
    _say(f"exported {count} lines from the {settings.store_description}")
    return 0


def _serve(settings: Settings, host: str, port: int, store: object = None) -> None:
    import uvicorn

    from loupan.api.app import create_app

    app = create_app(settings, store)  # type: ignore[arg-type]
    _say(f"serving the {settings.store_description}")
    _say(f"  GraphQL:  http://{host}:{port}/graphql")
    _say(f"  explorer: http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def cmd_serve(args: argparse.Namespace) -> int:
    _serve(_settings(args), args.host, args.port)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from loupan.graph import open_store
    from loupan.ingest.pipeline import Ingestor

    settings = _settings(args)
    sample = sample_dir()
    _say(f"ingesting the bundled sample ({sample}) into the {settings.store_description} …")
    store = open_store(settings)
    summary = Ingestor(store).ingest_paths([sample / "records", sample / "news"])
    nodes, rels = store.counts()
    _say(f"  {summary.reports} reports, {summary.records} records → {nodes} nodes, {rels} relationships"
         + (f"; {len(summary.errors)} inputs rejected" if summary.errors else ""))
    for err in summary.errors:
        _say(f"  error: {err.source}: {err.problem}")
    try:
        _serve(settings, args.host, args.port, store)
    finally:
        store.close()
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from loupan.api.schema import schema

    sdl = schema.as_str() + "\n"
    if args.output == "-":
        sys.stdout.write(sdl)
    else:
        Path(args.output).write_text(sdl, encoding="utf-8")
        _say(f"wrote the GraphQL SDL to {args.output}")
    return 0


def cmd_apikey(args: argparse.Namespace) -> int:
    from loupan.api.auth import ROLES, hash_key, new_key

    if args.role not in ROLES:
        _say(f"loupan apikey: role must be one of {', '.join(ROLES)}")
        return 2
    key = new_key()
    _say("give the key to its holder; put the entry into LOUPAN_API_KEYS (comma-separated); the key itself "
         "is not stored anywhere")
    print(f"key:   {key}")
    print(f"entry: {args.name}:{args.role}:{hash_key(key)}")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    from loupan.graph import open_store
    from loupan.graph.copy import copy_store

    def target(spec: str) -> Settings:
        return load_settings(neo4j_uri=spec) if "://" in spec else load_settings(data_dir=Path(spec), neo4j_uri="")

    with open_store(target(args.source)) as src, open_store(target(args.target)) as dst:
        nodes, edges = copy_store(src, dst)
    _say(f"copied {nodes} nodes and {edges} relationships from {args.source} to {args.target}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="loupan", description="A knowledge graph of troubled housing projects.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store", help="bolt:// or neo4j:// URI for Neo4j, or a directory for the embedded "
                                       "store (default: $LOUPAN_NEO4J_URI, else $LOUPAN_DATA_DIR or ./loupan-data)")
        p.add_argument("--data-dir", type=Path, help="directory of the embedded store")
        return p

    p = with_store(sub.add_parser("ingest", help="ingest report and record files or directories"))
    p.add_argument("paths", nargs="*", help="files or directories (.txt .html .md .json .jsonl .csv)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress, only errors")
    p.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("extract", help="extract entities and relations from one report")
    p.add_argument("file", help="a text or HTML file, or - for standard input")
    p.add_argument("--json", action="store_true", help="print the extraction as JSON (the default)")
    p.add_argument("--published", help="publication date (ISO) to resolve relative dates against")
    p.set_defaults(func=cmd_extract)

    p = with_store(sub.add_parser("export", help="export every node and relationship"))
    p.add_argument("--format", choices=["jsonl"], default="jsonl")
    p.add_argument("--output", "-o", help="file to write (default: standard output)")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("schema", help="export the GraphQL SDL")
    p.add_argument("--output", "-o", default="schema/schema.graphql", help="file, or - for standard output")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser("apikey", help="make an API key and print its LOUPAN_API_KEYS entry")
    p.add_argument("name")
    p.add_argument("role", help="reader, editor or admin")
    p.set_defaults(func=cmd_apikey)

    p = sub.add_parser("copy", help="copy every node, relationship and judgement from one store into another")
    p.add_argument("source", help="directory of an embedded store, or a bolt:// / neo4j:// URI")
    p.add_argument("target", help="directory of an embedded store, or a bolt:// / neo4j:// URI")
    p.set_defaults(func=cmd_copy)

    p = sub.add_parser("review", help="the entity-resolution review queue (see `loupan review --help`)",
                       add_help=False)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=lambda _args: 2)  # never reached: main() hands `review` to its own parser

    for name, func, text in (("serve", cmd_serve, "serve the GraphQL API and the explorer page"),
                             ("demo", cmd_demo, "ingest the bundled sample, then serve")):
        p = with_store(sub.add_parser(name, help=text))
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["review"]:  # its own parser: options before and after the subcommand
        from loupan.review_cli import run

        return int(run(argv[1:]))
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except LoupanError as e:
        _say(f"loupan {args.command}: {e}")
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

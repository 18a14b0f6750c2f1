"""The one command-line entry point, ``loupan``.

Machine output (JSON lines, extraction JSON) goes to stdout; human messages to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from importlib import resources
from pathlib import Path

from loupan.config import Settings, load_settings
from loupan.errors import ConfigError, InputError, LoupanError


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


SHOWN_PROBLEMS = 20  # reject and warning lines printed at the end; all rejects are in the rejects file


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _show(kind: str, problems: list[tuple[str, str]], more: str) -> None:
    for source, problem in problems[:SHOWN_PROBLEMS]:
        _say(f"{kind}: {source}: {problem}")
    if len(problems) > SHOWN_PROBLEMS:
        _say(f"… and {len(problems) - SHOWN_PROBLEMS} more {kind}s {more}")


def cmd_ingest(args: argparse.Namespace) -> int:
    from loupan.graph import open_store
    from loupan.ingest.batch import Options
    from loupan.ingest.pipeline import Ingestor
    from loupan.ingest.progress import ProgressLine

    settings = _settings(args)
    specs = args.paths or []
    if not specs:
        _say("loupan ingest: name at least one file, directory, glob, or - for standard input")
        return 2
    workers = default_workers() if args.workers is None else max(0, args.workers)
    rejects_path = Path(args.rejects) if args.rejects else settings.data_dir / "rejects.jsonl"
    rejects_path.parent.mkdir(parents=True, exist_ok=True)
    progress = None if args.quiet else ProgressLine()
    with rejects_path.open("w", encoding="utf-8") as rejects, open_store(settings) as store:
        def on_reject(error: InputError) -> None:
            rejects.write(json.dumps({"input": error.source, "reason": error.problem}, ensure_ascii=False) + "\n")
            rejects.flush()

        options = Options(workers=workers, max_input_bytes=settings.max_input_bytes, stdin=sys.stdin.buffer,
                          stdin_format=args.stdin_format, on_reject=on_reject, progress=progress)
        before = store.counts()
        batch = Ingestor(store).batch(options)
        summary = batch.run(specs)
        after = store.counts()
        if progress is not None:
            progress(batch.snapshot(), final=True)
    if not args.quiet:
        _show("rejected", [(e.source, e.problem) for e in summary.errors], f"in {rejects_path}")
        _show("warning", summary.warnings, "(all of them in the --json summary)")
        ents, rels = summary.entities, summary.relations
        _say(f"ingested {summary.reports} reports and {summary.records} records from {summary.files} inputs "
             f"into the {settings.store_description} in {summary.seconds:.1f} s; {summary.unchanged} unchanged "
             f"and skipped, {summary.replaced} earlier versions replaced")
        _say(f"  entities: {ents.added} added, {ents.merged} merged, {ents.unchanged} unchanged; relations: "
             f"{rels.added} added, {rels.merged} merged, {rels.unchanged} unchanged")
        _say(f"  nodes {before[0]} → {after[0]}, relationships {before[1]} → {after[1]}; "
             f"{len(summary.errors)} inputs rejected" + (f" (listed in {rejects_path})" if summary.errors else ""))
    if args.json:
        print(json.dumps({**summary.to_json(), "nodes": after[0], "relationships": after[1],
                          "rejects_file": str(rejects_path)}, ensure_ascii=False))
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


def _serve(settings: Settings, host: str, port: int, store: object = None, workers: int = 1) -> None:
    import uvicorn

    from loupan.api.app import create_app

    if workers > 1 and not settings.neo4j_uri:
        raise ConfigError(f"--workers {workers}: the embedded store is one process's; serving from several "
                          "processes needs Neo4j (LOUPAN_NEO4J_URI or --store bolt://…)")
    _say(f"serving the {settings.store_description}" + (f" from {workers} processes" if workers > 1 else ""))
    _say(f"  GraphQL:  http://{host}:{port}/graphql")
    _say(f"  explorer: http://{host}:{port}/")
    if workers > 1:
        from loupan.serving import serve_processes

        # each worker process makes its own app from the environment: a --store flag must reach it
        serve_processes(host, port, workers, {"LOUPAN_NEO4J_URI": settings.neo4j_uri})
        return
    app = create_app(settings, store, settle=True)  # type: ignore[arg-type]
    uvicorn.run(app, host=host, port=port, log_level="warning")


def cmd_serve(args: argparse.Namespace) -> int:
    if args.workers < 1:
        raise ConfigError(f"--workers must be at least 1, got {args.workers}")
    _serve(_settings(args), args.host, args.port, workers=args.workers)
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
    from loupan.ingest.inputs import STDIN_FORMATS

    parser = argparse.ArgumentParser(prog="loupan", description="A knowledge graph of troubled housing projects.")
    sub = parser.add_subparsers(dest="command", required=True)

    def with_store(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--store", help="bolt:// or neo4j:// URI for Neo4j, or a directory for the embedded "
                                       "store (default: $LOUPAN_NEO4J_URI, else $LOUPAN_DATA_DIR or ./loupan-data)")
        p.add_argument("--data-dir", type=Path, help="directory of the embedded store")
        return p

    p = with_store(sub.add_parser(
        "ingest", help="ingest reports and records: files, directories, globs, standard input",
        description="Ingest reports (.txt .md .html) and records (.json .jsonl .csv), or JSON lines of "
                    "reports ({text|html, url, outlet, publishedAt, title} per line). Re-running skips what "
                    "is held unchanged, replaces what changed, and finishes a run that was killed. Each "
                    "rejected input is one JSON line {input, reason} in the rejects file. Exit status: 0 "
                    "all ingested, 1 some inputs rejected, 2 nothing could be done (store, usage)."))
    p.add_argument("paths", nargs="*", help="files, directories, globs ('news/**/*.html'), or - for standard input")
    p.add_argument("--workers", "-w", type=int, help="extraction processes (default: one per core; 0: none, "
                                                     "extract in the writing process)")
    p.add_argument("--rejects", help="file for the rejected inputs, rewritten each run "
                                     "(default: rejects.jsonl in the data directory)")
    p.add_argument("--stdin-format", choices=list(STDIN_FORMATS),
                   help="format of standard input (default: guessed from its first line)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary; the exit status "
                                                               "and the rejects file tell")
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
        if name == "serve":
            p.add_argument("--workers", type=int, default=1,
                           help="processes answering requests (Neo4j only; default 1). One process's Python "
                                "work runs on one core at a time; each process builds its own name index")
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

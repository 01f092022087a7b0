"""The ``postedit`` command.

This module is the edge of the library: ``postedit run`` starts the Prefect flow (imported only
there); everything else is plain library calls.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .dedup import dedup_config
from .rules import RuleError, Rules, describe, load_rules

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

DESCRIPTION = """\
postedit turns machine-translated news into a clean, de-duplicated, reviewable corpus:
it repairs broken text, corrects MT errors with rule packs, and writes the corpus with a
diff and an explanation for every change."""

RUN_EPILOG = """\
outputs (in --output):
  corpus.jsonl        one record per article (see docs/corpus.md and the JSON Schema)
  articles/<id>.txt   title, blank line, cleaned text
  diffs/<id>.diff     unified diff from the raw text to articles/<id>.txt (patch accepts it)
  report.json         counts per rule and action, warnings, errors, timings

exit status: 0 all articles cleaned, 3 some articles could not be read (see report.json),
1 the run failed (e.g. a broken rule pack), 2 bad usage.

examples:
  postedit run seeds --output output --language en --source-language ar
  postedit run inbox/ --no-prefect"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="postedit",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"postedit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser(
        "run",
        help="clean a folder of articles into a corpus",
        description="Clean the articles (.txt, .md, .jsonl) in INPUT and write the corpus.",
        epilog=RUN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("input", type=Path, metavar="INPUT", help="folder of articles")
    run.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output)"
    )
    _rules_option(run)
    run.add_argument(
        "--language",
        metavar="CODE",
        help="language of articles whose metadata does not say (e.g. en)",
    )
    run.add_argument(
        "--source-language",
        metavar="CODE",
        help="language the articles were translated from, where metadata does not say (e.g. ar)",
    )
    run.add_argument(
        "--no-prefect",
        action="store_true",
        help="run the cleanup as plain library calls, without a Prefect flow run",
    )
    run.add_argument(
        "--decisions",
        type=Path,
        default=Path("review/decisions.jsonl"),
        metavar="FILE",
        help="editors' decisions to honour (default: review/decisions.jsonl; see README)",
    )
    run.add_argument(
        "--dedup",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help="override a de-duplication threshold, e.g. --dedup passage_cutoff=70 "
        "(settings: see postedit.dedup.DedupConfig); may be repeated",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(handler=cmd_run)

    review = commands.add_parser(
        "review",
        help="serve the review site and record accept/reject decisions",
        description=(
            "Serve OUTPUT/review on 127.0.0.1 with accept/reject buttons on every change and "
            "flag. Decisions go to the decisions file; the next run honours them."
        ),
    )
    review.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder")
    review.add_argument(
        "--decisions", type=Path, default=Path("review/decisions.jsonl"), metavar="FILE"
    )
    review.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    review.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    review.set_defaults(handler=cmd_review)

    rules = commands.add_parser(
        "rules", help="list and test rule packs", description="Inspect and test the rule packs."
    )
    rules_commands = rules.add_subparsers(dest="rules_command", metavar="SUBCOMMAND", required=True)
    listing = rules_commands.add_parser(
        "list", help="list the rules", description="List the rules of every pack."
    )
    _rules_option(listing)
    listing.add_argument("--language", metavar="CODE", help="only rules for this language")
    listing.add_argument("--json", action="store_true", help="print JSON lines instead of a table")
    listing.set_defaults(handler=cmd_rules_list)
    testing = rules_commands.add_parser(
        "test",
        help="run every rule's examples",
        description=(
            "Validate the packs and run every rule's examples: each marked error gives exactly one "
            "edit at its span with the expected result, the corrected text no longer matches, and "
            "the sentences to keep are left alone."
        ),
    )
    _rules_option(testing)
    testing.set_defaults(handler=cmd_rules_test)
    return parser


def _rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-r", "--rules", type=Path, default=Path("rules"), help="rules folder (default: rules)"
    )


def _load(folder: Path) -> Rules | None:
    """The rule packs, or None after saying which file and rule are broken and why."""
    try:
        return load_rules(folder)
    except RuleError as exc:
        print(f"postedit: cannot load rules: {exc}", file=sys.stderr)
        return None


def cmd_run(args: argparse.Namespace) -> int:
    if _load(args.rules) is None:  # refuse to start on a broken pack, before any flow run
        return EXIT_FAILED
    try:
        overrides = dict(item.split("=", 1) for item in args.dedup)
        config = dedup_config(overrides)
    except ValueError as exc:
        print(f"postedit: --dedup: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.input.is_dir():
        print(f"postedit: input folder not found: {args.input}", file=sys.stderr)
        return EXIT_USAGE
    params = dict(
        input_dir=args.input,
        rules_dir=args.rules,
        output_dir=args.output,
        language=args.language,
        source_language=args.source_language,
    )
    if args.no_prefect:
        from .runner import Settings, cleanup

        report = cleanup(Settings(**params, dedup=config, decisions=args.decisions))
    else:
        # a first run migrates a new database, which a busy machine may take longer than 20 s to do
        os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
        from flows.cleanup import cleanup as cleanup_flow

        report = cleanup_flow(**params, dedup=overrides or None, decisions=args.decisions)
    if not args.quiet:
        by_action = report["edits"]["by_action"]
        print(
            f"postedit: {report['articles']} articles cleaned into {args.output} "
            f"({by_action.get('fix', 0)} fixes, {by_action.get('flag', 0)} flags), "
            f"{report['failed']} failed"
        )
    for error in report["errors"]:
        print(f"postedit: {error['source']}: {error['message']}", file=sys.stderr)
    return EXIT_PARTIAL if report["failed"] else EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from .server import serve

    if not (args.output / "review" / "index.html").exists():
        print(
            f"postedit: no review site in {args.output}: run 'postedit run' first", file=sys.stderr
        )
        return EXIT_USAGE
    server = serve(args.output, args.decisions, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"postedit: reviewing {args.output} at http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def cmd_rules_list(args: argparse.Namespace) -> int:
    rules = _load(args.rules)
    if rules is None:
        return EXIT_FAILED
    rows = [
        r
        for r in describe(rules.rules)
        if not args.language or r["id"].startswith(args.language + ".")
    ]
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False))
        return EXIT_OK
    width = max((len(str(r["id"])) for r in rows), default=2)
    print(f"{'id':<{width}}  {'kind':<12}  {'action':<6}  conf  description")
    for r in rows:
        rid, kind, action = r["id"], r["kind"], r["action"]
        print(f"{rid:<{width}}  {kind:<12}  {action:<6}  {r['confidence']:.2f}  {r['description']}")
    print(f"{len(rows)} rules")
    return EXIT_OK


def cmd_rules_test(args: argparse.Namespace) -> int:
    from .ruletest import check_rules

    rules = _load(args.rules)
    if rules is None:
        return EXIT_FAILED
    failures = check_rules(rules)
    examples = sum(len(r.examples) for r in rules.rules)
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"{len(rules.rules)} rules, {examples} examples: {len(failures)} failed")
    return EXIT_FAILED if failures else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())

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
from .decisions import decisions_path
from .dedup import dedup_config
from .grammar import BACKENDS, GrammarSettings
from .report import run_warnings
from .rules import RuleError, Rules, describe, load_rules
from .runner import MAX_REMOVAL, RemovalRefused

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_BUSY, EXIT_REFUSED = 0, 1, 2, 3, 4, 5

DESCRIPTION = """\
postedit turns machine-translated news into a clean, de-duplicated, reviewable corpus:
it repairs broken text, corrects MT errors with rule packs, and writes the corpus with a
diff and an explanation for every change."""

RUN_EPILOG = """\
outputs (in --output):
  corpus.jsonl        one record per article (see docs/corpus.md and the JSON Schema)
  articles/<id>.txt   title, blank line, cleaned text
  diffs/<id>.diff     unified diff from the raw text to articles/<id>.txt (patch accepts it)
  report.json         the run (id, start, end, seconds), postedit and rules versions, counts
                      (processed, skipped, failed, removed) and the removed articles, edits per
                      rule, warnings, errors, per-stage timings
  review/             the review site, and review/decisions.jsonl: the editors' decisions
                      (postedit review records them; every run honours them)
  cache/              the cleaned articles the next run reuses, and what each paragraph
                      cleaned gave (paragraphs.sqlite: a repost's paragraphs are looked up)

Runs are incremental: an article whose bytes, packs, review decisions and postedit version are
unchanged since the last run into OUTPUT is not cleaned again (--force cleans everything).
One run at a time writes to an output folder.

A run that would remove more than --max-removal of the corpus (half of it, by default: an empty
or unmounted input folder, say) removes nothing, writes nothing and exits with status 5.

exit status: 0 all articles cleaned and checked, 3 partial: some articles could not be read,
or the grammar checker asked for did not run (see report.json and the warnings), 1 the run
failed (e.g. a broken rule pack), 2 bad usage, 4 another run is writing to OUTPUT, 5 refused:
the run would have removed more of the corpus than --max-removal allows.

examples:
  postedit run seeds --output output --language en --source-language ar
  postedit run inbox/ --no-prefect
  postedit run inbox/ --workers 2                       # a local Dask cluster
  postedit run inbox/ --dask-address tcp://10.0.0.5:8786  # an existing Dask cluster"""

SERVE_EPILOG = """\
The deployment runs the same flow as 'postedit run' on the schedule, with these arguments as its
parameters. It needs a Prefect server: start one with 'prefect server start' and set
PREFECT_API_URL (e.g. http://127.0.0.1:4200/api). For work pools, see prefect.yaml.

examples:
  postedit serve inbox/ --output corpus --cron "*/30 * * * *" --language en
  postedit serve inbox/ --cron "0 * * * *" --workers 2"""


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
    _flow_options(run)
    run.add_argument(
        "--no-prefect",
        action="store_true",
        help="run the cleanup as plain library calls, without a Prefect flow run",
    )
    run.add_argument(
        "--force", action="store_true", help="clean every article, even those unchanged"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    run.set_defaults(handler=cmd_run)

    serve = commands.add_parser(
        "serve",
        help="run the cleanup on a schedule (a Prefect deployment served from this process)",
        description="Serve the cleanup flow as a Prefect deployment with a cron schedule.",
        epilog=SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _flow_options(serve)
    when = serve.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", metavar="EXPR", help='cron schedule, e.g. "*/30 * * * *"')
    when.add_argument(
        "--interval", type=float, metavar="SECONDS", help="run every SECONDS instead of on a cron"
    )
    serve.add_argument("--timezone", default="UTC", help="time zone of the schedule (default UTC)")
    serve.add_argument(
        "--name",
        default="postedit-serve",
        help="deployment name (default: postedit-serve; prefect.yaml's is postedit-cleanup)",
    )
    serve.set_defaults(handler=cmd_serve)

    review = commands.add_parser(
        "review",
        help="serve the review site and record accept/reject decisions",
        description=(
            "Serve OUTPUT/review on 127.0.0.1 with accept/reject buttons on every change and "
            "flag. Decisions go to the decisions file; the next run honours them."
        ),
    )
    review.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder")
    _decisions_option(review)
    review.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    review.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    review.add_argument(
        "--reviewer",
        help="who is deciding, recorded with each decision and its UTC time (default: "
        "$POSTEDIT_REVIEWER, else the login name)",
    )
    review.add_argument(
        "-r",
        "--rules",
        type=Path,
        help="rules folder where 'never in this context' records exceptions "
        "(default: the one the last run into OUTPUT used, from report.json)",
    )
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

    stats = rules_commands.add_parser(
        "stats",
        help="each rule's precision from editors' decisions, and its demotion",
        description=(
            "Each rule's precision from editors' accept/reject decisions (95%% Wilson interval), "
            "its support (decisions), its edits per 10,000 words in the last run, and the "
            "demotion the trust policy (rules/trust.yaml) gives it."
        ),
    )
    _rules_option(stats)
    stats.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder")
    _decisions_option(stats)
    stats.add_argument("--json", action="store_true", help="print JSON instead of a table")
    stats.set_defaults(handler=cmd_rules_stats)

    for name, what in (
        ("restore", "take a demoted rule back to its pack's action (it stays there)"),
        ("auto", "hand a restored rule back to automatic demotion"),
    ):
        sub = rules_commands.add_parser(name, help=what, description=what[0].upper() + what[1:])
        sub.add_argument("rule", help="the rule's full id")
        sub.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder")
        _decisions_option(sub)
        sub.set_defaults(handler=cmd_rules_decide, decision=name)

    diff = rules_commands.add_parser(
        "diff",
        help="what a new version of the rules would change (a shadow run)",
        description=(
            "Clean the current corpus (the articles the last run kept in OUTPUT/cache, or --input) "
            "with two versions of the rules and list every span whose edit differs, with a "
            "sample for an editor to sign off. OLD and NEW are folders or git revisions "
            "(their rules/ folder is taken with git archive)."
        ),
    )
    diff.add_argument("old", help="the rules in force: a folder or a git revision")
    diff.add_argument("new", help="the rules to try: a folder or a git revision")
    diff.add_argument("-o", "--output", type=Path, default=Path("output"), help="output folder")
    diff.add_argument("--input", type=Path, help="read the articles from this folder instead")
    diff.add_argument("--language", metavar="CODE", help="default language (with --input)")
    diff.add_argument("--source-language", metavar="CODE", help="default source language")
    diff.add_argument("--repo", type=Path, default=Path("."), help="git repository (default: .)")
    diff.add_argument(
        "--path", default="rules", help="the rules folder inside the revisions (default: rules)"
    )
    diff.add_argument("--sample", type=int, default=20, help="differences to sign off (20)")
    diff.add_argument("--json", action="store_true", help="print JSON instead of text")
    diff.set_defaults(handler=cmd_rules_diff)
    return parser


def _flow_options(parser: argparse.ArgumentParser) -> None:
    """The options of one cleanup: what to read and write, and where the work runs."""
    parser.add_argument("input", type=Path, metavar="INPUT", help="folder of articles")
    parser.add_argument(
        "-o", "--output", type=Path, default=Path("output"), help="output folder (default: output)"
    )
    _rules_option(parser)
    parser.add_argument(
        "--language",
        metavar="CODE",
        help="language of articles whose metadata does not say (e.g. en)",
    )
    parser.add_argument(
        "--source-language",
        metavar="CODE",
        help="language the articles were translated from, where metadata does not say (e.g. ar)",
    )
    _decisions_option(parser)
    parser.add_argument(
        "--max-removal",
        type=float,
        default=MAX_REMOVAL,
        metavar="SHARE",
        help="the share of the corpus a run may remove, 0 to 1 (default: 0.5; 1 allows any): a "
        "run that would remove more writes nothing and exits with status 5",
    )
    parser.add_argument(
        "--dedup",
        action="append",
        default=[],
        metavar="SETTING=VALUE",
        help="override a de-duplication threshold, e.g. --dedup passage_cutoff=70 "
        "(settings: see postedit.dedup.DedupConfig); may be repeated",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=250,
        metavar="N",
        help="articles per Prefect task run (default: 250)",
    )
    parser.add_argument(
        "--grammar",
        choices=BACKENDS,
        default="auto",
        help="grammar checker: auto (LanguageTool if a server is configured, else Harper for "
        "English), harper, languagetool or off (default: auto)",
    )
    parser.add_argument(
        "--languagetool-url",
        metavar="URL",
        default=os.environ.get("POSTEDIT_LANGUAGETOOL_URL") or None,
        help="a LanguageTool server, e.g. http://localhost:8081 "
        "(default: $POSTEDIT_LANGUAGETOOL_URL)",
    )
    parser.add_argument(
        "--languagetool-local",
        action="store_true",
        help="language-tool-python's own local LanguageTool (downloads it; needs Java)",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="clean in N processes (a local Dask cluster; with --no-prefect, a process pool)",
    )
    where.add_argument(
        "--dask-address", metavar="URL", help="clean on an existing Dask cluster (tcp://host:port)"
    )


def _decisions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--decisions",
        type=Path,
        metavar="FILE",
        help="editors' decisions file (default: OUTPUT/review/decisions.jsonl, which every "
        "run, serve and review into OUTPUT share)",
    )


def _decisions(args: argparse.Namespace) -> Path:
    return args.decisions if args.decisions is not None else decisions_path(args.output)


def _rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-r", "--rules", type=Path, default=Path("rules"), help="rules folder (default: rules)"
    )


def _load(folder: Path) -> Rules | None:
    """The rule packs, or None after saying which file and rule are broken and why."""
    from .trust import load_policy

    try:
        rules = load_rules(folder)
        load_policy(folder)  # rules/trust.yaml: a broken policy stops a run like a broken pack
        return rules
    except RuleError as exc:
        print(f"postedit: cannot load rules: {exc}", file=sys.stderr)
        return None


def _flow_params(args: argparse.Namespace) -> dict[str, object] | int:
    """The flow's parameters from the command line, or an exit status after saying what is
    wrong (a broken pack, a bad setting, a missing folder)."""
    if _load(args.rules) is None:  # refuse to start on a broken pack, before any flow run
        return EXIT_FAILED
    try:
        overrides = dict(item.split("=", 1) for item in args.dedup)
        dedup_config(overrides)
    except ValueError as exc:
        print(f"postedit: --dedup: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not args.input.is_dir():
        print(f"postedit: input folder not found: {args.input}", file=sys.stderr)
        return EXIT_USAGE
    if args.output.resolve().is_relative_to(args.input.resolve()):
        print(
            f"postedit: the output folder {args.output} is inside the input folder "
            f"{args.input}: the next run would read the corpus as articles",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.batch_size < 1 or (args.workers is not None and args.workers < 1):
        print("postedit: --batch-size and --workers must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.max_removal <= 1:
        print("postedit: --max-removal must be a share between 0 and 1", file=sys.stderr)
        return EXIT_USAGE
    missing = GrammarSettings(
        args.grammar, args.languagetool_url, args.languagetool_local
    ).unavailable()
    if missing:
        print(f"postedit: {missing}", file=sys.stderr)
        return EXIT_USAGE
    return dict(
        input_dir=args.input,
        rules_dir=args.rules,
        output_dir=args.output,
        language=args.language,
        source_language=args.source_language,
        batch_size=args.batch_size,
        dedup=overrides or None,
        decisions=_decisions(args),
        grammar=args.grammar,
        languagetool_url=args.languagetool_url,
        languagetool_local=args.languagetool_local,
        max_removal=args.max_removal,
    )


def _flow(args: argparse.Namespace):  # a Prefect Flow
    # a first run migrates a new database, which a busy machine may take longer than 20 s to do
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from flows.cleanup import cleanup

    from .orchestration import task_runner

    runner = task_runner(args.dask_address, args.workers)
    return cleanup if runner is None else cleanup.with_options(task_runner=runner)


def cmd_run(args: argparse.Namespace) -> int:
    from .lock import Busy, check_free

    params = _flow_params(args)
    if isinstance(params, int):
        return params
    try:
        check_free(args.output)  # say so now rather than after starting Prefect
        if args.no_prefect and not args.dask_address:
            report = _run_plain(args, params)
        elif args.no_prefect:
            print("postedit: --dask-address needs Prefect", file=sys.stderr)
            return EXIT_USAGE
        else:
            report = _flow(args)(**params, force=args.force)
    except Busy as exc:
        print(f"postedit: {exc}", file=sys.stderr)
        return EXIT_BUSY
    except RemovalRefused as exc:
        print(f"postedit: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    except OSError as exc:  # the output folder: read-only, full, not a folder
        where = exc.filename or args.output
        print(f"postedit: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    if not args.quiet:
        by_action = report["edits"]["by_action"]
        print(
            f"postedit: {report['articles']} articles in {args.output}: "
            f"{report['processed']} cleaned, {report['skipped']} unchanged, "
            f"{report['failed']} failed, {report['removed']} removed "
            f"({by_action.get('fix', 0)} fixes, {by_action.get('flag', 0)} flags)"
        )
        for gone in report["removals"]:
            print(
                f"postedit: removed {gone['id']} ({gone['source'] or '?'}): no longer in the input"
            )
    for error in report["errors"]:
        print(f"postedit: {error['source']}: {error['message']}", file=sys.stderr)
    for warning in run_warnings(report):
        print(f"postedit: warning: {warning}", file=sys.stderr)
    return EXIT_PARTIAL if report["status"] == "partial" else EXIT_OK


def _run_plain(args: argparse.Namespace, params: dict[str, object]) -> dict:
    """``run --no-prefect``: the library's cleanup, with a progress display on a terminal."""
    from .runner import Settings, cleanup

    batch_size = int(params.pop("batch_size"))  # type: ignore[call-overload]
    settings = Settings.of(**params)  # type: ignore[arg-type]
    workers = args.workers or 1
    if args.quiet or not sys.stderr.isatty():
        return cleanup(settings, force=args.force, workers=workers, batch_size=batch_size)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        stages = {
            "clean": bar.add_task("cleaning (input files)", total=None),
            "write": bar.add_task("writing (articles)", total=None, visible=False),
        }

        def progress(stage: str, done: int, total: int) -> None:
            bar.update(stages[stage], completed=done, total=total, visible=True)

        return cleanup(settings, args.force, workers, progress, batch_size=batch_size)


def cmd_serve(args: argparse.Namespace) -> int:
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.settings import PREFECT_API_URL

    params = _flow_params(args)
    if isinstance(params, int):
        return params
    if args.interval is not None and args.interval <= 0:
        print("postedit: --interval must be a positive number of seconds", file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.cron is not None:
            CronSchedule(cron=args.cron, timezone=args.timezone)
    except ValueError as exc:
        print(f"postedit: --cron/--timezone: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not PREFECT_API_URL.value():
        print(
            "postedit: serving a schedule needs a Prefect server: run 'prefect server start' "
            "and set PREFECT_API_URL (e.g. http://127.0.0.1:4200/api)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for key in ("input_dir", "rules_dir", "output_dir", "decisions"):  # runs start elsewhere
        if params[key] is not None:
            params[key] = str(Path(params[key]).resolve())  # type: ignore[arg-type]
    _flow(args).serve(
        name=args.name,
        cron=args.cron,
        interval=args.interval,
        limit=1,  # one run at a time, as prefect.yaml's concurrency_limit: a run that falls
        global_limit=1,  # due while another is writing waits for it instead of failing
        parameters=params,
        description=f"postedit cleanup of {params['input_dir']} into {params['output_dir']}",
        tags=["postedit"],
    )
    return EXIT_OK


def cmd_review(args: argparse.Namespace) -> int:
    from .server import serve
    from .trust import read_report

    if not (args.output / "review" / "index.html").exists():
        print(
            f"postedit: no review site in {args.output}: run 'postedit run' first", file=sys.stderr
        )
        return EXIT_USAGE
    rules_dir = args.rules or Path(str(read_report(args.output).get("rules") or "rules"))
    if not rules_dir.is_dir():
        print(
            f"postedit: rules folder not found: {rules_dir} ('never in this context' records "
            "exceptions there): give the rules the corpus was cleaned with, --rules FOLDER",
            file=sys.stderr,
        )
        return EXIT_USAGE
    args.decisions = _decisions(args)
    server = serve(args.output, args.decisions, args.host, args.port, rules_dir, args.reviewer)
    host, port = server.server_address[:2]
    print(f"postedit: reviewing {args.output} at http://{host}:{port}/ (Ctrl-C to stop)")
    print(f"postedit: decisions go to {args.decisions}, exceptions to the packs in {rules_dir}")
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


def cmd_rules_stats(args: argparse.Namespace) -> int:
    from .decisions import load_decisions
    from .trust import measure, read_report, stats

    rules = _load(args.rules)
    if rules is None:
        return EXIT_FAILED
    measured = measure(rules, load_decisions(_decisions(args)), args.rules)
    figures = stats(rules, measured, read_report(args.output))
    rows = figures["rules"]
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max((len(r["rule"]) for r in rows), default=4)
    print(
        f"{'rule':<{width}}  action  accept  reject  precision  interval  "
        "    edits  /10k words  state"
    )
    for r in rows:
        precision = "-" if r["precision"] is None else f"{r['precision']:.3f}"
        low, high = r["interval"]
        state = (
            f"demoted to {r['demoted']}" if r["demoted"] else "restored" if r["restored"] else ""
        )
        print(
            f"{r['rule']:<{width}}  {r['action']:<6}  {r['accepted']:>6}  {r['rejected']:>6}  "
            f"{precision:>9}  {low:.2f}-{high:.2f}  {r['edits']:>9}  {r['per_10k_words']:>10.2f}  "
            f"{state}"
        )
    policy = measured.policy
    print(
        f"{len(rows)} rules with edits or decisions; demoted below {policy.fix} (fix) or "
        f"{policy.flag} (flag) from {policy.min_support} decisions"
    )
    return EXIT_OK


def cmd_rules_decide(args: argparse.Namespace) -> int:
    from .decisions import append_decision

    append_decision(
        _decisions(args), {"decision": args.decision, "rule": args.rule, "scope": "rule"}
    )
    print(f"postedit: {args.rule}: {args.decision} (the next run applies it)")
    return EXIT_OK


def cmd_rules_diff(args: argparse.Namespace) -> int:
    from dataclasses import replace as with_fields

    from .incremental import Cache
    from .read import ReadDefaults, ReadError, read_folder
    from .shadow import sample, shadow

    if args.input is not None:
        if not args.input.is_dir():
            print(f"postedit: input folder not found: {args.input}", file=sys.stderr)
            return EXIT_USAGE
        defaults = ReadDefaults(language=args.language, source_language=args.source_language)
        articles = [a for a in read_folder(args.input, defaults) if not isinstance(a, ReadError)]
    else:
        cache = Cache(args.output)
        articles = []
        for name in sorted(cache.ids()):
            try:
                article = cache.load_file(name)
            except (OSError, ValueError, KeyError):
                continue
            articles.append(with_fields(article, edits=(), warnings=()))
        if not articles:
            print(
                f"postedit: no corpus in {args.output}/cache: run 'postedit run' first, "
                "or give --input",
                file=sys.stderr,
            )
            return EXIT_USAGE
    try:
        found = shadow(args.old, args.new, articles, args.repo, args.path)
    except (ValueError, RuleError) as exc:
        print(f"postedit: {exc}", file=sys.stderr)
        return EXIT_FAILED
    picked = sample(found, args.sample)
    if args.json:
        print(
            json.dumps(
                {
                    "old": args.old,
                    "new": args.new,
                    "articles": len(articles),
                    "differences": [d.to_dict() for d in found],
                    "sample": [d.to_dict() for d in picked],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    for d in found:
        print(d.line())
    kinds = {k: sum(d.kind == k for d in found) for k in ("added", "removed", "changed")}
    print(
        f"{len(found)} spans differ in {len({d.article for d in found})} of {len(articles)} "
        f"articles ({kinds['added']} added, {kinds['removed']} removed, "
        f"{kinds['changed']} changed)"
    )
    if picked:
        print(f"\nTo sign off ({len(picked)}, spread over rules):")
        for d in picked:
            print(f"  [ ] {d.line()}")
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())

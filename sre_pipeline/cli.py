"""The ``sre-pipeline`` command: validate specs, evaluate SLOs on exported counts, run the demo.

Bad input (specs, CSVs, flags) ends with a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version

from sre_pipeline.cli_args import (
    bucket_arg,
    day_arg,
    days_arg,
    duration_arg,
    instant_arg,
    week_arg,
    zone_arg,
)
from sre_pipeline.cli_help import help_texts
from sre_pipeline.commands import UsageError
from sre_pipeline.inputs.problems import SpecError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
WEEK_HELP = "ISO week (2026-W48) or any day of it (default: the last complete week)"


def _version() -> str:
    try:
        return version("sre_pipeline")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _add_sloth_period(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sloth-period",
        type=duration_arg,
        default=None,
        help="SLO period for Sloth specs, which do not state one (default: sloth_period in "
        "sre_pipeline.yaml, else 30d as Sloth)",
    )


def _command(sub, name: str, summary: str) -> argparse.ArgumentParser:
    """A sub-command parser with the description and examples of :mod:`cli_help`."""
    raw = argparse.RawDescriptionHelpFormatter
    return sub.add_parser(name, help=summary, formatter_class=raw, **help_texts(name))


def add_prometheus_flags(p: argparse.ArgumentParser) -> None:
    """Connection flags shared by every command that talks to Prometheus (or Thanos, Mimir,
    VictoriaMetrics); each also reads an environment variable so secrets stay off the command
    line."""
    p.add_argument("--prometheus-url", default=None, help="base URL (env PROMETHEUS_URL)")
    p.add_argument("--bearer-token", default=None, help="env PROMETHEUS_BEARER_TOKEN")
    p.add_argument(
        "--basic-auth", default=None, metavar="USER:PASSWORD", help="env PROMETHEUS_BASIC_AUTH"
    )
    p.add_argument("--ca-bundle", default=None, help="CA bundle file (env PROMETHEUS_CA_BUNDLE)")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra header, e.g. X-Scope-OrgID=tenant (repeatable; env "
        "PROMETHEUS_HEADERS as NAME=VALUE,NAME=VALUE)",
    )
    p.add_argument("--concurrency", type=int, default=4, help="queries in flight (default 4)")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    p.add_argument("--retries", type=int, default=4, help="attempts per query (default 4)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="sre-pipeline",
        description="SLO error budgets, burn-rate alerts and weekly reliability reviews.",
    )
    parser.add_argument("--version", action="version", version=f"sre-pipeline {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _validate_flags(sub)
    _evaluate_flags(sub)
    _collect_flags(sub)
    _export_rules_flags(sub)
    _quality_flags(sub)
    _capacity_flags(sub)
    _incidents_flags(sub)
    _render_flags(sub)
    _send_review_flags(sub)
    _tickets_flags(sub)
    _demo_flags(sub)
    _backfill_flags(sub)
    return parser


def _validate_flags(sub) -> None:
    p = _command(sub, "validate", "check SLO specs, capacity files and postmortems")
    p.add_argument("paths", nargs="*", metavar="PATH", help="spec files or directories")
    p.add_argument(
        "--postmortems",
        action="append",
        default=[],
        metavar="PATH",
        help="a postmortem Markdown file or directory (docs/incidents.md); repeat for more",
    )
    p.add_argument(
        "--capacity",
        action="append",
        default=[],
        metavar="FILE",
        help="a capacity resources file (examples/capacity.yaml); repeat for more",
    )
    p.add_argument(
        "--time-zone", type=zone_arg, default="UTC", help="zone of times without an offset"
    )
    _add_sloth_period(p)


def _evaluate_flags(sub) -> None:
    p = _command(sub, "evaluate", "evaluate SLOs against exported bucket counts (CSV)")
    p.add_argument("--slos", nargs="+", required=True, metavar="PATH", help="spec files or dirs")
    p.add_argument(
        "--events", required=True, metavar="FILE.csv", help="slo,bucket_start,good,total"
    )
    at_help = "evaluation instant, ISO 8601 (default: end of the last bucket)"
    p.add_argument("--at", type=instant_arg, help=at_help)
    p.add_argument("--bucket", type=bucket_arg, help="bucket width, e.g. 5m (default: inferred)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _add_sloth_period(p)


def _collect_flags(sub) -> None:
    p = _command(sub, "collect", "collect SLI bucket counts from Prometheus into a CSV")
    p.add_argument("--slos", nargs="+", required=True, metavar="PATH", help="spec files or dirs")
    p.add_argument("--start", required=True, type=instant_arg, help="first bucket start, ISO 8601")
    p.add_argument("--end", required=True, type=instant_arg, help="end of the last bucket")
    p.add_argument("--bucket", type=bucket_arg, default=timedelta(minutes=5), help="default 5m")
    p.add_argument("--output", required=True, metavar="FILE.csv", help="events CSV to write")
    add_prometheus_flags(p)
    _add_sloth_period(p)


def _export_rules_flags(sub) -> None:
    p = _command(sub, "export-rules", "Prometheus recording and alerting rules for SLOs")
    p.add_argument("--slos", nargs="+", required=True, metavar="PATH", help="spec files or dirs")
    p.add_argument("--output", metavar="FILE", help="rules file to write (default: stdout)")
    _add_sloth_period(p)


def _quality_flags(sub) -> None:
    p = _command(sub, "quality", "data-quality checks over a week of the warehouse")
    p.add_argument("--week", type=week_arg, metavar="WEEK", help=WEEK_HELP)
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")


def _incidents_flags(sub) -> None:
    p = _command(sub, "incidents", "a week's incidents ranked by the error budget they cost")
    p.add_argument("--week", type=week_arg, metavar="WEEK", help=WEEK_HELP)
    p.add_argument("--format", choices=("table", "json"), default="table")


def _render_flags(sub) -> None:
    p = _command(sub, "render", "re-render a week's review (Markdown, HTML, text, site)")
    p.add_argument("--week", type=week_arg, metavar="WEEK", help=WEEK_HELP)
    p.add_argument("--output-dir", metavar="DIR", help="reviews folder (default: reviews_dir)")


def _send_review_flags(sub) -> None:
    p = _command(sub, "send-review", "e-mail a rendered week's review, once per recipient")
    p.add_argument("--week", type=week_arg, metavar="WEEK", help=WEEK_HELP)
    p.add_argument("--resend", action="store_true", help="send again to those already sent to")


def _tickets_flags(sub) -> None:
    p = _command(sub, "tickets", "the tickets the pipeline manages; the ticket step alone")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the open tickets")
    listing.add_argument("--format", choices=("table", "json"), default="table")
    syncing = actions.add_parser("sync", help="run one week's ticket step")
    syncing.add_argument("--week", type=week_arg, metavar="WEEK", help=WEEK_HELP)
    syncing.add_argument("--dry-run", action="store_true", help="plan only: nothing is sent")


def _capacity_flags(sub) -> None:
    p = _command(sub, "capacity", "capacity status and forecasts of a day, worst first")
    p.add_argument("--day", type=day_arg, metavar="DATE", help="the day (default: the newest)")
    p.add_argument("--format", choices=("table", "json"), default="table")


def _demo_flags(sub) -> None:
    p = _command(sub, "demo", "run the whole pipeline on the example configuration")
    p.add_argument("--days", type=days_arg, default=28, help="days to evaluate (default 28)")
    p.add_argument(
        "--end", type=day_arg, help="first day after the range, ISO date (default: today, UTC)"
    )
    p.add_argument("--output-dir", metavar="DIR", help="pipeline home (default ~/.sre_pipeline)")
    p.add_argument("--prometheus-url", help="collect from this Prometheus instead of the demo")
    p.add_argument("--verbose", action="store_true", help="show Dagster's own logs too")


def _backfill_flags(sub) -> None:
    p = _command(sub, "backfill", "back-fill the daily assets in process, without the daemon")
    p.add_argument("--start", type=day_arg, required=True, help="first day, ISO date")
    p.add_argument(
        "--end",
        type=day_arg,
        required=True,
        help="first day after the range, ISO date (2026-11-01..2026-12-01 is November)",
    )
    p.add_argument(
        "--assets",
        nargs="+",
        metavar="ASSET",
        help="daily assets to back-fill (default: sli_events capacity_samples capacity_daily "
        "slo_status burn_alerts capacity_status)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="re-run days that are already complete; today is collected again from midnight, "
        "not resumed where it settled",
    )
    p.add_argument("--verbose", action="store_true", help="show Dagster's own logs too")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            from sre_pipeline.commands.validate import run
        elif args.command == "evaluate":
            from sre_pipeline.commands.evaluate import run
        elif args.command == "collect":
            from sre_pipeline.commands.collect import run
        elif args.command == "export-rules":
            from sre_pipeline.commands.export_rules import run
        elif args.command == "quality":
            from sre_pipeline.commands.quality import run
        elif args.command == "backfill":
            from sre_pipeline.commands.backfill import run
        elif args.command == "capacity":
            from sre_pipeline.commands.capacity import run
        elif args.command == "incidents":
            from sre_pipeline.commands.incidents import run
        elif args.command == "render":
            from sre_pipeline.commands.render import run
        elif args.command == "send-review":
            from sre_pipeline.commands.send_review import run
        elif args.command == "tickets":
            from sre_pipeline.commands.tickets import run
        else:
            from sre_pipeline.commands.demo import run
        return run(args)
    except SpecError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        errors = sum(p.severity == "error" for p in exc.problems)
        files = len({p.file for p in exc.problems if p.severity == "error"})
        print(f"{errors} error(s) in {files} file(s)", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def console() -> None:
    """The ``sre-pipeline`` console script: :func:`main`, then a quick exit.

    A command that ran the pipeline holds hundreds of modules and their data; Python's orderly
    teardown of them takes most of a second (a tenth of a daily run) and achieves nothing once
    the command has returned: every run is finished, every transaction committed. So the output
    is flushed, the GX worker (a daemon process) stopped, and the process ends at once.
    """
    try:
        code = main()
    except SystemExit as exc:  # argparse's --help, --version and usage errors
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    except BaseException:  # a bug: its traceback, as Python would print it
        traceback.print_exc()
        code = 1
    finally:
        worker = sys.modules.get("sre_pipeline.quality.gx_worker")
        if worker is not None:
            worker.stop()
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # a closed pipe: nothing more can be said
                pass
        if sys.getprofile() is not None or sys.gettrace() is not None:
            sys.exit(code)  # a profiler or coverage writes its data at exit: let it
        os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()

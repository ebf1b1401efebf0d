"""The ``sre-pipeline`` command: validate specs, evaluate SLOs on exported counts, run the demo.

Bad input (specs, CSVs, flags) ends with a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date, timedelta

from pydantic_core import PydanticCustomError

from sre_pipeline.commands import UsageError
from sre_pipeline.slo.durations import DurationError, parse_duration
from sre_pipeline.slo.problems import SpecError
from sre_pipeline.slo.validation import check_time_zone

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _duration_arg(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _date_arg(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date; expected YYYY-MM-DD, e.g. 2026-11-16"
        ) from None


def _days_arg(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if days < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of days; expected 1 or more")
    return days


def _zone_arg(text: str) -> str:
    try:
        return check_time_zone(text)
    except PydanticCustomError as exc:
        raise argparse.ArgumentTypeError(
            f"{exc.message()}; expected {exc.context['expected']}"
        ) from None


def _add_sloth_period(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sloth-period",
        type=_duration_arg,
        default=timedelta(days=30),
        help="SLO period for Sloth specs, which do not state one (default: 30d, as Sloth)",
    )


def add_prometheus_flags(p: argparse.ArgumentParser) -> None:
    """Connection flags shared by every command that talks to Prometheus (or Thanos, Mimir,
    VictoriaMetrics); each also reads an environment variable so secrets stay off the command
    line."""
    p.add_argument("--prometheus-url", default=None, help="base URL (env PROMETHEUS_URL)")
    p.add_argument("--bearer-token", default=None, help="env PROMETHEUS_BEARER_TOKEN")
    p.add_argument("--basic-auth", default=None, metavar="USER:PASSWORD",
                   help="env PROMETHEUS_BASIC_AUTH")  # fmt: skip
    p.add_argument("--ca-bundle", default=None, help="CA bundle file (env PROMETHEUS_CA_BUNDLE)")
    p.add_argument("--insecure", action="store_true", help="do not verify TLS certificates")
    p.add_argument("--header", action="append", default=[], metavar="NAME=VALUE",
                   help="extra header, e.g. X-Scope-OrgID=tenant (repeatable; env "
                   "PROMETHEUS_HEADERS as NAME=VALUE,NAME=VALUE)")  # fmt: skip
    p.add_argument("--concurrency", type=int, default=4, help="queries in flight (default 4)")
    p.add_argument("--timeout", type=float, default=30.0,
                   help="seconds per request attempt, all of it (default 30)")  # fmt: skip
    p.add_argument("--retries", type=int, default=4, help="attempts per query (default 4)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="sre-pipeline",
        description="SLO error budgets, burn-rate alerts and weekly reliability reviews.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "validate", help="check SLO spec files (native, OpenSLO v1, Sloth) and postmortems"
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="spec files or directories")
    p.add_argument(
        "--postmortems", action="append", default=[], metavar="PATH",
        help="a postmortem Markdown file or directory (docs/incidents.md); repeat for more",
    )  # fmt: skip
    p.add_argument(
        "--time-zone", type=_zone_arg, default="UTC", help="zone of times without an offset"
    )
    _add_sloth_period(p)

    p = sub.add_parser("evaluate", help="evaluate SLOs against exported bucket counts (CSV)")
    p.add_argument("--slos", nargs="+", required=True, metavar="PATH", help="spec files or dirs")
    p.add_argument(
        "--events", required=True, metavar="FILE.csv", help="slo,bucket_start,good,total"
    )
    p.add_argument("--at", help="evaluation instant, ISO 8601 (default: end of the last bucket)")
    p.add_argument("--bucket", type=_duration_arg, help="bucket width, e.g. 5m (default: inferred)")
    p.add_argument("--format", choices=("table", "json"), default="table")
    _add_sloth_period(p)

    p = sub.add_parser("collect", help="collect SLI bucket counts from Prometheus into a CSV")
    p.add_argument("--slos", nargs="+", required=True, metavar="PATH", help="spec files or dirs")
    p.add_argument("--start", required=True, help="first bucket start, ISO 8601")
    p.add_argument("--end", required=True, help="end of the last bucket, ISO 8601")
    p.add_argument("--bucket", type=_duration_arg, default=timedelta(minutes=5), help="default 5m")
    p.add_argument("--output", required=True, metavar="FILE.csv", help="events CSV to write")
    add_prometheus_flags(p)
    _add_sloth_period(p)

    p = sub.add_parser("export-rules", help="Prometheus recording and alerting rules for SLOs")
    p.add_argument("--slos", nargs="+", required=True, metavar="PATH", help="spec files or dirs")
    p.add_argument("--output", metavar="FILE", help="rules file to write (default: stdout)")
    _add_sloth_period(p)

    p = sub.add_parser("quality", help="data-quality checks over a week of the warehouse")
    p.add_argument("--week", metavar="DATE", help="any day of the week (default: last week)")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown")

    p = sub.add_parser("demo", help="run the whole pipeline on the example configuration")
    p.add_argument("--days", type=_days_arg, default=28, help="days to evaluate (default 28)")
    p.add_argument(
        "--end", type=_date_arg, help="first day after the range, ISO date (default: today, UTC)"
    )
    p.add_argument("--output-dir", metavar="DIR", help="pipeline home (default ~/.sre_pipeline)")
    p.add_argument("--prometheus-url", help="collect from this Prometheus instead of the demo")
    p.add_argument("--verbose", action="store_true", help="show Dagster's own logs too")

    p = sub.add_parser(
        "backfill", help="back-fill the daily assets in process, without the Dagster daemon"
    )
    p.add_argument("--start", type=_date_arg, required=True, help="first day, ISO date")
    p.add_argument(
        "--end", type=_date_arg, required=True,
        help="first day after the range, ISO date (2026-11-01..2026-12-01 is November)",
    )  # fmt: skip
    p.add_argument(
        "--assets", nargs="+", metavar="ASSET",
        help="daily assets to back-fill (default: sli_events capacity_samples slo_status "
        "burn_alerts)",
    )  # fmt: skip
    p.add_argument("--force", action="store_true", help="re-run days that are already complete")
    p.add_argument("--verbose", action="store_true", help="show Dagster's own logs too")
    return parser


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The ``sre-pipeline`` command: validate specs, evaluate SLOs on exported counts, run the demo.

Bad input (specs, CSVs, flags) ends with a clear message and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import timedelta

from sre_pipeline.commands import UsageError
from sre_pipeline.slo.durations import DurationError, parse_duration
from sre_pipeline.slo.problems import SpecError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _duration_arg(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_sloth_period(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--sloth-period",
        type=_duration_arg,
        default=timedelta(days=30),
        help="SLO period for Sloth specs, which do not state one (default: 30d, as Sloth)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="sre-pipeline",
        description="SLO error budgets, burn-rate alerts and weekly reliability reviews.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check SLO spec files (native, OpenSLO v1, Sloth)")
    p.add_argument("paths", nargs="+", metavar="PATH", help="spec files or directories")
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

    p = sub.add_parser("demo", help="evaluate the example SLOs on generated example data")
    p.add_argument("--slos", nargs="+", metavar="PATH", help="spec paths (default: examples/slos)")
    p.add_argument("--days", type=int, default=28, help="days of history to generate (default 28)")
    p.add_argument("--output-dir", metavar="DIR", help="where to write outputs (default: home)")
    _add_sloth_period(p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "validate":
            from sre_pipeline.commands.validate import run
        elif args.command == "evaluate":
            from sre_pipeline.commands.evaluate import run
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

"""``sre-pipeline export-rules --slos PATH... [--output FILE]``: Prometheus rules for the SLOs."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from sre_pipeline.commands import sloth_period
from sre_pipeline.slo.rules.export import build_rules, rules_yaml
from sre_pipeline.slo.spec.loader import load_catalog


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``, so a
    rule loader never reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args) -> int:
    """Load the catalog and write its rules to ``args.output`` or stdout; specs with errors
    raise SpecError (exit 2)."""
    catalog = load_catalog(args.slos, sloth_period=sloth_period(args))
    for warning in catalog.warnings:
        print(warning, file=sys.stderr)
    if catalog.listed:  # their queries are not PromQL, or not evaluated yet: no rules
        ids = ", ".join(s.id for s in catalog.listed)
        print(f"no rules for the SLO(s) listed, not collected: {ids}", file=sys.stderr)
    text = rules_yaml(catalog.slos)
    groups = build_rules(catalog.slos)["groups"]
    n_record = sum("record" in r for g in groups for r in g["rules"])
    n_alert = sum("alert" in r for g in groups for r in g["rules"])
    if args.output:
        write_atomically(Path(args.output), text)
        where = args.output
    else:
        sys.stdout.write(text)
        where = "stdout"
    print(
        f"{len(catalog.slos)} SLO(s): {len(groups)} group(s), {n_record} recording rule(s), "
        f"{n_alert} alerting rule(s) written to {where}",
        file=sys.stderr,
    )
    return 0

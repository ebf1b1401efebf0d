"""Run ``sre-pipeline`` in process and write small input files for the bad-input tests."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

from sre_pipeline.cli import main


@dataclass
class Done:
    """Exit code and captured output of one command."""

    code: int
    out: str
    err: str

    @property
    def lines(self) -> list[str]:
        """The lines of stderr."""
        return self.err.splitlines()


def cli(capsys, *argv) -> Done:
    """``sre-pipeline ARGV`` in this process; argparse's own exits become exit codes too."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err, out + err
    return Done(code, out, err)


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path`` (parents created) and return the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


NATIVE = """\
apiVersion: sre-pipeline/v1
service: {name: shop}
slos:
  - name: avail
    objective: 99.9
    period: 30d
    sli:
      events:
        bad: sum(rate(errors_total[{{ .window }}]))
        total: sum(rate(requests_total[{{ .window }}]))
"""

LATENCY = """\
apiVersion: sre-pipeline/v1
service: {name: shop}
slos:
  - name: fast
    objective: 99
    period: 30d
    sli:
      latency:
        metric: http_request_duration_seconds
        matchers: {job: shop}
        threshold: 0.3
"""

OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: avail
spec:
  service: shop
  indicator:
    metadata:
      name: shop-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(errors_total[{{ .window }}]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(requests_total[{{ .window }}]))
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: "2026-01-01 00:00:00"
        timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
"""

SLOTH = """\
version: prometheus/v1
service: mail
slos:
  - name: avail
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(errors_total[{{.window}}]))
        total_query: sum(rate(requests_total[{{.window}}]))
    alerting:
      page_alert: {disable: true}
      ticket_alert: {disable: true}
"""

CAPACITY = """\
apiVersion: sre-pipeline/v1
kind: CapacityResources
resources:
  - name: db-cpu
    utilisation: max(resource_utilisation_ratio{resource="db-cpu"})
    thresholds: {warn: 70, scale: 80, emergency: 90}
"""

POSTMORTEM = """\
---
id: INC-1
title: Checkout errors
severity: SEV2
services: [shop]
started: 2026-11-20T10:00:00Z
resolved: 2026-11-20T11:00:00Z
---
# Checkout errors

## Action items

| Action | Owner | Due | Status |
|--------|-------|-----|--------|
| Add a retry budget | erin | 2026-12-04 | open |
"""


def replaced(template: str, old: str, new: str) -> str:
    """``template`` with its one occurrence of ``old`` replaced by ``new``."""
    assert template.count(old) == 1, old
    return template.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    """1-based line of the first line of ``text`` containing ``fragment``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)

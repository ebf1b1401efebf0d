"""Load SLO specs from files and directories in any mix of the three formats.

Every problem in every file is collected before anything is raised, so one run of
``sre-pipeline validate`` shows all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.inputs.validation import DocContext
from sre_pipeline.inputs.yamldocs import read_documents
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.spec import native, openslo, sloth

SPEC_SUFFIXES = (".yaml", ".yml")
DEFAULT_SLOTH_PERIOD = timedelta(days=30)  # Sloth's own default period


@dataclass
class Catalog:
    """The loaded SLOs in a stable order, plus warnings that did not stop loading."""

    slos: list[SLO]
    warnings: list[Problem] = field(default_factory=list)

    def by_id(self) -> dict[str, SLO]:
        """SLOs keyed by id."""
        return {s.id: s for s in self.slos}

    @property
    def ids(self) -> list[str]:
        """SLO ids in catalog order."""
        return [s.id for s in self.slos]


def spec_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Expand files and directories (recursively, ``*.yaml``/``*.yml``) in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix in SPEC_SUFFIXES and f.is_file())
            if not found:
                problems.append(
                    Problem(str(p), None, "(directory)", "no .yaml/.yml files", "SLO specs")
                )
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            problems.append(
                Problem(str(p), None, "(path)", "no such file or directory", "a spec file")
            )
    return files, problems


def detect_format(data: object) -> str | None:
    """``native``, ``openslo`` or ``sloth`` from a document's header, or None."""
    if not isinstance(data, dict):
        return None
    api = str(data.get("apiVersion", ""))
    if api.startswith("openslo/"):
        return "openslo"
    if str(data.get("version", "")).startswith("prometheus/") or api.startswith("sloth.slok.dev/"):
        return "sloth"
    if api.startswith("sre-pipeline/") or ("service" in data and "slos" in data):
        return "native"
    return None


def load_catalog(
    paths: Iterable[str | Path], sloth_period: timedelta = DEFAULT_SLOTH_PERIOD
) -> Catalog:
    """Load, validate and convert every spec under ``paths``.

    Raises :class:`SpecError` with every error found (warnings are kept on the catalog).
    """
    paths = list(paths)
    files, problems = spec_files(paths)
    slos: list[SLO] = []
    registry = openslo.Registry()
    for path in files:
        docs, read_problems = read_documents(path)
        problems += read_problems
        for doc in docs:
            ctx = DocContext(doc)
            fmt = detect_format(doc.data)
            if fmt == "native":
                slos += native.convert(ctx)
            elif fmt == "sloth":
                slos += sloth.convert(ctx, sloth_period)
            elif fmt == "openslo":
                registry.add(ctx)
            else:
                ctx.problem(
                    (),
                    "cannot tell the spec format",
                    "apiVersion: sre-pipeline/v1, apiVersion: openslo/v1 or version: prometheus/v1",
                )
            problems += ctx.problems
    openslo_slos, openslo_problems = registry.resolve()
    slos += openslo_slos
    problems += openslo_problems
    problems += _duplicates(slos)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SpecError(problems)
    if not slos and not errors:
        raise SpecError(
            [Problem(", ".join(map(str, paths)), None, "(paths)", "no SLOs found", "SLO specs")]
        )
    return Catalog(slos=slos, warnings=[p for p in problems if p.severity == "warning"])


def _duplicates(slos: list[SLO]) -> list[Problem]:
    first: dict[str, SLO] = {}
    out = []
    for slo in slos:
        if slo.id in first:
            prev = first[slo.id].source
            out.append(
                Problem(
                    slo.source.file,
                    slo.source.document,
                    f"SLO id '{slo.id}'",
                    f"duplicate id, first defined in {prev.file} (document {prev.document})",
                    "SLO ids (<service>-<name>) unique across all files",
                )
            )
        else:
            first[slo.id] = slo
    return out

"""Load SLO specs from files and directories in any mix of the three formats.

Every problem in every file is collected before anything is raised, so one run of
``sre-pipeline validate`` shows all of them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from sre_pipeline.inputs.problems import Problem, SpecError
from sre_pipeline.inputs.validation import DocContext
from sre_pipeline.inputs.yamldocs import read_documents
from sre_pipeline.slo.budget.timeslices import slice_problem
from sre_pipeline.slo.model import SLO
from sre_pipeline.slo.spec import cache, native, openslo, sloth

SPEC_SUFFIXES = (".yaml", ".yml", ".json")  # as oslo reads directories
DEFAULT_SLOTH_PERIOD = timedelta(days=30)  # Sloth's own default period


@dataclass
class Catalog:
    """The loaded SLOs in a stable order, plus warnings that did not stop loading."""

    slos: list[SLO]
    warnings: list[Problem] = field(default_factory=list)
    others: dict[str, int] = field(default_factory=dict)  # other OpenSLO kinds read, by kind
    # valid SLOs the pipeline cannot collect (``collectable`` False, ``note`` says why):
    # listed in the catalog, never collected or evaluated
    listed: list[SLO] = field(default_factory=list)

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


class FormatReader(Protocol):
    """Reads the documents of one format: ``add`` returns a document's SLOs when they can be
    converted on their own; ``finish`` returns those deferred (formats whose documents
    reference each other, like OpenSLO, resolve there) and the problems resolving found."""

    def add(self, ctx: DocContext) -> list[SLO]: ...

    def finish(self) -> tuple[list[SLO], list[Problem]]: ...


class SpecFormat(Protocol):
    """A spec format module: ``NAME``, ``EXPECTED_HEADER`` (for "cannot tell the format"),
    ``detect(data)`` on a document's mapping, and ``Reader(options)``. A new format is one
    module with these four, added to :data:`FORMATS`."""

    NAME: str
    EXPECTED_HEADER: str

    def detect(self, data: dict) -> bool: ...

    def Reader(self, options: LoadOptions) -> FormatReader: ...  # noqa: N802 - a class


@dataclass(frozen=True)
class LoadOptions:
    """What a reader may need besides the documents."""

    sloth_period: timedelta = DEFAULT_SLOTH_PERIOD
    strict_references: bool = True  # False: unresolved OpenSLO references are warnings


FORMATS: tuple[SpecFormat, ...] = (openslo, sloth, native)  # detection order


def detect_format(data: object) -> str | None:
    """``native``, ``openslo`` or ``sloth`` from a document's header, or None."""
    if not isinstance(data, dict):
        return None
    return next((f.NAME for f in FORMATS if f.detect(data)), None)


# (paths' contents, options) -> the catalog or the error of loading them; a process (a code
# server, a back-fill) builds its definitions once per run and job, and parsing thousands of
# specs each time was most of a daily run
_LOADED: dict[tuple, Catalog | SpecError] = {}
_LOADED_MAX = 8


def _contents_key(paths: list) -> tuple | None:
    """What the files under ``paths`` hold (names and a hash of their bytes), or None when one
    cannot be read (then nothing is cached)."""
    files, problems = spec_files(paths)
    digest = hashlib.blake2b(digest_size=16)
    try:
        for f in files:
            digest.update(str(f).encode() + b"\0" + f.read_bytes() + b"\0")
    except OSError:
        return None
    return (tuple(map(str, paths)), digest.hexdigest(), tuple(map(str, problems)))


def load_catalog(
    paths: Iterable[str | Path],
    sloth_period: timedelta = DEFAULT_SLOTH_PERIOD,
    allow_empty: bool = False,
    strict_references: bool = True,
    bucket: timedelta | None = None,
    cache_dir: Path | None = None,
) -> Catalog:
    """Load, validate and convert every spec under ``paths``.

    Raises :class:`SpecError` with every error found (warnings are kept on the catalog), or
    when no SLO is found, unless ``allow_empty`` and other OpenSLO objects, listed SLOs or
    empty files were (``validate`` on files holding only Services or DataSources, or nothing:
    valid OpenSLO, nothing to evaluate). With ``bucket`` (the collection's bucket width), a
    time slice that is not a whole number of buckets dividing a day is an error too.

    Loading the same files (same bytes) with the same options again in one process returns
    the first result without parsing them again; with ``cache_dir``, so does a later process
    (:mod:`.cache`: a catalog that loaded is kept there by the files' bytes).
    """
    paths = list(paths)
    contents = _contents_key(paths)
    key = (
        None
        if contents is None
        else (contents, sloth_period, allow_empty, strict_references, bucket)
    )
    if key is not None and key in _LOADED:
        return _fresh(_LOADED[key])
    kept = None if key is None or cache_dir is None else cache.get(cache_dir, key)
    if isinstance(kept, Catalog):
        _remember(key, kept)
        return _fresh(kept)
    try:
        catalog = _load_catalog(paths, sloth_period, allow_empty, strict_references, bucket)
    except SpecError as exc:
        _remember(key, exc)
        raise
    _remember(key, catalog)
    if key is not None and cache_dir is not None:
        cache.put(cache_dir, key, catalog)
    return _fresh(catalog)


def _remember(key: tuple | None, result: Catalog | SpecError) -> None:
    if key is None:
        return
    if len(_LOADED) >= _LOADED_MAX:
        del _LOADED[next(iter(_LOADED))]
    _LOADED[key] = result


def _fresh(result: Catalog | SpecError) -> Catalog:
    """A copy of a remembered result (lists the caller may change), or its error raised."""
    if isinstance(result, SpecError):
        raise SpecError(list(result.problems))
    return Catalog(
        list(result.slos), list(result.warnings), dict(result.others), list(result.listed)
    )


def _load_catalog(
    paths: list,
    sloth_period: timedelta,
    allow_empty: bool,
    strict_references: bool,
    bucket: timedelta | None,
) -> Catalog:
    """:func:`load_catalog` without the memory."""
    files, problems = spec_files(paths)
    options = LoadOptions(sloth_period, strict_references)
    readers = {f.NAME: f.Reader(options) for f in FORMATS}
    headers = [f.EXPECTED_HEADER for f in (native, openslo, sloth)]  # the native one first
    headers[-1:-1] = ["apiVersion: sloth.slok.dev/v1"]
    expected = ", ".join(headers[:-1]) + " or " + headers[-1]
    slos: list[SLO] = []  # in file and document order, then the deferred ones
    others: dict[str, int] = {}
    empty: list[str] = []  # files without a document: valid (as oslo reads them), a warning
    for path in files:
        docs, read_problems = read_documents(path)
        problems += read_problems
        items = [item for d in docs for item in d.items()]
        if not items and not read_problems:  # nothing, or an empty list ([])
            empty.append(str(path))
            problems.append(
                Problem(str(path), None, "(file)", "no documents", "SLO specs", severity="warning")
            )
        for doc in items:
            ctx = DocContext(doc)
            fmt = detect_format(doc.data)
            version = doc.data.get("apiVersion") if isinstance(doc.data, dict) else None
            if fmt is None and isinstance(version, str):
                ctx.problem(("apiVersion",), f"unsupported apiVersion '{version}'", expected)
            elif fmt is None and isinstance(doc.data, dict) and "groups" in doc.data:
                # generated rules next to their specs (Sloth's _gen/, export-rules output)
                message = "a Prometheus rule file (groups:), not an SLO spec"
                ctx.problem(("groups",), message, expected + "; keep rule files out of SLO paths")
            elif fmt is None:
                ctx.problem((), "cannot tell the spec format", expected)
            else:
                slos += readers[fmt].add(ctx)
                kind = doc.data.get("kind") if fmt == "openslo" else None
                if isinstance(kind, str) and kind != "SLO":
                    others[kind] = others.get(kind, 0) + 1
            problems += ctx.problems
    for reader in readers.values():
        found, resolve_problems = reader.finish()
        slos += found
        problems += resolve_problems
    problems += _duplicates(slos)
    if bucket is not None:
        problems += _unfit_slices(slos, bucket)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise SpecError(problems)
    listed = [s for s in slos if not s.collectable]
    slos = [s for s in slos if s.collectable]
    warned = any(p.severity == "warning" for p in problems)  # they say why nothing loaded
    if not slos and not (allow_empty and (others or listed or empty or warned)):
        what = "no SLOs found" + (
            f" that the pipeline can collect (listed only: {', '.join(s.id for s in listed)})"
            if listed
            else ""
        )
        raise SpecError([Problem(", ".join(map(str, paths)), None, "(paths)", what, "SLO specs")])
    warnings = [p for p in problems if p.severity == "warning"]
    return Catalog(slos=slos, warnings=warnings, others=dict(sorted(others.items())), listed=listed)


def _unfit_slices(slos: list[SLO], bucket: timedelta) -> list[Problem]:
    """A problem for each SLO whose time slice the buckets cannot make (caught here, before a
    run collects anything, rather than when its evaluation step fails)."""
    width = int(bucket.total_seconds()) * 10**9
    out = []
    for slo in slos:
        if slo.budgeting.slice is None or not slo.collectable:
            continue
        why = slice_problem(int(slo.budgeting.slice.total_seconds()) * 10**9, width)
        if why:
            minutes = int(bucket.total_seconds() // 60)
            out.append(
                Problem(
                    slo.source.file,
                    slo.source.document,
                    f"(SLO {slo.id})",
                    f"{why} (bucket_minutes: {minutes})",
                    f"a slice that is a multiple of {minutes}m and divides a day (e.g. 5m, "
                    "10m, 1h), or a bucket_minutes that divides the slice",
                )
            )
    return out


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

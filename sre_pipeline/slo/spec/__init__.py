"""SLO spec formats (native, OpenSLO v1, Sloth), each behind one detect/load protocol: a
format module turns its documents into :class:`~sre_pipeline.slo.model.SLO` objects and the
loader detects the format of each file. Everything else reads a :class:`Catalog`."""

from sre_pipeline.slo.spec.loader import (
    DEFAULT_SLOTH_PERIOD,
    SPEC_SUFFIXES,
    Catalog,
    detect_format,
    load_catalog,
    spec_files,
)

__all__ = [
    "DEFAULT_SLOTH_PERIOD",
    "SPEC_SUFFIXES",
    "Catalog",
    "detect_format",
    "load_catalog",
    "spec_files",
]

"""Parsed catalogs kept on disk between processes, by the bytes of their spec files.

Every run of the hourly job, every back-fill chunk and every CLI command is a new process that
loads the catalog again: at 10,000 spec files that is about 7 s of YAML, pydantic and PromQL
parsing, repeated each time for the same files. A catalog that loaded without errors is kept
here as a pickle named by a digest of what it was made from: the files' names and bytes, the
load options, and the source of the code that parses them (a changed parser never reads an
older parser's catalog). Anything else (another file, an edited byte, another version) is a
miss and parses as before; a file that cannot be read back (truncated, from another Python) is
a miss too. Errors are never kept: they are reported from a fresh parse.

The directory is the user's own (``$SRE_PIPELINE_HOME/cache``): a pickle is trusted as code
from that directory would be.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import pydantic

KEEP = 4  # catalogs kept: a few configurations side by side (demo, production, a test)
_PARSERS = ("slo", "inputs")  # the packages whose code decides what a spec file parses to
_code_digest: str | None = None


def code_digest() -> str:
    """A digest of the parsing code (the ``slo`` and ``inputs`` packages) and pydantic's
    version: part of every key, so an upgrade or a local edit never reads a stale catalog."""
    global _code_digest
    if _code_digest is None:
        root = Path(__file__).resolve().parents[2]
        digest = hashlib.blake2b(pydantic.VERSION.encode(), digest_size=16)
        for package in _PARSERS:
            for f in sorted((root / package).rglob("*.py")):
                digest.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
        _code_digest = digest.hexdigest()
    return _code_digest


def _path(directory: Path, key: tuple) -> Path:
    name = hashlib.blake2b(repr((code_digest(), key)).encode(), digest_size=20).hexdigest()
    return directory / f"catalog-{name}.pickle"


def get(directory: Path, key: tuple):
    """The catalog kept under ``key``, or None."""
    try:
        with open(_path(directory, key), "rb") as fh:
            return pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError):
        return None  # not kept, or unreadable: parse again


def put(directory: Path, key: tuple, catalog) -> None:
    """Keep ``catalog`` under ``key`` (written whole, then renamed into place, so a reader in
    another process sees all of it or nothing); the oldest beyond :data:`KEEP` are removed. A
    directory that cannot be written is not an error: the next process parses again."""
    tmp = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".catalog-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(catalog, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, _path(directory, key))
        tmp = None
        kept = sorted(directory.glob("catalog-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-KEEP]:
            old.unlink(missing_ok=True)
    except (OSError, pickle.PicklingError):
        pass
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)

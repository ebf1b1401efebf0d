"""Problems found in spec files, reported all at once with file, document, field and line."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def format_path(parts: Sequence[str | int]) -> str:
    """``('slos', 0, 'sli', 'events')`` -> ``slos[0].sli.events``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious, when ``severity == 'warning'``) in a spec file."""

    file: str
    document: int | None  # 1-based index of the YAML document in the file
    path: str  # field path such as slos[0].objective
    message: str
    expected: str | None = None
    line: int | None = None
    severity: str = "error"

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        doc = f" (document {self.document})" if self.document else ""
        text = f"{where}{doc}: {self.path}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        return f"warning: {text}" if self.severity == "warning" else f"error: {text}"


class SpecError(Exception):
    """Raised with every problem found, so a user fixes them all in one go."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'objective'?)`` or an empty string when nothing is close."""
    match = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""

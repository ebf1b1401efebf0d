"""Decoding range-query answers straight into numpy arrays.

A collection reads millions of ``[timestamp, "value"]`` pairs; msgspec decodes the JSON into
typed tuples and parses the value strings in C, about twice as fast as ``json`` plus numpy, and
nothing but two arrays per series is kept. Prometheus writes infinities as ``"+Inf"``, which
msgspec does not parse; such answers take the slower generic path.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from itertools import chain

import msgspec
import numpy as np


class _Series(msgspec.Struct):
    metric: dict[str, str] = {}
    values: list[tuple[float, float]] = []


class _Stats(msgspec.Struct):
    timings: dict[str, float] = {}


class _Data(msgspec.Struct):
    resultType: str  # noqa: N815 - the API's key
    result: list[_Series]
    stats: _Stats | None = None


class _Body(msgspec.Struct):
    status: str
    data: _Data | None = None


_DECODER = msgspec.json.Decoder(_Body, strict=False)  # strict=False: "1.5" parses as a float


@dataclass
class SeriesData:
    """One series of a range answer: labels, instants (epoch seconds) and values."""

    metric: dict[str, str]
    times: np.ndarray  # int64 seconds
    values: np.ndarray  # float64, may hold NaN/inf as Prometheus returned them


@dataclass
class Matrix:
    """A decoded range answer and Prometheus's own evaluation time for it (``stats=all``)."""

    series: list[SeriesData] = field(default_factory=list)
    eval_seconds: float = 0.0


def _arrays(values: list) -> tuple[np.ndarray, np.ndarray]:
    if not values:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
    # one flat pass over the pairs: np.asarray on a list of tuples inspects each tuple as a
    # sequence first (4,032 pairs: 1.4 ms instead of 0.8 ms, most of a back-fill's decoding)
    flat = np.fromiter(chain.from_iterable(values), dtype=np.float64, count=2 * len(values))
    return np.rint(flat[0::2]).astype(np.int64), flat[1::2].copy()


def decode_matrix(content: bytes) -> Matrix | None:
    """The answer as a :class:`Matrix`, or None when it is not a successful matrix answer."""
    try:
        body = _DECODER.decode(content)
        if body.status != "success" or body.data is None or body.data.resultType != "matrix":
            return None
        timings = body.data.stats.timings if body.data.stats else {}
        series = [SeriesData(s.metric, *_arrays(s.values)) for s in body.data.result]
        return Matrix(series, float(timings.get("evalTotalTime", 0.0)))
    except msgspec.ValidationError:
        return _generic(content)  # "+Inf"/"-Inf" values, or an unexpected shape
    except msgspec.DecodeError:
        return None


def _generic(content: bytes) -> Matrix | None:
    try:
        body = json.loads(content)
        data = body["data"]
        if body.get("status") != "success" or data.get("resultType") != "matrix":
            return None
        series = [
            SeriesData(
                s.get("metric", {}),
                np.array([round(float(t)) for t, _ in s.get("values", [])], dtype=np.int64),
                np.array([float(v) for _, v in s.get("values", [])], dtype=np.float64),
            )
            for s in data["result"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    timings = (data.get("stats") or {}).get("timings") or {}
    return Matrix(series, float(timings.get("evalTotalTime", 0.0)))

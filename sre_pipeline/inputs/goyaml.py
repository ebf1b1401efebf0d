"""A plain YAML scalar as the string Go's YAML decoders make of it for a ``string`` field.

Sloth reads ``prometheus/v1`` files with ``sigs.k8s.io/yaml`` (``go.yaml.in/yaml/v2``
resolution, YAML 1.1), which turns a scalar that resolves to a bool, number or null into a
string when the target field is a string, and writes that string into the rules: ``generated:
true`` is ``"true"``, ``le: 0.20`` is ``"0.2"``, ``y`` is ``"true"``, ``010`` is ``"8"``. Floats
are formatted as Go's ``strconv.FormatFloat(v, 'g', -1, 32)``: the shortest digits that give the
same float32, in exponent form below 1e-4 and from 1e6 on. PyYAML resolves YAML 1.1 slightly
differently (``y`` and ``1e3`` stay strings there), so the text as written is resolved here.
"""

from __future__ import annotations

import math
import re

import numpy as np

_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
_NULL = {"", "~", "null", "Null", "NULL"}
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL = {
    ".inf": math.inf,
    ".Inf": math.inf,
    ".INF": math.inf,
    "+.inf": math.inf,
    "+.Inf": math.inf,
    "+.INF": math.inf,
    "-.inf": -math.inf,
    "-.Inf": -math.inf,
    "-.INF": -math.inf,
    ".nan": math.nan,
    ".NaN": math.nan,
    ".NAN": math.nan,
}
_BASES = {"0x": 16, "0X": 16, "0o": 8, "0O": 8, "0b": 2, "0B": 2}
INT64 = 1 << 63


def _go_int(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)`` (then ParseUint): a sign, then ``0x``/``0o``/``0b``,
    a leading ``0`` for octal, or decimal digits; None when it is not one of them."""
    sign = -1 if text.startswith("-") else 1
    body = text[1:] if text[:1] in "+-" else text
    if body[:2] in _BASES:
        base, digits = _BASES[body[:2]], body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, digits = 8, body[1:]
    else:
        base, digits = 10, body
    if not digits.isalnum():  # int() would also take spaces and a second sign
        return None
    try:
        value = sign * int(digits, base)
    except ValueError:
        return None
    return value if -INT64 <= value < (1 << 64) else None


def format_float32(value: float) -> str:
    """``strconv.FormatFloat(value, 'g', -1, 32)``: ``0.2``, ``1e+06``, ``3.1415927``."""
    return format_float(value, 32)


def format_float(value: float, bits: int = 64) -> str:
    """``strconv.FormatFloat(value, 'g', -1, bits)`` (Go's ``%g`` for 64): the shortest
    digits that give the same float of that size, in exponent form below 1e-4 and from
    1e6 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    single = np.float32(value) if bits == 32 else np.float64(value)
    if single == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    mantissa, exp = np.format_float_scientific(single, unique=True, trim="-").split("e")
    neg = mantissa.startswith("-")
    digits = mantissa.lstrip("-").replace(".", "")
    exponent = int(exp)
    if exponent < -4 or exponent >= 6:
        head = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        text = f"{head}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    elif exponent >= 0:
        whole, frac = digits[: exponent + 1].ljust(exponent + 1, "0"), digits[exponent + 1 :]
        text = whole + ("." + frac if frac else "")
    else:
        text = "0." + "0" * (-exponent - 1) + digits
    return ("-" if neg else "") + text


def resolve(text: str) -> tuple[str, str]:
    """``(kind, string)`` of a plain (unquoted) YAML scalar as Go's decoders read it: kind
    ``str``, ``bool``, ``null``, ``int`` or ``float``, and the string a Go ``string`` field
    gets from it (a timestamp is a ``str``, kept as written)."""
    if text in _TRUE:
        return "bool", "true"
    if text in _FALSE:
        return "bool", "false"
    if text in _NULL:
        return "null", ""
    if text in _SPECIAL:
        return "float", format_float32(_SPECIAL[text])
    plain = text.replace("_", "")
    if plain[:1].isdigit() or plain[:1] in "+-.":
        number = _go_int(plain)
        if number is not None:
            return "int", str(number)
        if _FLOAT.match(plain):
            return "float", format_float32(float(plain))
        for prefix, sign in (("0b", 1), ("-0b", -1)):
            if plain.startswith(prefix) and re.fullmatch("[01]+", plain[len(prefix) :]):
                return "int", str(sign * int(plain[len(prefix) :], 2))
    return "str", text


def go_string(text: str) -> str:
    """The string a plain (unquoted) YAML scalar ``text`` becomes in a Go ``string`` field."""
    return resolve(text)[1]

"""Postmortem ticket references mapped to configured trackers, and nothing guessed."""

from __future__ import annotations

import pytest

from sre_pipeline.inputs.tickets_config import TrackerIn
from sre_pipeline.tickets.refs import resolve

KEY = {"api_key_env": "K"}
TOKEN = {"token_env": "T"}
TRACKERS = {
    "ops": TrackerIn(type="redmine", url="https://redmine.example/rm", project="ops", **KEY),
    "search": TrackerIn(type="jira", url="https://jira.example", project="SRCH", **TOKEN),
    "gh": TrackerIn(type="github", repo="acme/shop", **TOKEN),
    "ghe": TrackerIn(
        type="github", url="https://git.acme.example/api/v3", repo="infra/db", **TOKEN
    ),
    "lab": TrackerIn(type="gitlab", url="https://gitlab.example", project="grp/cart", **TOKEN),
    "outbox": TrackerIn(type="outbox"),
}


@pytest.mark.parametrize(
    ("ref", "home", "expected"),
    [
        ("https://redmine.example/rm/issues/42", None, ("ops", "42")),
        ("https://redmine.example/rm/issues/42/", None, ("ops", "42")),
        ("https://redmine.example/other/issues/42", None, None),  # not under its path
        ("https://jira.example/browse/SRCH-112", None, ("search", "SRCH-112")),
        ("https://jira.example/browse/CART-1", None, None),  # another project's key
        ("SRCH-112", None, ("search", "SRCH-112")),
        ("srch-112", None, ("search", "SRCH-112")),
        ("CART-501", None, None),  # no Jira tracker has project CART
        ("https://github.com/acme/shop/issues/7", None, ("gh", "7")),
        ("https://github.com/acme/shop/pull/7", None, None),  # a pull request is no ticket
        ("acme/shop#7", None, ("gh", "7")),
        ("https://git.acme.example/infra/db/issues/3", None, ("ghe", "3")),
        ("https://gitlab.example/grp/cart/-/issues/9", None, ("lab", "9")),
        ("ops#12", None, ("ops", "12")),
        ("outbox#3", "ops", ("outbox", "3")),
        ("#12", "ops", ("ops", "12")),
        ("12", "lab", ("lab", "12")),
        ("#12", "search", None),  # a Jira id is a key, never a bare number
        ("#12", None, None),
        ("https://elsewhere.example/issues/42", "ops", None),
        ("", "ops", None),
        (None, "ops", None),
        ("see the spreadsheet", "ops", None),
    ],
)
def test_references_as_postmortems_write_them(ref, home, expected):
    assert resolve(ref, TRACKERS, home) == expected

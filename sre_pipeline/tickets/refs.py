"""Which configured tracker a postmortem's ticket reference names (docs/tickets.md "Action
items read back").

Postmortems name the ticket of an action item as people write it: a URL, a Jira key, a GitHub
``owner/repo#12``, ``#12``, or ``<tracker name>#12``. :func:`resolve` maps each to a configured
tracker and the id that tracker's API takes, so the ticket step can read it back; a reference
no configured tracker can claim is left to the postmortem (and listed as not read back), never
guessed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from sre_pipeline.inputs.tickets_config import TrackerIn

_JIRA_KEY = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)-(\d+)$")
_NAMED = re.compile(r"^(?P<name>[^\s#]+)#(?P<id>[A-Za-z0-9_-]+)$")
_BARE = re.compile(r"^#?(\d+)$")
_GITHUB_WEB = "https://github.com"


def _path(url: str) -> tuple[str, str]:
    """``(host, path)`` of a URL, lower-cased host, no trailing slash."""
    parts = urlsplit(url.strip())
    return parts.netloc.lower(), parts.path.rstrip("/")


def _web_root(t: TrackerIn) -> str | None:
    """Where the tracker's tickets are shown (GitHub's API URL is not its web address)."""
    if t.type == "github":
        if not t.url or "api.github.com" in t.url:
            return _GITHUB_WEB
        return re.sub(r"/api/v3/?$", "", t.url.rstrip("/"))
    return t.url


def _from_url(ref: str, t: TrackerIn) -> str | None:
    """The id in a ticket URL of tracker ``t``, or None when the URL is not one of its."""
    root = _web_root(t)
    if not root:
        return None
    host, path = _path(ref)
    root_host, root_path = _path(root)
    if host != root_host or not (path + "/").startswith(root_path + "/"):
        return None
    rest = path[len(root_path) :]
    patterns = {
        "redmine": r"^/issues/(\d+)$",
        "jira": r"^/browse/([A-Za-z][A-Za-z0-9_]*-\d+)$",
        "github": rf"^/{re.escape(t.repo or '')}/issues/(\d+)$",
        "gitlab": rf"^/{re.escape(t.project or '')}/-/issues/(\d+)$",
    }
    if t.type not in patterns:
        return None
    found = re.match(patterns[t.type], rest, re.IGNORECASE)
    if not found:
        return None
    ticket = found.group(1)
    if t.type == "jira" and t.project and not ticket.upper().startswith(f"{t.project.upper()}-"):
        return None
    return ticket.upper() if t.type == "jira" else ticket


def resolve(
    ref: str | None, trackers: Mapping[str, TrackerIn], home: str | None = None
) -> tuple[str, str] | None:
    """``(tracker name, tracker id)`` of a postmortem's ticket reference, or None when no
    configured tracker can claim it. ``home`` is the tracker of the item's team: a bare
    ``#12`` / ``12`` means a ticket there (never in a Jira tracker, whose ids are keys).

    >>> ops = TrackerIn(type="jira", url="https://ops.example", project="OPS", token_env="T")
    >>> trackers = {"ops": ops}
    >>> resolve("OPS-7", trackers), resolve("https://ops.example/browse/OPS-7", trackers)
    (('ops', 'OPS-7'), ('ops', 'OPS-7'))
    >>> resolve("SRCH-112", trackers) is None
    True
    """
    ref = (ref or "").strip()
    if not ref:
        return None
    if "://" in ref:
        for name, t in trackers.items():
            found = _from_url(ref, t)
            if found:
                return name, found
        return None
    named = _NAMED.match(ref)
    if named:
        name, ticket = named.group("name"), named.group("id")
        if name in trackers:
            return name, ticket
        # GitHub's own shorthand: owner/repo#12
        for tname, t in trackers.items():
            if t.type == "github" and (t.repo or "").lower() == name.lower() and ticket.isdigit():
                return tname, ticket
        return None
    key = _JIRA_KEY.match(ref)
    if key:
        for name, t in trackers.items():
            if t.type == "jira" and (t.project or "").upper() == key.group(1).upper():
                return name, ref.upper()
        return None
    bare = _BARE.match(ref)
    if bare and home in trackers and trackers[home].type != "jira":
        return home, bare.group(1)
    return None

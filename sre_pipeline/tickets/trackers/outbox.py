"""The embedded default tracker: a JSON-lines file, one line per action (``create``,
``comment``, ``priority``, ``close``), under ``$SRE_PIPELINE_HOME/tickets/``.

It is a real tracker as far as the lifecycle is concerned: the state of every ticket is the
replay of its lines, so ``open_tickets`` answers from the file and a lost warehouse still does
not duplicate. Hand the file to any tool (``jq``, a script that files tickets elsewhere) or
read it to see what the pipeline would have done. Appends take an exclusive ``flock`` so two
runs at once never interleave half lines or hand out one id twice.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from sre_pipeline.tickets.trackers.base import NewTicket, Ticket, TrackerError


class OutboxTracker:
    """Tickets as lines of ``<folder>/<name>.jsonl``."""

    def __init__(self, name: str, folder: Path, clock=None):
        self.name = name
        self.project = name
        self.folder = Path(folder)
        self.path = self.folder / f"{name}.jsonl"
        self.label = f"outbox {self.path}"
        self._clock = clock or (lambda: datetime.now(UTC))

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / f".{self.name}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _lines(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                raise TrackerError(
                    f"{self.label}: line {number} is not JSON; expected one action per line "
                    "as the pipeline writes them (fix or remove the line)"
                ) from None
        return out

    def _tickets(self) -> dict[str, Ticket]:
        tickets: dict[str, Ticket] = {}
        for line in self._lines():
            tid = str(line.get("id"))
            if line.get("action") == "create":
                tickets[tid] = Ticket(
                    tid,
                    line["title"],
                    "open",
                    f"{self.path}#{tid}",
                    line.get("fingerprint"),
                    "open",
                    line.get("assignee"),
                    date.fromisoformat(line["due_date"]) if line.get("due_date") else None,
                    None,
                    line.get("priority"),
                )
            elif tid in tickets and line.get("action") == "priority":
                tickets[tid] = replace(tickets[tid], priority=line["priority"])
            elif tid in tickets and line.get("action") == "close":
                at = datetime.fromisoformat(line["at"])
                tickets[tid] = replace(tickets[tid], state="closed", status="closed", closed_at=at)
            elif tid in tickets and line.get("action") == "reopen":
                tickets[tid] = replace(tickets[tid], state="open", status="open", closed_at=None)
        return tickets

    def _append(self, record: dict) -> None:
        record = {"at": self._clock().isoformat(), **record}
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")

    def open_tickets(self) -> list[Ticket]:
        """The open tickets, replayed from the file."""
        return [t for t in self._tickets().values() if t.state == "open"]

    def get(self, tracker_id: str) -> Ticket:
        """One ticket by id; an unknown id is a :class:`TrackerError`."""
        ticket = self._tickets().get(str(tracker_id))
        if ticket is None:
            raise TrackerError(f"{self.label}: no ticket {tracker_id}", 404)
        return ticket

    def create(self, ticket: NewTicket) -> Ticket:
        """Append a ``create`` line with the next id."""
        with self._locked():
            ids = [int(line["id"]) for line in self._lines() if line.get("action") == "create"]
            tid = str(max(ids, default=0) + 1)
            self._append(
                {
                    "action": "create",
                    "id": tid,
                    "fingerprint": ticket.fingerprint,
                    "title": ticket.title,
                    "description": ticket.description,
                    "priority": ticket.priority,
                    "labels": list(ticket.labels),
                    "assignee": ticket.assignee,
                    "due_date": ticket.due_date.isoformat() if ticket.due_date else None,
                }
            )
        return self.get(tid)

    def _act(self, tracker_id: str, **record) -> None:
        with self._locked():
            if str(tracker_id) not in self._tickets():
                raise TrackerError(f"{self.label}: no ticket {tracker_id}", 404)
            self._append({"id": str(tracker_id), **record})

    def comment(self, tracker_id: str, text: str) -> None:
        """Append a ``comment`` line."""
        self._act(tracker_id, action="comment", text=text)

    def close(self, tracker_id: str, text: str) -> None:
        """Append a ``close`` line carrying the closing comment."""
        self._act(tracker_id, action="close", text=text)

    def set_priority(self, tracker_id: str, priority: str) -> None:
        """Append a ``priority`` line."""
        self._act(tracker_id, action="priority", priority=priority)

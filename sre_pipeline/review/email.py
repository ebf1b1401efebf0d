"""The review by e-mail (docs/review.md "E-mail"): one message per week and recipient, sent
exactly once, through SMTP or into a file outbox.

The message is built from the week's rendered folder, so what is mailed is what was
published: ``review.txt`` as the text part and ``review.email.html`` (the HTML with its charts
referenced by Content-ID and no links into the site) as the HTML part, every chart it
references attached inline::

    multipart/alternative
      text/plain
      multipart/related
        text/html
        image/png (Content-ID) ...

Every send and every failure is a row of ``outbound_audit`` (kind ``review_email``,
fingerprint ``review:<week>:<recipient>``); a recipient with a ``sent`` row is skipped unless
``resend``; the check, the send and the record happen under a lock per week
(:mod:`sre_pipeline.warehouse.locks`), so two runs at once send once. A failure stops
nothing already sent and leaves the review published; the next
attempt sends only to those still unsent.
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.locks import outbound_lock

KIND = "review_email"
_CID = re.compile(r'src="cid:([A-Za-z0-9._-]+)"')


class EmailError(Exception):
    """A message that cannot be built or sent; the message says which and why."""


def _clean(value: str, what: str) -> str:
    if "\r" in value or "\n" in value:
        raise EmailError(f"{what} must not contain a line break: {value!r}")
    return value


def subject(summary: dict) -> str:
    """The week's state in one line: "Reliability review 2026-W46: 1 SLO breached, 2 at
    risk" (or "all 17 SLOs met")."""
    parts = []
    if summary["breached"]:
        parts.append(f"{summary['breached']} SLO{'s' if summary['breached'] > 1 else ''} breached")
    if summary["at_risk"]:
        parts.append(f"{summary['at_risk']} at risk")
    if summary.get("no_data"):
        parts.append(f"{summary['no_data']} without data")
    state = ", ".join(parts) or f"all {summary['met']} SLOs met"
    return f"Reliability review {summary['week']}: {state}"


def recipients(
    to: Sequence[str], team_addresses: dict[str, str], teams: Sequence[str]
) -> list[str]:
    """The global list, then the address of every team that owns an SLO (once each)."""
    out: list[str] = []
    for address in [*to, *(team_addresses[t] for t in sorted(set(teams)) if t in team_addresses)]:
        address = _clean(address, "a recipient address")
        if address.lower() not in {a.lower() for a in out}:
            out.append(address)
    return out


def build_message(folder: Path, sender: str, recipient: str) -> EmailMessage:
    """The message of one week's folder for one recipient (see the module docstring)."""
    summary = json.loads((folder / "summary.json").read_text())
    text = (folder / "review.txt").read_text(encoding="utf-8")
    html = (folder / "review.email.html").read_text(encoding="utf-8")
    message = EmailMessage()
    message["Subject"] = _clean(subject(summary), "the subject")
    message["From"] = _clean(sender, "the sender")
    message["To"] = _clean(recipient, "a recipient address")
    message["Date"] = formatdate(usegmt=True)
    digest = hashlib.sha256(recipient.lower().encode()).hexdigest()[:16]
    # one id per week and recipient: a resend is recognisably the same review
    message["Message-ID"] = f"<review-{summary['week']}-{digest}@sre-pipeline>"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    html_part = message.get_payload()[1]
    for name in dict.fromkeys(_CID.findall(html)):
        png = folder / "charts" / f"{name}.png"
        if not png.exists():
            raise EmailError(f"{folder}: review.email.html shows chart '{name}', not in charts/")
        html_part.add_related(png.read_bytes(), "image", "png", cid=f"<{name}>", filename=png.name)
    return message


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to reach the SMTP server; secrets are read by variable name."""

    host: str
    port: int
    security: str  # starttls | tls | none
    username: str | None = None
    password: str | None = None
    timeout_s: float = 30.0
    ca_bundle: str | None = None


class SmtpSender:
    """Sends through an SMTP server: STARTTLS or implicit TLS (certificate verified against
    the system's CAs or ``ca_bundle``), AUTH when a username is set."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    @property
    def target(self) -> str:
        return f"smtp://{self.settings.host}:{self.settings.port}"

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context(cafile=s.ca_bundle)
        try:
            if s.security == "tls":
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            with client:
                if s.security == "starttls":
                    client.starttls(context=context)
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise EmailError(
                f"{self.target} refused the login of '{s.username}' ({exc.smtp_code}); check "
                "the username and password variables of email.smtp"
            ) from None
        except (smtplib.SMTPException, OSError) as exc:  # ssl.SSLError and timeouts are OSError
            raise EmailError(f"{self.target}: {exc.__class__.__name__}: {exc}") from None


class OutboxSender:
    """Writes each message as ``<root>/<week>/<recipient>.eml`` (the embedded default: read
    them with any mail client, or hand them to a relay)."""

    def __init__(self, root: Path):
        self.root = Path(root)

    @property
    def target(self) -> str:
        return f"outbox {self.root}"

    def send(self, message: EmailMessage) -> None:
        week = re.search(r"review-(\d{4}-W\d{2})-", message["Message-ID"]).group(1)
        folder = self.root / week
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9@._-]", "_", str(message["To"])) + ".eml"
        tmp = folder / f".{name}.tmp"
        tmp.write_bytes(message.as_bytes())
        tmp.replace(folder / name)


@dataclass
class SendReport:
    """What a send did: recipients sent to, skipped (already sent) and failed (with why)."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    halted: str | None = None  # the emergency stop that held every send


def fingerprint(week: str, recipient: str) -> str:
    """The audit fingerprint of one week's message to one recipient."""
    return f"review:{week}:{recipient.lower()}"


def _already_sent(engine, fingerprints: list[str]) -> set[str]:
    t = tables.outbound_audit
    query = sa.select(t.c.fingerprint).where(
        t.c.kind == KIND, t.c.outcome == "sent", t.c.fingerprint.in_(fingerprints)
    )
    with engine.connect() as conn:
        return {row[0] for row in conn.execute(query)}


def _audit(engine, target: str, print_: str, outcome: str, detail: str = "") -> None:
    row = {
        "at": pd.Timestamp.now(tz="UTC").to_pydatetime(),
        "kind": KIND,
        "action": "send",
        "target": target,
        "fingerprint": print_,
        "outcome": outcome,
        "detail": detail[:2000],
    }
    with engine.begin() as conn:
        conn.execute(tables.outbound_audit.insert(), [row])


def send_week(
    engine, folder: Path, sender, from_address: str, to: Sequence[str], resend: bool = False
) -> SendReport:
    """Send the week in ``folder`` to each of ``to`` not yet sent (all of them with
    ``resend``), recording every send and failure; a failed recipient does not stop the
    others."""
    week = json.loads((folder / "summary.json").read_text())["week"]
    # two runs of the week at once: the second waits here, then finds the sends recorded
    with outbound_lock(engine, f"{KIND}:{week}"):
        return _send(engine, folder, sender, from_address, to, resend, week)


def _send(engine, folder, sender, from_address, to, resend, week) -> SendReport:
    prints = {r: fingerprint(week, r) for r in to}
    done = set() if resend else _already_sent(engine, list(prints.values()))
    report = SendReport()
    for recipient in to:
        if prints[recipient] in done:
            report.skipped.append(recipient)
            continue
        try:
            sender.send(build_message(folder, from_address, recipient))
        except EmailError as exc:
            report.failed[recipient] = str(exc)
            _audit(engine, f"{sender.target} {recipient}", prints[recipient], "failed", str(exc))
            continue
        _audit(engine, f"{sender.target} {recipient}", prints[recipient], "sent")
        report.sent.append(recipient)
    return report

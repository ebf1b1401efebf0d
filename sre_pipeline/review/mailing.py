"""Who gets a week's review and how it travels, from the ``email`` settings of
``sre_pipeline.yaml`` (docs/review.md "E-mail"); the sending itself is
:mod:`sre_pipeline.review.email`."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic_core import PydanticCustomError

from sre_pipeline.config import check_address
from sre_pipeline.inputs.instants import week_label
from sre_pipeline.review.content import ReviewError
from sre_pipeline.review.email import (
    EmailError,
    OutboxSender,
    SendReport,
    SmtpSender,
    SmtpSettings,
    recipients,
    send_week,
)
from sre_pipeline.review.publish import reviews_root
from sre_pipeline.tickets.stop import emergency_stop
from sre_pipeline.warehouse.engine import pipeline_home
from sre_pipeline.warehouse.reads import stored_catalog


def _secret(name: str | None, field: str) -> str | None:
    if not name:
        return None
    value = os.environ.get(name)
    if not value:
        raise EmailError(f"email.smtp.{field}: environment variable {name} is not set")
    return value


def transport(email) -> SmtpSender | OutboxSender:
    """The sender the settings name: the outbox (default ``$SRE_PIPELINE_HOME/outbox``) or
    SMTP with its secrets read from the named environment variables now."""
    if email.transport == "outbox":
        return OutboxSender(
            Path(email.outbox_dir) if email.outbox_dir else pipeline_home() / "outbox"
        )
    smtp = email.smtp
    return SmtpSender(
        SmtpSettings(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            username=_secret(smtp.username_env, "username_env"),
            password=_secret(smtp.password_env, "password_env"),
            timeout_s=smtp.timeout_s,
            ca_bundle=smtp.ca_bundle,
        )
    )


SPEC_LABEL = "team_email"


def spec_addresses(slos) -> dict[str, str]:
    """Team addresses the SLO specs give (label ``team_email``, next to ``team``); the
    configuration's ``email.team_addresses`` wins where both name a team."""
    out = {}
    for slo in slos:
        address = slo.labels.get(SPEC_LABEL)
        if slo.team and address:
            try:
                out[slo.team] = check_address(address)
            except PydanticCustomError as exc:
                raise EmailError(
                    f"{slo.source.file}: SLO {slo.id}: labels.{SPEC_LABEL}: {exc.message()}"
                ) from None
    return out


def send_review(engine, config, week, resend: bool = False, root: Path | None = None) -> SendReport:
    """Send the rendered week to the global list and every SLO-owning team with an address.
    The week must have been rendered (the review is mailed as published). Nothing is sent
    while the emergency stop is on (the report's ``halted`` says why)."""
    folder = (root or reviews_root(config)) / week_label(week)
    if not (folder / "review.email.html").exists():
        raise ReviewError(
            f"{week_label(week)} has not been rendered into {folder.parent}; expected the "
            f"weekly job or `sre-pipeline render --week {week_label(week)}` first"
        )
    halted = emergency_stop(getattr(config, "emergency_stop_file", None))
    if halted:
        return SendReport(halted=halted)
    email = config.email
    slos = stored_catalog(engine) or []
    teams = [s.team for s in slos if s.team]
    to = recipients(email.to, {**spec_addresses(slos), **email.team_addresses}, teams)
    if not to:
        raise ReviewError(
            "email.to lists nobody and no SLO team has an address in email.team_addresses; "
            "expected at least one recipient"
        )
    return send_week(engine, folder, transport(email), email.sender, to, resend)

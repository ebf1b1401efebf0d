"""The ticket step as the pipeline runs it: trackers built from the ``tickets:`` settings
(secrets read from their variables now), each wanted ticket routed to its team's tracker, and
one week synced (docs/tickets.md)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sre_pipeline.inputs.tickets_config import TicketsIn, TrackerIn
from sre_pipeline.tickets.conditions import Wanted, run_failure_conditions
from sre_pipeline.tickets.readback import apply_tickets, not_read_back, read_back, tracking_frame
from sre_pipeline.tickets.refs import resolve
from sre_pipeline.tickets.stop import emergency_stop
from sre_pipeline.tickets.sync import SyncReport, SyncSettings, sync
from sre_pipeline.tickets.trackers.base import RetryPolicy, Tracker, TrackerError
from sre_pipeline.tickets.trackers.outbox import OutboxTracker
from sre_pipeline.tickets.wanted import KINDS, wanted_at
from sre_pipeline.warehouse import schema as tables
from sre_pipeline.warehouse.engine import pipeline_home
from sre_pipeline.warehouse.reads import read_slice, stored_catalog


def _secret(name: str, t: TrackerIn, field: str) -> str:
    var = getattr(t, field)
    value = os.environ.get(var or "")
    if not value:
        raise TrackerError(
            f"tickets.trackers.{name}.{field}: environment variable {var} is not set; expected "
            f"the {t.type} {'API key' if field == 'api_key_env' else 'token'} in it"
        )
    return value


def build_tracker(name: str, t: TrackerIn, policy: RetryPolicy | None = None) -> Tracker:
    """The back end of one configured tracker. Client libraries load only when used."""
    if t.type == "outbox":
        return OutboxTracker(name, Path(t.folder) if t.folder else pipeline_home() / "tickets")
    if t.type == "redmine":
        from sre_pipeline.tickets.trackers.redmine import RedmineTracker

        return RedmineTracker(
            name,
            t.url,
            t.project,
            _secret(name, t, "api_key_env"),
            policy=policy,
            timeout_s=t.timeout_s,
            priorities=t.priorities or None,
            tracker_name=t.tracker,
        )
    if t.type == "github":
        from sre_pipeline.tickets.trackers.github import GitHubTracker

        extra = {"url": t.url} if t.url else {}
        return GitHubTracker(
            name,
            t.repo,
            _secret(name, t, "token_env"),
            policy=policy,
            timeout_s=t.timeout_s,
            **extra,
        )
    if t.type == "gitlab":
        from sre_pipeline.tickets.trackers.gitlab import GitLabTracker

        return GitLabTracker(
            name,
            t.url,
            t.project,
            _secret(name, t, "token_env"),
            policy=policy,
            timeout_s=t.timeout_s,
        )
    from sre_pipeline.tickets.trackers.jira import JiraTracker

    return JiraTracker(
        name,
        t.url,
        t.project,
        token=_secret(name, t, "token_env"),
        email=t.email,
        policy=policy,
        timeout_s=t.timeout_s,
        issue_type=t.issue_type,
        priorities=t.priorities or None,
    )


def router(tickets: TicketsIn):
    """Wanted ticket -> the name of its team's tracker (else the default)."""
    return lambda w: tickets.teams.get(w.team or "", tickets.default_tracker)


def for_tracker(w: Wanted, t: TrackerIn) -> Wanted:
    """The assignee as the tracker knows them (``users:``); an owner the tracker does not know
    is named in the description only, rather than failing the ticket."""
    if t.type == "outbox":
        return w
    return replace(w, assignee=t.users.get(w.assignee or ""))


def week_instants(week, zone: str) -> tuple[datetime, datetime]:
    """The week's last day's end: the instant a week's conditions describe, and the Monday."""
    end = datetime.combine(week + timedelta(7), time(), ZoneInfo(zone)).astimezone(UTC)
    return end, week


def _settings(tickets: TicketsIn, dry_run: bool | None) -> SyncSettings:
    return SyncSettings(
        dry_run=tickets.dry_run if dry_run is None else dry_run,
        max_new=tickets.max_new_per_run,
        close_on_clear=tickets.close_on_clear,
        overdue_grace_days=tickets.overdue_grace_days,
    )


def sync_run_failure(engine, config, job: str, message: str, as_of: datetime) -> SyncReport:
    """The run-failure sensor's ticket: one per failing job (``run-failure:<job>``) in the
    default tracker, opened on the first failure and commented once a week on repeats; the
    weekly step closes it once the job's latest run succeeded."""
    tickets: TicketsIn = config.tickets
    settings = _settings(tickets, None)
    halted = emergency_stop(config.emergency_stop_file)
    wanted = run_failure_conditions([(job, message)])
    name = tickets.default_tracker
    trackers = {} if halted else {name: build_tracker(name, tickets.trackers[name])}
    prints = {w.fingerprint for w in wanted}
    return sync(engine, trackers, lambda w: name, wanted, prints, as_of, settings, halted)


def sync_week(
    engine,
    config,
    week,
    dry_run: bool | None = None,
    trackers: dict[str, Tracker] | None = None,
    failures: list[tuple[str, str]] | None = None,
) -> SyncReport:
    """The ticket step of one week (a Monday): conditions at the week's end, every tracker
    synced. ``failures``: ``(job, message)`` of each job whose latest run failed, when the
    caller knows the runs (the Dagster asset): their tickets stay open, the other jobs'
    run-failure tickets close. Halted (nothing built, nothing sent) while the emergency stop
    is on."""
    tickets: TicketsIn = config.tickets
    settings = _settings(tickets, dry_run)
    halted = emergency_stop(config.emergency_stop_file)
    end, monday = week_instants(week, config.time_zone)
    if halted:
        return sync(engine, {}, router(tickets), [], KINDS, end, settings, halted, monday)
    slos = stored_catalog(engine) or []
    wanted = wanted_at(engine, slos, monday + timedelta(6), end, tickets.forecast_horizon_days)
    kinds = set(KINDS)
    if failures is not None:
        wanted += run_failure_conditions(failures)
        kinds.add("run-failure")
    route = router(tickets)
    wanted = [
        for_tracker(w, tickets.trackers[route(w)]) if route(w) in tickets.trackers else w
        for w in wanted
    ]
    if trackers is None:
        trackers = {name: build_tracker(name, t) for name, t in tickets.trackers.items()}
    report = sync(engine, trackers, route, wanted, kinds, end, settings, None, monday)
    back = read_back(
        engine, trackers, ref_resolver(tickets), end, config.time_zone, settings.dry_run
    )
    for name, why in back.errors.items():
        report.errors.setdefault(name, why)
    tracking = tracking_frame(back.rows)
    items = read_slice(engine, tables.action_items)
    report.conflicts = apply_tickets(items, tracking, config.time_zone)[1]
    report.not_read_back = not_read_back(tracking)
    return report


def ref_resolver(tickets: TicketsIn):
    """``(ref, item) -> (tracker, id) | None``: a postmortem's ticket reference in the
    configured trackers; a bare ``#12`` is a ticket in the item's team's tracker."""

    def home(item) -> str:
        team = getattr(item, "team", None)
        return tickets.teams.get(team if isinstance(team, str) else "", tickets.default_tracker)

    return lambda ref, item: resolve(ref, tickets.trackers, home(item))

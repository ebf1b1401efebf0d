"""Alert episodes against incidents at the edges: overlap is half-open, the service must
match, open episodes and incidents run to now, detection gaps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

from sre_pipeline.incidents.alerts import link_alerts
from sre_pipeline.incidents.model import Incident

T0 = datetime(2026, 11, 20, 19, 0, tzinfo=UTC)
SERVICES = {"checkout-availability": "checkout", "search-latency": "search"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def incident(iid="INC-1", start=0, detected=22, resolved=52, services=("checkout",)) -> Incident:
    detected_at = at(detected) if detected is not None else None
    resolved_at = at(resolved) if resolved is not None else None
    return Incident(iid, "x", "SEV2", services, at(start), detected_at, None, resolved_at, None, "")


def episodes(*rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(slo, at(s), at(e) if e is not None else None, sev) for slo, s, e, sev in rows],
        columns=["slo", "start", "end", "severity"],
    )


def test_overlapping_episodes_of_the_incidents_services_are_linked():
    eps = episodes(
        ("checkout-availability", 20, 60, "page"),  # inside
        ("checkout-availability", -30, 0, "ticket"),  # ends as the incident starts: not linked
        ("checkout-availability", 52, 70, "ticket"),  # starts as it is resolved: not linked
        ("search-latency", 10, 40, "page"),  # another service
    )
    links, unexplained, gaps = link_alerts(eps, [incident()], SERVICES, at(120))
    assert list(links["episode_start"]) == [pd.Timestamp(at(20))]
    assert list(unexplained["start"]) == [pd.Timestamp(at(m)) for m in (-30, 52, 10)]
    assert gaps == []  # the page started at 19:20, before detection at 19:22


def test_an_alert_only_after_detection_is_a_detection_gap_at_the_boundary():
    on_time = episodes(("checkout-availability", 22, 40, "page"))  # starts at detection
    late = episodes(("checkout-availability", 23, 40, "page"))
    assert link_alerts(on_time, [incident()], SERVICES, at(120))[2] == []
    links, _, gaps = link_alerts(late, [incident()], SERVICES, at(120))
    assert gaps == ["INC-1"] and len(links) == 1  # linked, but it did not detect it
    no_detection = incident(detected=None)  # judged at the incident's start
    assert link_alerts(on_time, [no_detection], SERVICES, at(120))[2] == ["INC-1"]


def test_open_episodes_and_open_incidents_run_to_now():
    eps = episodes(("checkout-availability", -10, None, "page"))
    links, unexplained, _ = link_alerts(eps, [incident(start=30, resolved=None)], SERVICES, at(40))
    assert len(links) == 1 and unexplained.empty
    assert link_alerts(eps, [incident(start=50, resolved=None)], SERVICES, at(40))[1].shape[0] == 1

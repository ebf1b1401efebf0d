"""The README's main command end to end: the demo pipeline through the console script.

It must run the whole graph, leave a warehouse and a Dagster home behind, agree with
``evaluate`` on its own events, and give the same warehouse content when run twice.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from sre_pipeline.slo.exchange.events_csv import write_events_csv
from sre_pipeline.slo.exchange.report import status_records
from sre_pipeline.warehouse.reads import read_events
from sre_pipeline_tests.test_cli import assert_close

pytestmark = pytest.mark.slow  # the demo end to end, twice

CLI = str(Path(sys.executable).parent / "sre-pipeline")
END = "2026-11-16"
TABLES = [
    "slo_catalog",
    "sli_events",
    "slo_status",
    "burn_alert_episodes",
    "capacity_samples",
    "weekly_slo_summary",
    "incidents",
    "action_items",
    "incident_metrics",
    "action_item_completion",
    "incident_budget",
    "budget_outside_incidents",
    "alert_incident_links",
    "incident_detection",
    "incident_costs",
    "budget_by_cause",
    "alert_coverage",
    "action_items_weekly",
    "overdue_p0_items",
    "tickets",
]


def demo(home: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    return subprocess.run(
        [CLI, "demo", "--output-dir", str(home), "--end", END],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def dump(home: Path) -> dict[str, pd.DataFrame]:
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    with engine.connect() as conn:
        out = {t: pd.read_sql(sa.text(f'SELECT * FROM "{t}"'), conn) for t in TABLES}
    engine.dispose()
    return {t: f.sort_values(list(f.columns[:2])).reset_index(drop=True) for t, f in out.items()}


def audit_rows(home: Path) -> list[tuple]:
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    with engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT kind, fingerprint, outcome FROM outbound_audit ORDER BY id")
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    home = tmp_path_factory.mktemp("demo")
    done = demo(home)
    assert done.returncode == 0, done.stderr[-3000:]
    return home, done


def test_demo_runs_the_graph_and_leaves_warehouse_and_dagster_home(first_run):
    home, done = first_run
    assert "18 SLOs, status as of the end of 2026-11-15 (28 days evaluated" in done.stdout
    assert "At risk:" in done.stdout and "cart-availability" in done.stdout
    # capacity: the search index heads for its 80 % scale threshold, with the date and band
    assert "search-index-memory forecast to reach its scale threshold on 2026-11-2" in done.stdout
    assert "headroom under target: " in done.stdout and "checkout-db-cpu 1.5x/2x" in done.stdout
    assert "Traceback" not in done.stderr

    tables = dump(home)
    assert len(tables["slo_catalog"]) == 18
    assert tables["slo_status"]["day"].nunique() == 28
    assert len(tables["weekly_slo_summary"]) > 0 and len(tables["burn_alert_episodes"]) > 0
    runs = list((home / "dagster").rglob("*.db"))
    assert runs, "Dagster kept no run storage: dagster dev would show nothing"
    assert len(tables["incidents"]) == 6 and len(tables["action_items"]) == 11
    assert "Incidents: 6 (1 unresolved); action items: 11 (7 open," in done.stdout
    assert "Data quality, last 7 days: 16 check runs, 0 failed" in done.stdout


def test_demo_incidents_line_up_with_the_alerts_they_describe(first_run):
    """The example postmortems move with --end: checkout's incident (authored for 2026-11-23
    as 2026-11-20 19:00) starts 2026-11-13 19:00, and its page fires inside it."""
    tables = dump(first_run[0])
    incident = tables["incidents"].set_index("incident_id").loc["INC-2026-042"]
    started = pd.Timestamp(incident["started_at"], tz="UTC")
    assert started == pd.Timestamp("2026-11-13T19:00Z")
    episodes = tables["burn_alert_episodes"]
    pages = episodes[
        (episodes["slo"] == "checkout-availability") & (episodes["severity"] == "page")
    ]
    starts = pd.to_datetime(pages["start"], utc=True)
    resolved = pd.Timestamp(incident["resolved_at"], tz="UTC")
    assert ((starts >= started) & (starts <= resolved)).any(), pages


def test_evaluate_on_the_demo_events_agrees_with_the_stored_status(first_run, tmp_path):
    home, _ = first_run
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    end = pd.Timestamp(END, tz="UTC")
    events = read_events(engine, end - pd.Timedelta(days=40), end)
    with engine.connect() as conn:
        stored = pd.read_sql(sa.text("SELECT * FROM slo_status WHERE day = '2026-11-15'"), conn)
    engine.dispose()
    write_events_csv(events, tmp_path / "events.csv")
    args = [
        "evaluate",
        "--slos",
        "examples/slos",
        "--events",
        str(tmp_path / "events.csv"),
        "--at",
        f"{END}T00:00Z",
        "--format",
        "json",
    ]
    done = subprocess.run([CLI, *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    stored["alerts"] = stored["alerts"].map(json.loads)
    expected = sorted(status_records(stored), key=lambda r: r["slo"])
    got = sorted(json.loads(done.stdout), key=lambda r: r["slo"])
    assert_close(got, expected)


def test_running_the_demo_twice_gives_the_same_warehouse(first_run):
    home, _ = first_run
    before = dump(home)
    mails = sorted((home / "outbox").rglob("*.eml"))
    sent = audit_rows(home)
    again = demo(home)
    assert again.returncode == 0, again.stderr[-3000:]
    after = dump(home)
    assert sorted((home / "outbox").rglob("*.eml")) == mails  # no e-mail twice
    assert audit_rows(home) == sent  # and no new send recorded
    for table in TABLES:
        pd.testing.assert_frame_equal(after[table], before[table], obj=table)


def test_demo_prints_progress_and_results_not_framework_logs(first_run):
    """One line per run while it goes, then the results; no Dagster DEBUG lines, telemetry
    banner or Beta/Preview warnings; everything a person reads fits 120 columns."""
    home, done = first_run
    progress = done.stderr.splitlines()
    assert progress[0].startswith("demo: status of the 28 days before 2026-11-16")
    assert any(
        line.startswith("[1/") and "sli_events, capacity_samples" in line for line in progress
    )
    assert sum("done in" in line for line in progress) >= 4
    for noise in ("DEBUG", "Telemetry", "BetaWarning", "PreviewWarning", "UserWarning"):
        assert noise not in done.stderr + done.stdout, noise
    assert len(progress) < 40
    assert max(len(line) for line in done.stdout.splitlines()) <= 120
    assert "nan" not in done.stdout.lower().replace("financ", "")
    assert "Alerts firing: " in done.stdout
    assert "SRE_PIPELINE_CONFIG=" in done.stdout
    assert f"dagster dev -w {home}/workspace.yaml" in done.stdout  # the demo's own location


def test_demo_results_are_unchanged(first_run):
    """The printed results byte for byte (seconds and the home directory masked)."""
    from sre_pipeline_tests.test_golden import check, demo_text

    home, done = first_run
    check("demo.txt", demo_text(done.stdout, home))


def incidents_json(home: Path, week: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    env["SRE_PIPELINE_CONFIG"] = str(home / "sre_pipeline.yaml")
    done = subprocess.run(
        [CLI, "incidents", "--week", week, "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_demo_incident_figures_agree_with_the_warehouse(first_run):
    """The four weeks are attributed; what the demo and `sre-pipeline incidents` print is
    what the warehouse holds: the ranking, the shares and the P0 rule of the SQL mart equal
    the command's (Python) figures, incident by incident."""
    home, done = first_run
    tables = dump(home)
    weeks = sorted(tables["budget_outside_incidents"]["week_start"].astype(str).unique())
    assert weeks == ["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09"]
    costs = tables["incident_costs"]
    for week in weeks:
        got = incidents_json(home, week)
        mart = costs[costs["week_start"].astype(str) == week].sort_values("rank_in_week")
        assert [r["incident_id"] for r in got["incidents"]] == list(mart["incident_id"])
        for row, (_, m) in zip(got["incidents"], mart.iterrows(), strict=True):
            assert row["worst_slo"] == m["worst_slo"]
            assert row["budget_share"] == pytest.approx(m["worst_budget_share"])
            assert row["needs_p0_postmortem"] == bool(m["needs_p0_postmortem"])
    w46 = incidents_json(home, "2026-W46")
    ranked = [r["incident_id"] for r in w46["incidents"]]
    assert ranked == ["INC-2026-040", "INC-2026-042", "INC-2026-041", "INC-2026-043"]
    first = w46["incidents"][0]
    # auth-login budgets in 5-minute slices: 8 bad slices are 40 minutes of full downtime
    assert (first["worst_slo"], first["bad_events"], first["downtime_minutes"]) == (
        "auth-login-availability",
        8.0,
        40.0,
    )
    assert first["needs_p0_postmortem"]  # > 20 % of a 4-week budget, no P0 item
    checkout = next(r for r in w46["incidents"] if r["incident_id"] == "INC-2026-042")
    assert (checkout["mttd_minutes"], checkout["mtta_minutes"], checkout["mttr_minutes"]) == (
        22.0,
        4.0,
        52.0,
    )
    assert "INC-2026-040: needs a published postmortem with a P0 action item" in done.stdout
    assert "Response (5 incidents since 2026-10-19): MTTD 12 min" in done.stdout


# -- the weekly review -------------------------------------------------------------------


def cli(home: Path, *argv: str, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    env.update(SRE_PIPELINE_CONFIG=str(home / "sre_pipeline.yaml"), SRE_PIPELINE_HOME=str(home))
    env.update(extra)
    return subprocess.run([CLI, *argv], capture_output=True, text=True, env=env, check=False)


def test_demo_review_figures_are_the_warehouse_figures(first_run):
    """The review of 2026-W46 the weekly job wrote: counts and figures equal the stored status
    of the week's last day, and re-rendering from the warehouse alone is byte-identical."""
    home, done = first_run
    folder = home / "reviews" / "2026-W46"
    assert f"Review of the last complete week: {folder / 'review.html'}" in done.stdout
    for name in ("review.md", "review.html", "review.txt", "summary.json"):
        assert (folder / name).stat().st_size > 0, name
    assert (home / "reviews" / "index.html").exists()
    assert len(list((home / "reviews" / "slos").glob("*.html"))) == 18
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    with engine.connect() as conn:
        status = pd.read_sql(
            sa.text(
                "SELECT s.slo, s.policy_tier, s.budget_remaining, c.aspirational FROM slo_status s "
                "JOIN slo_catalog c ON c.slo = s.slo WHERE s.day = '2026-11-15'"
            ),
            conn,
        )
        run = conn.execute(sa.text("SELECT * FROM review_runs")).one()
    engine.dispose()
    promised = status[status["aspirational"] == 0]
    summary = json.loads(run.summary) if isinstance(run.summary, str) else run.summary
    assert summary["breached"] == int((promised["policy_tier"] == "exhausted").sum())
    at_risk = promised["policy_tier"].isin(["feature_freeze", "incident_mode"])
    assert summary["at_risk"] == int(at_risk.sum())
    assert summary["slos"] == len(promised) == 17
    text = (folder / "review.md").read_text()
    cart = status.set_index("slo").loc["cart-availability", "budget_remaining"]
    assert "| cart-availability | 99.9 % |" in text and f"{cart:.1%}" in text
    assert "**1 breached**, **2 at risk**, 14 met" in text
    assert "nan" not in text.lower().replace("financ", "")
    outbox = sorted(p.name for p in (home / "outbox" / "2026-W46").glob("*.eml"))
    assert outbox == ["payments-oncall@example.com.eml", "reliability-review@example.com.eml"]
    assert "E-mailed to the outbox" in done.stdout
    import re
    from email import policy
    from email.parser import BytesParser

    eml = home / "outbox" / "2026-W46" / "reliability-review@example.com.eml"
    message = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert message["Subject"] == "Reliability review 2026-W46: 1 SLO breached, 2 at risk"
    text, related = message.iter_parts()
    html, *images = related.iter_parts()
    cids = set(re.findall(r'src="cid:([^"]+)"', html.get_content()))
    assert cids and cids == {p["Content-ID"].strip("<>") for p in images}
    assert "../" not in html.get_content()  # no link into the site from a mail
    before = {p: p.read_bytes() for p in sorted((home / "reviews").rglob("*")) if p.is_file()}
    again = cli(home, "render", "--week", "2026-W46")
    assert again.returncode == 0, again.stderr
    after = {p: p.read_bytes() for p in sorted((home / "reviews").rglob("*")) if p.is_file()}
    assert after == before  # the asset's render and the command's are the same bytes


def test_render_refuses_a_week_without_data_and_a_missing_template_folder(first_run, tmp_path):
    home, _ = first_run
    done = cli(home, "render", "--week", "2026-W40", "--output-dir", str(tmp_path / "r"))
    assert done.returncode == 2 and done.stdout == ""
    assert "error: --week 2026-W40: 2026-W40 (2026-09-28 .. 2026-10-04) has no SLO status" in (
        done.stderr
    )
    assert not (tmp_path / "r" / "2026-W40").exists()
    config = tmp_path / "bad.yaml"
    config.write_text(
        (home / "sre_pipeline.yaml").read_text() + f"review_templates: {tmp_path / 'nope'}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SRE_PIPELINE", "DAGSTER"))}
    env["SRE_PIPELINE_CONFIG"] = str(config)
    done = subprocess.run(
        [CLI, "render", "--week", "2026-W46", "--output-dir", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 2 and "review_templates:" in done.stderr
    assert "is not a directory" in done.stderr and "Traceback" not in done.stderr


def _demo_review(home: Path):
    from datetime import date

    from sre_pipeline.review.content import ReviewInputs, build_review
    from sre_pipeline.warehouse.reads import stored_catalog

    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.db'}")
    slos = tuple(stored_catalog(engine))
    review = build_review(engine, ReviewInputs(slos, "UTC", date(2026, 11, 16)), date(2026, 11, 9))
    engine.dispose()
    return review, slos


def test_review_escapes_what_people_wrote(first_run):
    """An SLO description, an incident title and an owner carrying markup and CRLF end up as
    text in every rendering."""
    from sre_pipeline.review.render import Renderer

    home, _ = first_run
    review, _ = _demo_review(home)
    payload = '<script>alert("x")</script>\r\nBcc: victim@example.com'
    review["slos"][0]["description"] = payload
    review["incidents"]["rows"][0]["title"] = payload
    review["action_items"]["overdue_items"][0]["owner"] = "<img src=x onerror=alert(1)>"
    docs = Renderer().documents(review, lambda n: f"charts/{n}.png")
    html, md = docs["review.html"], docs["review.md"]
    assert "<script" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x" in html
    assert "<script" not in md.replace("\\<script", "") and "\\<script\\>" in md
    assert "\r" not in md  # folded: a CR or LF would break a Markdown table row


def test_review_html_is_standalone_and_renders(first_run, tmp_path):
    """No script, no stylesheet or image from anywhere else, CSS inlined; headless Chromium
    draws it (not blank); one picture is kept in docs/img/ for the README."""
    import re
    import shutil

    from sre_pipeline.config import REPO
    from sre_pipeline_tests.services.dagster_ui import colour_stats, read_png, screenshot
    from sre_pipeline_tests.services.system import require_binary

    home, _ = first_run
    page = home / "reviews" / "2026-W46" / "review.html"
    html = page.read_text()
    assert "<script" not in html.lower() and "<style" not in html.lower()
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html), "an external resource"
    for src in re.findall(r'src="([^"]+)"', html):
        assert (page.parent / src).exists(), src  # every chart is there
    assert 'style="' in html  # inlined
    chromium = require_binary("chromium", "chromium")
    out = screenshot(
        chromium, page.as_uri(), tmp_path / "review.png", tmp_path / "profile", size=(1000, 1400)
    )
    colours, not_background = colour_stats(read_png(out))
    assert colours >= 100 and not_background >= 0.05, (colours, not_background)
    if os.environ.get("SRE_PIPELINE_UPDATE_DOCS_IMG") == "1":
        shutil.copyfile(out, REPO / "docs" / "img" / "review.png")


def outbox_lines(home: Path) -> list[dict]:
    import json

    path = home / "tickets" / "outbox.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_demo_tickets_once_listed_and_halted_by_the_emergency_stop(first_run):
    """The weekly job's ticket step filed the week's problems into the outbox once (the
    second demo run above added none); `tickets list` shows them; the emergency stop holds
    tickets and e-mail alike."""
    import json

    home, done = first_run
    creates = [x for x in outbox_lines(home) if x["action"] == "create"]
    prints = [x["fingerprint"] for x in creates]
    assert len(prints) == len(set(prints)) >= 5
    assert "budget-policy:cart-availability" in prints
    assert f"Tickets after 2026-W46 (outbox {home / 'tickets'}): {len(prints)} opened" in (
        done.stdout
    )
    listed = json.loads(cli(home, "tickets", "list", "--format", "json").stdout)
    assert {t["fingerprint"] for t in listed} == set(prints)
    for t in listed:
        assert {"fingerprint", "kind", "title", "tracker", "tracker_id", "state", "opened_at"} <= (
            set(t)
        )
        assert t["state"] == "open" and t["tracker"] == "outbox"
        assert t["opened_at"] == "2026-11-16T00:00:00+00:00"
    again = cli(home, "tickets", "sync", "--week", "2026-W46")
    assert again.returncode == 0 and "0 opened, 0 updated, 0 closed" in again.stdout
    before = outbox_lines(home)
    stop = {"SRE_PIPELINE_EMERGENCY_STOP": "1"}
    halted = cli(home, "tickets", "sync", "--week", "2026-W46", **stop)
    mail = cli(home, "send-review", "--week", "2026-W46", "--resend", **stop)
    assert halted.returncode == 0 and "halted, nothing sent (emergency stop" in halted.stdout
    assert mail.returncode == 0 and "not sent 2026-W46: emergency stop" in mail.stdout
    assert "sent 2026-W46 to" not in mail.stdout
    assert outbox_lines(home) == before
    week_missing = cli(home, "tickets", "sync", "--week", "2026-W48")
    assert week_missing.returncode == 2 and "no slo_status between 2026-11-23" in (
        week_missing.stderr
    )
    assert "Traceback" not in week_missing.stderr


def test_an_item_closed_in_the_tracker_is_done_in_the_next_review(first_run):
    """Runs last: it closes a ticket in the outbox as a person would."""
    import re

    from sre_pipeline.tickets.trackers.outbox import OutboxTracker

    home, _ = first_run
    outbox = OutboxTracker("outbox", home / "tickets")
    item = next(t for t in outbox.open_tickets() if t.fingerprint.startswith("action-item:"))
    item_id = item.fingerprint.split(":", 1)[1]
    counts = re.compile(r"completed this week; (\d+) open")
    before = int(counts.search((home / "reviews" / "2026-W46" / "review.md").read_text())[1])
    outbox.close(item.tracker_id, "done: timeouts validated in CI")
    synced = cli(home, "tickets", "sync", "--week", "2026-W46")
    assert synced.returncode == 0, synced.stderr
    assert "closed in the tracker" in synced.stdout and item.fingerprint in synced.stdout
    assert f"conflict: {item_id}: closed in outbox #{item.tracker_id}" in synced.stdout
    again = cli(home, "tickets", "sync", "--week", "2026-W46")
    assert "0 opened" in again.stdout  # not re-opened while the postmortem lists it
    rendered = cli(home, "render", "--week", "2026-W46", "--output-dir", str(home / "r2"))
    assert rendered.returncode == 0, rendered.stderr
    text = (home / "r2" / "2026-W46" / "review.txt").read_text()
    assert f"disagree: {item_id}: closed in outbox #{item.tracker_id}" in text
    md = (home / "r2" / "2026-W46" / "review.md").read_text()
    assert "counted as done" in md and int(counts.search(md)[1]) == before - 1


def _redmine_config(home: Path, url: str, project: str) -> Path:
    """The demo's configuration with its tickets going to Redmine."""
    import yaml

    config = yaml.safe_load((home / "sre_pipeline.yaml").read_text())
    config["tickets"] = {
        "default_tracker": "ops",
        "trackers": {
            "ops": {"type": "redmine", "url": url, "project": project, "api_key_env": "RM_KEY"}
        },
    }
    path = home / f"redmine-{project}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_demo_weeks_into_a_real_redmine(first_run, redmine_server):
    """The demo's last week synced twice into a real Redmine gives one issue per problem;
    an action item closed in Redmine is done in the next review; a bad key is a clear 401."""
    import re

    home, _ = first_run
    project = redmine_server.create_project("demo-week")
    config = _redmine_config(home, redmine_server.url, project)
    env = {"SRE_PIPELINE_CONFIG": str(config), "RM_KEY": redmine_server.api_key}
    first = cli(home, "tickets", "sync", "--week", "2026-W46", **env)
    assert first.returncode == 0, first.stderr
    opened = int(re.search(r"(\d+) opened", first.stdout)[1])
    issues = redmine_server.issues(project)
    assert opened == len(issues) >= 5
    second = cli(home, "tickets", "sync", "--week", "2026-W46", **env)
    assert second.returncode == 0 and "0 opened" in second.stdout, second.stdout
    assert len(redmine_server.issues(project)) == len(issues)  # not twice as many
    listed = json.loads(cli(home, "tickets", "list", "--format", "json", **env).stdout)
    mine = {t["tracker_id"] for t in listed if t["tracker"] == "ops"}
    assert mine == {str(i["id"]) for i in issues}

    item = next(i for i in issues if "sre-pipeline fingerprint: action-item:" in i["description"])
    item_id = re.search(r"action-item:(\S+)", item["description"])[1]
    redmine_server.close_issue(item["id"], notes="done, validated in CI")
    synced = cli(home, "tickets", "sync", "--week", "2026-W46", **env)
    assert synced.returncode == 0, synced.stderr
    assert f"conflict: {item_id}: closed in ops #{item['id']}" in synced.stdout
    out = home / "r-redmine"
    rendered = cli(home, "render", "--week", "2026-W46", "--output-dir", str(out), **env)
    assert rendered.returncode == 0, rendered.stderr
    text = (out / "2026-W46" / "review.txt").read_text()
    assert f"disagree: {item_id}: closed in ops #{item['id']}" in text and "counted as done" in text

    bad = cli(home, "tickets", "sync", "--week", "2026-W46", **{**env, "RM_KEY": "not-the-key"})
    assert bad.returncode == 1
    assert f"ops: Redmine {redmine_server.url}" in bad.stderr and "HTTP 401" in bad.stderr
    assert f"project '{project}'" in bad.stderr and "API key" in bad.stderr
    assert "Traceback" not in bad.stderr

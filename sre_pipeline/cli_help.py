"""What each ``sre-pipeline`` sub-command's ``--help`` says: a description and examples.

Kept apart from the parser so that the flags in :mod:`sre_pipeline.cli` read as a list; a new
sub-command adds its entry here (``test_cli_help`` requires one).
"""

from __future__ import annotations

import textwrap

EXIT_CODES = "Exit codes: 0 OK, 2 unusable input (every problem listed with file:line)."

HELP = {
    "validate": (
        """Check SLO spec files (native; OpenSLO v1, v1alpha and v2alpha, as oslo validate
        judges them; Sloth, with its SLO plugins): every problem of every file is listed with
        file:line and field, and every PromQL query must parse. Valid SLOs the pipeline
        cannot collect are listed with a warning; an OpenSLO reference the files do not
        resolve is a warning here (a pipeline run refuses it). With --capacity, capacity
        resource files too; with --postmortems, postmortem Markdown files (action items
        without an owner or a due date are warnings).""",
        """sre-pipeline validate examples/slos
        sre-pipeline validate examples/slos --capacity examples/capacity.yaml
        sre-pipeline validate examples/slos --postmortems examples/postmortems""",
        EXIT_CODES + " Warnings alone exit 0.",
    ),
    "evaluate": (
        """Evaluate SLOs on exported bucket counts (a CSV of slo,bucket_start,good,total):
        attainment, budget remaining, burn rates, alerts and policy tier per SLO, as of --at.""",
        """sre-pipeline evaluate --slos examples/slos --events events.csv
        sre-pipeline evaluate --slos my-slos/ --events events.csv --at 2026-11-02T09:00Z \\
            --bucket 5m --format json""",
        EXIT_CODES,
    ),
    "collect": (
        """Collect SLI bucket counts from a Prometheus HTTP API (Prometheus, Thanos, Mimir,
        VictoriaMetrics) into the events CSV that evaluate reads. Secrets come from
        PROMETHEUS_BEARER_TOKEN / PROMETHEUS_BASIC_AUTH rather than the command line.""",
        """sre-pipeline collect --slos examples/slos --prometheus-url http://127.0.0.1:9090 \\
            --start 2026-11-01T00:00Z --end 2026-11-02T00:00Z --output events.csv""",
        "Exit codes: 0 OK, 1 some SLOs failed (the CSV holds the others), 2 unusable input.",
    ),
    "export-rules": (
        """Write Prometheus recording and alerting rules (multiwindow burn-rate alerts) for the
        SLOs, to a file (replaced atomically) or stdout.""",
        """sre-pipeline export-rules --slos examples/slos --output slo-rules.yaml
        sre-pipeline export-rules --slos examples/slos/checkout.yaml""",
        EXIT_CODES,
    ),
    "quality": (
        """The data-quality section of a week's review, from the pipeline's warehouse (as
        configured by sre_pipeline.yaml / SRE_PIPELINE_CONFIG); nothing is created or
        upgraded.""",
        """sre-pipeline quality --week 2026-W46
        sre-pipeline quality --format json""",
        "Exit codes: 0 every blocking check passed, 1 one failed or no data, 2 unusable input.",
    ),
    "capacity": (
        """Each resource's capacity status of a day, from the pipeline's warehouse: state,
        peak and p95 utilisation, headroom against its target, week-over-week growth, the
        trend and each threshold's forecast crossing date with its band (MM-DD), worst first;
        nothing is created or upgraded.""",
        """sre-pipeline capacity
        sre-pipeline capacity --day 2026-11-15 --format json""",
        "Exit codes: 0 printed, 2 unusable input (no warehouse, no status for the day).",
    ),
    "incidents": (
        """A week's incidents (ISO week in the configured zone, default the last complete
        one), ranked by the error budget they cost: the worst share of an SLO's period budget,
        bad events and minutes of full downtime, MTTD / MTTA / MTTR, cause, postmortem status,
        open and overdue action items; incidents over 20 % of a 4-week budget without a
        published postmortem with a P0 action item are flagged. From the warehouse; nothing
        is created or upgraded.""",
        """sre-pipeline incidents
        sre-pipeline incidents --week 2026-W47 --format json""",
        "Exit codes: 0 printed (a week without incidents too), 2 unusable input (no "
        "warehouse, or the week's budget attribution has not run).",
    ),
    "render": (
        """Re-render a week's reliability review from the warehouse alone: DIR/<week>/ gets
        review.md, review.html (standalone, e-mail safe), review.txt and the charts, and
        DIR/index.html and DIR/slos/ (one history page per SLO) are refreshed. DIR defaults to
        reviews_dir in sre_pipeline.yaml, else $SRE_PIPELINE_HOME/reviews.""",
        """sre-pipeline render
        sre-pipeline render --week 2026-W46 --output-dir /tmp/reviews""",
        "Exit codes: 0 rendered, 2 unusable input (no warehouse, a week without data).",
    ),
    "send-review": (
        """E-mail a rendered week's review (text and HTML with inline charts) to email.to and
        every SLO team with an address in email.team_addresses, through the outbox (default,
        $SRE_PIPELINE_HOME/outbox) or SMTP. Each recipient gets it once: recipients already
        sent to are skipped unless --resend; every send and failure is in outbound_audit.""",
        """sre-pipeline send-review
        sre-pipeline send-review --week 2026-W46 --resend""",
        "Exit codes: 0 sent (or already sent), 1 a send failed (re-run to retry), 2 unusable "
        "input (a week not rendered, no recipient, an unset secret).",
    ),
    "tickets": (
        """The tickets the pipeline manages in the teams' trackers (tickets: in
        sre_pipeline.yaml; default the JSON-lines outbox $SRE_PIPELINE_HOME/tickets). list
        prints the open ones from the warehouse; sync runs one week's ticket step (default the
        last complete week): opens what should be open and is not, comments once a week on what
        lasts, closes what cleared. Never twice: the tracker's own open tickets are checked
        first. --dry-run plans without sending; the emergency stop halts it.""",
        """sre-pipeline tickets list --format json
        sre-pipeline tickets sync --week 2026-W47 --dry-run""",
        "Exit codes: 0 done (or halted by the emergency stop), 1 a tracker failed (re-run to "
        "retry), 2 unusable input (no warehouse, an unset secret).",
    ),
    "demo": (
        """Run the code location's jobs in process on the example configuration (demo SLI
        source, SQLite warehouse): catalog, collection, status and alert episodes, incidents
        and the weekly marts, one progress line per run; then the status table, the SLOs at
        risk, incidents and data quality, and the dagster dev command that shows (and can
        re-execute) the runs. --verbose brings Dagster's own logs back.""",
        """sre-pipeline demo
        sre-pipeline demo --days 28 --end 2026-11-16 --output-dir /tmp/demo
        sre-pipeline demo --prometheus-url http://127.0.0.1:9090""",
        "Exit codes: 0 OK, 1 a run failed (it says which and why), 2 unusable input.",
    ),
    "backfill": (
        """Back-fill the daily assets without the Dagster daemon: the runs a UI back-fill
        launches (up to 14 days each, collection before status), executed in this process
        and recorded in the Dagster instance ($DAGSTER_HOME, else $SRE_PIPELINE_HOME/dagster).
        Resumable: days already complete (materialised after they ended) are skipped unless
        --force. --end is the first day after the range.""",
        """sre-pipeline backfill --start 2026-11-01 --end 2026-12-01
        sre-pipeline backfill --start 2026-11-10 --end 2026-11-11 --assets sli_events --force""",
        "Exit codes: 0 OK, 1 a run failed (re-run to resume), 2 unusable input.",
    ),
}


def _paragraph(text: str) -> str:
    return textwrap.fill(" ".join(text.split()), width=88)


def help_texts(command: str) -> dict[str, str]:
    """``description`` and ``epilog`` (examples, then exit codes) for ``command``'s parser,
    laid out for ``argparse.RawDescriptionHelpFormatter``."""
    description, examples, exit_codes = HELP[command]
    lines = textwrap.dedent("        " + examples).splitlines()
    epilog = "Examples:\n" + "\n".join("  " + line for line in lines)
    return {"description": _paragraph(description), "epilog": f"{epilog}\n\n{exit_codes}"}

"""The review rendered: Markdown, HTML (standalone, e-mail safe) and text per week, its charts,
and a small static site beside the weeks (docs/review.md).

Layout of a reviews directory::

    index.html                 the weeks, and every SLO as of the newest week
    2026-W46/review.md         for a wiki or a repository
    2026-W46/review.html       standalone: CSS inlined, table layout, no script, no URL outside
    2026-W46/review.txt
    2026-W46/review.email.html the HTML part of the e-mail (charts by Content-ID)
    2026-W46/charts/*.png
    2026-W46/summary.json      the figures the index lists
    slos/<slo>.html            one history page per SLO (budget, weekly attainment, alerts)
    slos/img/*.png

Templates are Jinja2 files shipped in ``sre_pipeline/review/templates``; a directory given as
``template_dir`` overrides any of them by name. HTML templates are autoescaped; the Markdown
filter ``md`` escapes what Markdown would read as markup, so an SLO description or incident
title is text wherever it lands. A week is written into a temporary folder and moved into
place, so a failed render leaves the previous one whole.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import css_inline
import jinja2
import markupsafe
from markdown_it import MarkdownIt

from sre_pipeline.incidents.report import flags
from sre_pipeline.text_tables import text_table

TEMPLATES = Path(__file__).with_name("templates")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>!])")


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def pct(v) -> str:
    return "–" if _missing(v) else f"{v:.1%}"


def pct3(v) -> str:
    return "–" if _missing(v) else f"{v:.3%}"


def delta(v) -> str:
    return "–" if _missing(v) else f"{v * 100:+.3f} pp"


def minutes(v) -> str:
    if _missing(v):
        return "–"
    if abs(v) < 120:
        return f"{v:.0f} min"
    if abs(v) < 48 * 60:
        return f"{v / 60:.1f} h"
    return f"{v / 1440:.1f} d"


def exhaustion(v) -> str:
    """Time to exhaustion (hours) as it reads: "in 3.7 d", "already spent", "not burning"."""
    if _missing(v):
        return "not burning"
    if v <= 0:
        return "already spent"
    return f"in {v:.1f} h" if v < 48 else f"in {v / 24:.1f} d"


def events(v) -> str:
    return "–" if _missing(v) else f"{v:,.0f}"


def objective(v) -> str:
    return f"{v * 100:g} %"


def tier(v) -> str:
    return "–" if _missing(v) else str(v).replace("_", " ")


def when(v) -> str:
    return "–" if not v else str(v)[:16].replace("T", " ")


def times(v) -> str:
    return "–" if _missing(v) else f"{v:.1f}x"


def crossing(c: dict) -> str:
    status = c.get("status")
    if status == "forecast":
        on, lo, hi = (str(c.get(k) or "")[:10] for k in ("on", "earliest", "latest"))
        return f"{on} ({lo[5:]}..{hi[5:] or '?'})" if (lo, hi) != (on, on) else on
    return tier(status)


def md(v) -> str:
    """Text that Markdown reads as text: markup characters escaped, newlines folded (a
    newline would end a table row)."""
    if _missing(v):
        return "–"
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(v).split()))


_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str) -> markupsafe.Markup:
    """Markdown (the data-quality section) as HTML; raw HTML in it is escaped, not kept."""
    return markupsafe.Markup(_MARKDOWN.render(text or ""))


FILTERS = {
    f.__name__: f
    for f in (pct, pct3, delta, minutes, exhaustion, events, objective, tier, when, times, crossing)
}


def _environment(template_dir: Path | None, html: bool) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = [jinja2.FileSystemLoader(str(TEMPLATES))]
    if template_dir is not None:
        loaders.insert(0, jinja2.FileSystemLoader(str(template_dir)))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters["md"] = md
    env.filters["markdown_html"] = markdown_html
    return env


def page_name(slo: str) -> str:
    """A file name for an SLO's page: its id with anything but ``[A-Za-z0-9._-]`` replaced."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", slo) + ".html"


def attention(review: dict) -> list[dict]:
    """The SLOs the week's document details with a chart: breached, at risk, asking for a
    decision, paged, or among the top burners; the rest are rows of the SLO table (and have
    their own page on the site)."""
    burners = {b["slo"] for b in review["summary"]["top_burners"]}
    return [
        x
        for x in review["slos"]
        if x["state"] in ("breached", "at_risk")
        or x["needs_decision"]
        or x["page_days"]
        or x["slo"] in burners
    ]


def thresholds(slos) -> dict[str, list[tuple[str, float]]]:
    """Each SLO's policy tier boundaries strictly between 0 and 100 % (the lines a burn-down
    chart draws)."""
    return {
        s.id: [(t.name, t.min_remaining) for t in s.policy_tiers if 0 < t.min_remaining < 1]
        for s in slos
    }


def _thresholds(x: dict, tiers: dict[str, list[tuple[str, float]]]) -> list[tuple[str, float]]:
    return tiers.get(x["slo"], [])


def _decorate(review: dict) -> dict:
    """Per-SLO sparkline text, page and chart names; incident flags."""
    from sre_pipeline.review import charts  # matplotlib: imported when a review is rendered

    for x in review["slos"]:
        values = [w["attainment"] for w in x["weekly_attainment"]]
        x["spark"] = charts.sparkline(values, x["objective"])
        x["page"] = page_name(x["slo"])
        x["chart"] = "burn-" + x["page"].removesuffix(".html")
    for n in review["incidents"]["rows"]:
        n["flags"] = flags(n)
    return review


@dataclass(frozen=True)
class RenderedWeek:
    """Where a week was written."""

    folder: Path
    markdown: Path
    html: Path
    text: Path
    charts: tuple[Path, ...]


class Renderer:
    """Renders reviews with the shipped templates, or those of ``template_dir`` first."""

    def __init__(self, template_dir: Path | None = None):
        self.html = _environment(template_dir, html=True)
        self.text = _environment(template_dir, html=False)
        # matplotlib costs ~0.8 s at import: paid by a process that renders, not by every run
        from sre_pipeline.review import charts

        self.burn = charts.BurnDown()
        self.weeks = charts.WeeklyAttainment()

    def week_charts(self, review: dict, tiers: dict) -> dict[str, bytes]:
        """The PNG charts of the week's document, by name."""
        from sre_pipeline.review import charts

        out = {}
        for x in attention(review):
            out[x["chart"]] = self._burn(x, tiers)
        causes = review["incidents"]["by_cause"]
        if causes:
            out["causes"] = charts.budget_by_cause(
                [c["cause"] for c in causes], [c["budget_share"] for c in causes]
            )
        trend = review["action_items"]["trend"]
        if trend:
            out["actions"] = charts.action_item_trend(
                [t["week_start"] for t in trend],
                [t["created"] for t in trend],
                [t["completed"] for t in trend],
                [t["open"] for t in trend],
            )
        return out

    def _burn(self, x: dict, tiers: dict) -> bytes:
        return self.burn.png(
            [d["day"] for d in x["burn_down"]],
            [d["budget_remaining"] for d in x["burn_down"]],
            _thresholds(x, tiers),
        )

    def documents(self, review: dict, chart_src, site: bool = True) -> dict[str, str]:
        """``review.md``, ``review.html`` (CSS inlined) and ``review.txt`` for a review;
        ``chart_src(name)`` is what an image reference says (a file, or ``cid:`` in mail)."""
        review = _decorate(review)
        context = {
            "r": review,
            "s": review["summary"],
            "i": review["incidents"],
            "a": review["action_items"],
            "c": review["capacity"],
            "q": review["quality"],
            "attention": attention(review),
            "chart": chart_src,
            "site": site,
        }
        html = self.html.get_template("review.html.j2").render(**context)
        html = css_inline.inline(html)  # mail clients drop <style>; attributes survive
        text = self.text.get_template("review.txt.j2").render(
            **context, slo_table=_slo_text(review), incident_table=_incident_text(review)
        )
        markdown = self.text.get_template("review.md.j2").render(**context)
        return {"review.md": markdown, "review.html": html, "review.txt": text}

    def write_week(self, review: dict, root: Path, tiers: dict) -> RenderedWeek:
        """Write the week's folder under ``root`` (replacing a previous render whole)."""
        review = _decorate(review)
        root.mkdir(parents=True, exist_ok=True)
        folder = root / review["week"]
        images = self.week_charts(review, tiers)
        with tempfile.TemporaryDirectory(dir=root, prefix=f".{review['week']}-") as tmp:
            work = Path(tmp) / review["week"]
            (work / "charts").mkdir(parents=True)
            for name, png in images.items():
                (work / "charts" / f"{name}.png").write_bytes(png)
            for name, text in self.documents(review, lambda n: f"charts/{n}.png").items():
                (work / name).write_text(text, encoding="utf-8")
            # the e-mail's HTML: charts by Content-ID, no links into the site
            mail = self.documents(review, lambda n: f"cid:{n}", site=False)["review.html"]
            (work / "review.email.html").write_text(mail, encoding="utf-8")
            (work / "summary.json").write_text(
                json.dumps(_index_row(review), indent=2, sort_keys=True) + "\n"
            )
            old = Path(tmp) / "previous"
            if folder.exists():
                folder.rename(old)
            work.rename(folder)
        return RenderedWeek(
            folder,
            folder / "review.md",
            folder / "review.html",
            folder / "review.txt",
            tuple(sorted(folder.glob("charts/*.png"))),
        )

    def write_site(self, review: dict, root: Path, tiers: dict) -> None:
        """Refresh ``index.html`` from the week folders, and the SLO pages when ``review`` is
        the newest week rendered (re-rendering an old week must not roll them back)."""
        review = _decorate(review)
        weeks = []
        for summary in sorted(root.glob("*-W*/summary.json")):
            weeks.append(json.loads(summary.read_text()))
        weeks.sort(key=lambda w: w["week_start"], reverse=True)
        newest = weeks[0]["week"] if weeks else review["week"]
        pages = root / "slos"
        if review["week"] >= newest:
            (pages / "img").mkdir(parents=True, exist_ok=True)
            template = self.html.get_template("slo.html.j2")
            for x in review["slos"]:
                stem = x["page"].removesuffix(".html")
                (pages / "img" / f"{stem}-burn.png").write_bytes(self._burn(x, tiers))
                weekly = x["weekly_attainment"]
                weeks_chart = None
                if weekly:
                    (pages / "img" / f"{stem}-weeks.png").write_bytes(
                        self.weeks.png(
                            [w["week_start"] for w in weekly],
                            [w["attainment"] for w in weekly],
                            x["objective"],
                        )
                    )
                    weeks_chart = f"img/{stem}-weeks.png"
                html = template.render(
                    r=review,
                    x=x,
                    burn=f"img/{stem}-burn.png",
                    weeks_chart=weeks_chart,
                )
                (pages / x["page"]).write_text(css_inline.inline(html), encoding="utf-8")
            latest_slos = review["slos"]
            (root / ".slos.json").write_text(
                json.dumps(
                    {"week": review["week"], "slos": [_slo_row(x) for x in latest_slos]},
                    indent=2,
                )
            )
        stored = root / ".slos.json"
        listed = json.loads(stored.read_text()) if stored.exists() else {"week": newest, "slos": []}
        index = self.html.get_template("index.html.j2").render(
            weeks=weeks, slos=listed["slos"], latest=listed["week"]
        )
        (root / "index.html").write_text(css_inline.inline(index), encoding="utf-8")


def _slo_row(x: dict) -> dict:
    keys = ("slo", "service", "state", "budget_remaining", "page")
    return {k: x[k] for k in keys}


def _index_row(review: dict) -> dict:
    s = review["summary"]
    return {
        "week": review["week"],
        "week_start": review["week_start"],
        "week_end": review["week_end"],
        "breached": s["breached"],
        "at_risk": s["at_risk"],
        "met": s["met"],
        "no_data": s["no_data"],
        "incidents": len(review["incidents"]["rows"]),
    }


def _slo_text(review: dict) -> str:
    rows = [
        [
            x["slo"] + (" (aspirational)" if x["aspirational"] else ""),
            tier(x["state"]),
            objective(x["objective"]),
            pct3(x["attainment_week"]),
            pct(x["budget_remaining"]),
            tier(x["tier"]),
            exhaustion(x["time_to_exhaustion_hours"]),
            x["spark"],
        ]
        for x in review["slos"]
    ]
    headers = ["SLO", "state", "objective", "week", "budget", "tier", "runs out", "12 weeks"]
    return text_table(rows, headers, "llrrrlrl")


def _incident_text(review: dict) -> str:
    rows = [
        [
            n["incident_id"],
            n["severity"],
            n["worst_slo"] or "–",
            pct(n["budget_share"]),
            minutes(n["mttd_minutes"]),
            minutes(n["mttr_minutes"]),
            n["postmortem_status"],
            "; ".join(n["flags"]),
        ]
        for n in review["incidents"]["rows"]
    ]
    headers = ["incident", "sev", "worst SLO", "budget", "MTTD", "MTTR", "postmortem", "flags"]
    return text_table(rows, headers, "lllrrrll")

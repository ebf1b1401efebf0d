"""The review's charts, drawn with matplotlib's Agg backend into PNG bytes (docs/review.md).

Readable by everyone: the Okabe-Ito palette (safe for the common colour-vision deficiencies)
and, because a printed or grey-scale review loses colour, every series also differs by line
style, marker or hatch. Axes are labelled and policy thresholds drawn. Output is reproducible:
no timestamp goes into the PNG, so two renders of a week are byte-identical.

The burn-down chart is drawn for many SLOs, so :class:`BurnDown` builds its figure once and
only replaces the data of its artists for each SLO (a fresh figure per SLO costs several times
more).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display; chosen before pyplot is imported anywhere

import matplotlib.dates as mdates  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# Okabe & Ito (2008), "Color Universal Design"
BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, GREY = "#56B4E9", "#CC79A7", "#6E6E6E"
METADATA = {"Software": None}  # nothing that changes between versions or runs
DPI = 100


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=DPI, metadata=METADATA)
    return out.getvalue()


def _style(ax) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.tick_params(labelsize=8)


class BurnDown:
    """Budget remaining (%) per day over the SLO's period, the policy thresholds as dotted
    lines and zero as a solid one; one figure reused for every SLO."""

    def __init__(self, width: float = 6.0, height: float = 2.4):
        self.fig = Figure(figsize=(width, height))
        self.ax = self.fig.add_subplot()
        (self.line,) = self.ax.plot([], [], color=BLUE, linewidth=1.8, marker="o", markersize=2.5)
        self.zero = self.ax.axhline(0, color="black", linewidth=0.9)
        self.thresholds: list = []
        self.ax.set_ylabel("budget remaining (%)", fontsize=8)
        self.ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        _style(self.ax)
        self.fig.subplots_adjust(left=0.12, right=0.98, top=0.88, bottom=0.16)

    def png(
        self,
        title: str,
        days: Sequence[str],
        remaining: Sequence[float | None],
        thresholds: Sequence[tuple[str, float]],
    ) -> bytes:
        """The chart of one SLO: ``days`` ISO dates, ``remaining`` fractions (None: no data,
        a gap in the line), ``thresholds`` (tier name, fraction) drawn as dotted lines."""
        x = pd.to_datetime(list(days))
        y = [float("nan") if v is None else v * 100 for v in remaining]
        self.line.set_data(x, y)
        for artist in self.thresholds:
            artist.remove()
        self.thresholds = []
        for name, level in thresholds:
            self.thresholds.append(
                self.ax.axhline(level * 100, color=GREY, linewidth=0.7, linestyle=":")
            )
            self.thresholds.append(
                self.ax.text(
                    1.0,
                    level * 100,
                    f" {name.replace('_', ' ')}",
                    fontsize=6,
                    color=GREY,
                    va="center",
                    ha="right",
                    transform=self.ax.get_yaxis_transform(),
                )
            )
        known = [v for v in y if v == v]
        low = min([0.0, *known]) - 5
        self.ax.set_ylim(low, max(100.0, *known) + 5)
        if len(x):
            self.ax.set_xlim(x.min() - pd.Timedelta(hours=12), x.max() + pd.Timedelta(hours=12))
        self.ax.set_title(title, fontsize=9, loc="left")
        return _png(self.fig)


def weekly_attainment(
    title: str, weeks: Sequence[str], values: Sequence[float | None], objective: float
) -> bytes:
    """Attainment per week (%) as bars with the objective as a dashed line: a week under it
    is drawn hatched as well as in vermillion."""
    fig = Figure(figsize=(6.0, 2.2))
    ax = fig.add_subplot()
    x = list(range(len(weeks)))
    y = [float("nan") if v is None else v * 100 for v in values]
    for i, v in zip(x, y, strict=True):
        miss = v == v and v < objective * 100
        ax.bar(
            i,
            v if v == v else 0,
            color=VERMILLION if miss else GREEN,
            hatch="///" if miss else None,
            edgecolor="black",
            linewidth=0.4,
        )
    ax.axhline(objective * 100, color="black", linestyle="--", linewidth=0.9)
    known = [v for v in y if v == v]
    floor = min([objective * 100, *known])
    ax.set_ylim(max(0.0, floor - (100 - floor) * 0.5 - 0.01), 100.0)
    ax.set_xticks(x, [w[5:] for w in weeks], fontsize=7)
    ax.set_ylabel("attainment (%)", fontsize=8)
    ax.set_xlabel(f"week (objective {objective * 100:g} %, dashed)", fontsize=8)
    ax.set_title(title, fontsize=9, loc="left")
    _style(ax)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.86, bottom=0.24)
    return _png(fig)


def budget_by_cause(causes: Sequence[str], shares: Sequence[float]) -> bytes:
    """Budget consumed per cause category (summed worst-SLO shares, %), horizontal bars with
    a different hatch per bar."""
    fig = Figure(figsize=(6.0, 0.5 + 0.35 * max(1, len(causes))))
    ax = fig.add_subplot()
    hatches = ["", "///", "...", "xxx", "\\\\\\", "+++", "ooo"]
    colours = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, GREY]
    for i, share in enumerate(shares):
        ax.barh(
            i,
            share * 100,
            color=colours[i % 7],
            hatch=hatches[i % 7],
            edgecolor="black",
            linewidth=0.4,
        )
        ax.text(share * 100, i, f" {share:.1%}", va="center", fontsize=7)
    ax.set_yticks(range(len(causes)), list(causes), fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("error budget consumed (% of the worst-hit SLO's budget, summed)", fontsize=8)
    _style(ax)
    fig.subplots_adjust(left=0.22, right=0.92, top=0.95, bottom=0.3 if len(causes) < 3 else 0.15)
    return _png(fig)


def action_item_trend(
    weeks: Sequence[str],
    created: Sequence[int],
    completed: Sequence[int],
    still_open: Sequence[int],
) -> bytes:
    """Action items created and completed per week (bars, hatched apart) and open at each
    week's end (a line with square markers)."""
    fig = Figure(figsize=(6.0, 2.2))
    ax = fig.add_subplot()
    x = list(range(len(weeks)))
    ax.bar(
        [i - 0.2 for i in x],
        created,
        width=0.4,
        color=ORANGE,
        edgecolor="black",
        linewidth=0.4,
        label="created",
    )
    ax.bar(
        [i + 0.2 for i in x],
        completed,
        width=0.4,
        color=GREEN,
        hatch="///",
        edgecolor="black",
        linewidth=0.4,
        label="completed",
    )
    ax.plot(
        x, still_open, color=BLUE, marker="s", markersize=3, linewidth=1.4, label="open at week end"
    )
    ax.set_xticks(x, [w[5:] for w in weeks], fontsize=7)
    ax.set_ylabel("action items", fontsize=8)
    ax.set_xlabel("week", fontsize=8)
    ax.legend(fontsize=7, frameon=False, loc="upper left")
    _style(ax)
    fig.subplots_adjust(left=0.1, right=0.98, top=0.95, bottom=0.24)
    return _png(fig)


SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(values: Sequence[float | None], objective: float) -> str:
    """Weekly attainment as block characters, scaled between the lowest week (or the
    objective, whichever is lower) and 100 %; a week without data is a space. Works in the
    terminal, Markdown, HTML and every mail client."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    low = min(min(known), objective)
    span = (1.0 - low) or 1.0
    return "".join(
        " " if v is None else SPARKS[min(7, int((v - low) / span * 7.999))] for v in values
    )

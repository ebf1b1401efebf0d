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
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from PIL import Image  # noqa: E402

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


class _Blitted:
    """A figure drawn for many SLOs: everything but the SLO's own artists (axes, ticks,
    labels, thresholds) is drawn once per layout and kept as a background image; each SLO
    then costs its own artists and a PNG encoding, not a whole figure. No title in the image:
    text is the slowest thing Agg draws, and the page around the chart names it."""

    def __init__(self, width: float, height: float):
        self.fig = Figure(figsize=(width, height), dpi=DPI)
        self.canvas = FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_subplot()
        self._backgrounds: dict = {}
        self._layout = None

    def _background(self, key, layout, dynamic) -> None:
        """Restore (or first draw) the background of layout ``key``; ``dynamic()``: the
        SLO's own artists, left out of it."""
        if key not in self._backgrounds:
            layout()
            dynamic = dynamic()
            for artist in dynamic:
                artist.set_visible(False)
            self.canvas.draw()
            self._backgrounds[key] = self.canvas.copy_from_bbox(self.fig.bbox)
            for artist in dynamic:
                artist.set_visible(True)
            self._layout = key
        elif self._layout != key:  # the artists' transforms follow the axes' limits
            layout()
            self._layout = key
        self.canvas.restore_region(self._backgrounds[key])

    def _png(self, dynamic: Sequence) -> bytes:
        for artist in dynamic:
            if not (hasattr(artist, "get_text") and not artist.get_text()):
                self.fig.draw_artist(artist)  # an empty text still costs a glyph pass
        width, height = self.canvas.get_width_height()
        image = Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba(), "raw")
        out = io.BytesIO()
        image.convert("RGB").save(out, format="png", compress_level=1)  # speed over bytes
        return out.getvalue()


class BurnDown(_Blitted):
    """Budget remaining (%) per day over the SLO's period, the policy thresholds as dotted
    lines and zero as a solid one. The scale is the same for every SLO of a layout (-5 to
    105 %, or from -105 % once a budget is overspent), so charts compare at a glance; a value
    beyond -100 % is drawn at -100 % and the chart says "clipped"."""

    FLOOR = -100.0

    def __init__(self, width: float = 6.0, height: float = 2.4):
        super().__init__(width, height)
        (self.line,) = self.ax.plot([], [], color=BLUE, linewidth=1.8, marker="o", markersize=2.5)
        self.ax.axhline(0, color="black", linewidth=0.9)
        self.note = self.ax.text(
            0.99,
            0.04,
            "",
            fontsize=6,
            color=VERMILLION,
            ha="right",
            transform=self.ax.transAxes,
        )
        self.thresholds: list = []
        self._drawn_thresholds: tuple = ()
        self.ax.set_ylabel("budget remaining (%)", fontsize=8)
        self.ax.xaxis.set_major_formatter(mdates.DateFormatter("%m-%d"))
        _style(self.ax)
        self.fig.subplots_adjust(left=0.12, right=0.98, top=0.88, bottom=0.16)

    def _draw_layout(self, x, low: float, thresholds) -> None:
        if self._drawn_thresholds != tuple(thresholds):
            self._set_thresholds(thresholds)
        self.ax.set_ylim(low, 105.0)
        if len(x):
            self.ax.set_xlim(x.min() - pd.Timedelta(hours=12), x.max() + pd.Timedelta(hours=12))

    def _set_thresholds(self, thresholds) -> None:
        self._drawn_thresholds = tuple(thresholds)
        for artist in self.thresholds:
            artist.remove()
        self.thresholds = []
        for name, level in thresholds:
            self.thresholds.append(
                self.ax.axhline(level * 100, color=GREY, linewidth=0.7, linestyle=":")
            )
            self.thresholds.append(
                self.ax.text(
                    0.005,
                    level * 100,
                    f"{name.replace('_', ' ')} ",
                    fontsize=6,
                    color=GREY,
                    va="bottom",
                    ha="left",
                    transform=self.ax.get_yaxis_transform(),
                )
            )

    def png(
        self,
        days: Sequence[str],
        remaining: Sequence[float | None],
        thresholds: Sequence[tuple[str, float]],
    ) -> bytes:
        """The chart of one SLO: ``days`` ISO dates, ``remaining`` fractions (None: no data,
        a gap in the line), ``thresholds`` (tier name, fraction) drawn as dotted lines."""
        x = pd.to_datetime(list(days))
        y = [float("nan") if v is None else v * 100 for v in remaining]
        known = [v for v in y if v == v]
        low = -5.0 if min(known, default=0.0) >= 0 else self.FLOOR - 5
        key = (tuple(days), low, tuple(thresholds))
        dynamic = [self.line, self.note]
        self._background(key, lambda: self._draw_layout(x, low, thresholds), lambda: dynamic)
        self.line.set_data(x, [max(v, self.FLOOR) if v == v else v for v in y])
        clipped = any(v < self.FLOOR for v in known)
        self.note.set_text(f"below {self.FLOOR:g} %: clipped" if clipped else "")
        return self._png(dynamic)


class WeeklyAttainment(_Blitted):
    """Attainment per week (%) as bars with the objective as a dashed line; a week under it
    is drawn hatched as well as in vermillion. The scale runs from three budgets below the
    objective to 100 %; a worse week is a red hatched stub at the bottom, and the chart
    says so."""

    def __init__(self, width: float = 6.0, height: float = 2.2):
        super().__init__(width, height)
        self.bars = None
        self.objective_line = self.ax.axhline(100, color="black", linestyle="--", linewidth=0.9)
        self.note = self.ax.text(
            0.99, 1.02, "", fontsize=6, color=VERMILLION, ha="right", transform=self.ax.transAxes
        )
        self.ax.set_ylabel("attainment (%)", fontsize=8)
        _style(self.ax)
        self.fig.subplots_adjust(left=0.12, right=0.98, top=0.86, bottom=0.24)

    def _draw_layout(self, weeks: Sequence[str], objective: float) -> None:
        if self.bars is not None:
            self.bars.remove()
        x = list(range(len(weeks)))
        self.bars = self.ax.bar(x, [0.0] * len(x), edgecolor="black", linewidth=0.4)
        floor = 100 - (1 - objective) * 100 * 3
        self.ax.set_ylim(floor, 100.0)
        self.objective_line.set_ydata([objective * 100] * 2)
        self.ax.set_xticks(x, [w[5:] for w in weeks], fontsize=7)
        self.ax.set_xlabel(f"week (objective {objective * 100:g} %, dashed)", fontsize=8)

    def png(self, weeks: Sequence[str], values: Sequence[float | None], objective: float) -> bytes:
        """The chart of one SLO's weeks (``values``: attainment fractions, None: no data)."""
        key = (tuple(weeks), objective)
        self._background(
            key, lambda: self._draw_layout(weeks, objective), lambda: [*self.bars, self.note]
        )
        floor = self.ax.get_ylim()[0]
        stub = (100 - floor) * 0.04  # a week below the axis still shows, as a red stub
        clipped = False
        for bar, v in zip(self.bars, values, strict=True):
            below = v is not None and v * 100 < floor
            clipped |= below
            miss = v is not None and v < objective
            bar.set_y(floor)
            bar.set_height(0.0 if v is None else stub if below else v * 100 - floor)
            bar.set_facecolor(VERMILLION if miss else GREEN)
            bar.set_hatch("///" if miss else None)
        self.note.set_text(f"a stub at the bottom: below {floor:.2f} %" if clipped else "")
        return self._png([*self.bars, self.note])


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

"""The attribution benchmark's chart (benchmarks/attribution.py) as a standalone SVG, drawn by
hand: one panel per hold time, one stacked bar per pool size (as a share of the recommended
size), each outcome's share of the calls in its own colour."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

PANEL_WIDTH = 300
PANEL_GAP = 24
PLOT_TOP = 40
PLOT_HEIGHT = 220
LEFT = 44
LEGEND_HEIGHT = 44
LEGEND_COLUMN = 240
# Outcome, legend text, colour: correct in greens, flagged in blues and greys, silent in red.
OUTCOMES = (
    ("session", "session, correct", "#1b7837"),
    ("late", "late, correct", "#7fbf7b"),
    ("ambiguous_true", "ambiguous, true session a candidate", "#4393c3"),
    ("ambiguous_other", "ambiguous, true session not a candidate", "#92c5de"),
    ("none", "none", "#bababa"),
    ("silent_session", "silent misattribution (session)", "#b2182b"),
    ("silent_late", "silent misattribution (late)", "#ef8a62"),
)


@dataclass(frozen=True)
class Bar:
    label: str  # "0.5x"
    size: int  # numbers
    shares: dict[str, float]  # outcome → share of the calls


@dataclass(frozen=True)
class Panel:
    title: str  # "hold 5 min (recommended 35)"
    bars: list[Bar]


def svg(panels: list[Panel], title: str) -> str:
    width = max(LEFT + len(panels) * (PANEL_WIDTH + PANEL_GAP), LEFT + 4 * LEGEND_COLUMN)
    height = PLOT_TOP + PLOT_HEIGHT + 56 + LEGEND_HEIGHT
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        *axis(),
    ]
    for index, panel in enumerate(panels):
        parts += panel_parts(panel, LEFT + index * (PANEL_WIDTH + PANEL_GAP))
    parts += legend(PLOT_TOP + PLOT_HEIGHT + 56)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def axis() -> list[str]:
    """The share scale on the left, 0 to 100 %, with lines across every panel."""
    parts = []
    for percent in (0, 25, 50, 75, 90, 100):
        y = y_of(percent / 100)
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{percent} %</text>')
    return parts


def y_of(share: float) -> float:
    return PLOT_TOP + PLOT_HEIGHT * (1 - share)


def panel_parts(panel: Panel, left: float) -> list[str]:
    parts = [f'<text x="{left + 4}" y="{PLOT_TOP - 8}">{escape(panel.title)}</text>']
    for percent in (25, 50, 75, 90, 100):
        y = y_of(percent / 100)
        parts.append(
            f'<line x1="{left}" x2="{left + PANEL_WIDTH}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#dddddd"/>'
        )
    parts.append(
        f'<text x="{left + PANEL_WIDTH / 2}" y="{PLOT_TOP + PLOT_HEIGHT + 42}" '
        'text-anchor="middle" fill="#555555">pool: times the recommended size, numbers</text>'
    )
    slot = PANEL_WIDTH / max(1, len(panel.bars))
    for index, bar in enumerate(panel.bars):
        parts += bar_parts(bar, left + index * slot + slot * 0.15, slot * 0.7)
    return parts


def bar_parts(bar: Bar, x: float, width: float) -> list[str]:
    parts, bottom = [], 0.0
    for outcome, name, colour in OUTCOMES:
        share = bar.shares.get(outcome, 0.0)
        if share <= 0:
            continue
        top = y_of(bottom + share)
        height = y_of(bottom) - top
        parts.append(
            f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{height:.2f}" '
            f'fill="{colour}"><title>{escape(name)}: {share:.1%}</title></rect>'
        )
        bottom += share
    below = PLOT_TOP + PLOT_HEIGHT
    centre = x + width / 2
    parts.append(f'<text x="{centre:.1f}" y="{below + 14}" text-anchor="middle">{bar.label}</text>')
    parts.append(
        f'<text x="{centre:.1f}" y="{below + 27}" text-anchor="middle" fill="#555555">'
        f"{bar.size}</text>"
    )
    return parts


def legend(top: float) -> list[str]:
    parts = []
    for index, (_, name, colour) in enumerate(OUTCOMES):
        x = LEFT + (index % 4) * LEGEND_COLUMN
        y = top + (index // 4) * 18
        parts.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="{y + 10}">{escape(name)}</text>')
    return parts

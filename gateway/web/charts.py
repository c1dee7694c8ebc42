"""Server-rendered SVG bar charts: geometry here, markup in ``templates/_charts.html``.

No JavaScript and no build step: the page is complete as served, prints well, and a
screen reader gets the same figures from the table each chart carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ROW_HEIGHT = 22
LABEL_WIDTH = 170
BAR_SPACE = 330
VALUE_WIDTH = 60
MAX_LABEL_CHARS = 24


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: float

    @property
    def text(self) -> str:
        """The value as shown: whole numbers without decimals, energy with one."""
        return str(int(self.value)) if float(self.value).is_integer() else f"{self.value:.1f}"

    @property
    def short_label(self) -> str:
        """The label cut to fit the label column (the table keeps it whole)."""
        return self.label if len(self.label) <= MAX_LABEL_CHARS else self.label[:MAX_LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart, one bar per row."""

    bars: list[Bar]
    label_width: int = LABEL_WIDTH
    bar_space: int = BAR_SPACE
    row_height: int = ROW_HEIGHT

    @property
    def width(self) -> int:
        return self.label_width + self.bar_space + VALUE_WIDTH

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * self.row_height


def bar_chart(items: Iterable[tuple[str, float]]) -> Chart:
    """Bars scaled to the largest value; a zero value gets no bar but keeps its row."""
    pairs = list(items)
    top = max((value for _, value in pairs), default=0) or 1
    return Chart([Bar(label, value, i * ROW_HEIGHT, BAR_SPACE * value / top)
                  for i, (label, value) in enumerate(pairs)])

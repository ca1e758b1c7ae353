"""The dashboard's charts, drawn on the server as inline SVG with pygal (no script, nothing fetched by the browser)."""
from __future__ import annotations

import re

import pygal
from markupsafe import Markup
from pygal.style import Style

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
STYLE = Style(background="white", plot_background="white", foreground="#333", foreground_strong="#222",
              foreground_subtle="#999", colors=("#1f4e79", "#6aa84f", "#e69138", "#cc0000", "#8e7cc3"),
              font_family="'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif")


def _config(chart: pygal.Graph, days: list[str]) -> pygal.Graph:
    chart.x_labels = [f"{d[4:6]}-{d[6:]}" for d in days]
    chart.x_label_rotation = 45 if len(days) > 10 else 0
    return chart


def _svg(chart: pygal.Graph) -> Markup:
    """The chart as inline SVG without pygal's script block (its config for interactive tooltips, which are
    not loaded): a static picture. pygal escapes the titles and labels it is given."""
    svg = chart.render(is_unicode=True, disable_xml_declaration=True)
    return Markup(_SCRIPT.sub("", svg))


def messages_chart(days: list[str], counts: list[dict[str, int]]) -> Markup:
    chart = _config(pygal.Bar(style=STYLE, js=[], height=300, show_legend=False, title="每天收到的问题（条）"), days)
    chart.add("问题", [c.get("messages", 0) for c in counts])
    return _svg(chart)


def shares_chart(days: list[str], counts: list[dict[str, int]], outcomes: dict[str, tuple[str, ...]]) -> Markup:
    """Per day, the share of questions in each outcome group (percent of the day's questions)."""
    chart = _config(pygal.StackedBar(style=STYLE, js=[], height=320, title="每天的回答情况（%）", range=(0, 100),
                                     legend_at_bottom=True), days)
    for label, names in outcomes.items():
        chart.add(label, [round(100 * sum(c.get(f"d:{n}", 0) for n in names) / c["messages"], 1)
                          if c.get("messages") else None for c in counts])
    return _svg(chart)


def follows_chart(days: list[str], counts: list[dict[str, int]]) -> Markup:
    chart = _config(pygal.Line(style=STYLE, js=[], height=280, title="每天关注 / 取消关注（人）",
                               legend_at_bottom=True), days)
    chart.add("关注", [c.get("e:subscribe", 0) for c in counts])
    chart.add("取消关注", [c.get("e:unsubscribe", 0) for c in counts])
    return _svg(chart)

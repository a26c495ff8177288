"""One PNG with a panel a comparison: the emulator's bar beside the peers', the target as a line.

The emulator's bar is green where it meets its target, red where it misses, blue where no target
applies; the panel title says PASS/MISS and the ratio, so the picture reads without the table.
"""

from __future__ import annotations

from pathlib import Path

from .report import _get
from .targets import Target

COLORS = {"PASS": "#2e8b57", "MISS": "#c0392b", "n/a": "#4a78b0", None: "#4a78b0"}
PEER_COLOR = "#9e9e9e"
NAMES = {"wiremock": "WireMock", "prism": "Prism"}
PEER_NAMES = ("WireMock", "Prism", "without")


def _panel(ax, title: str, unit: str, bars: list[tuple[str, float | None]], target: Target | None,
           line: float | None, line_label: str = "target") -> None:
    """Bars (the peers' grey), an optional target line, a title with the verdict."""
    shown = [(name, value) for name, value in bars if value is not None]
    status = target.status if target else None
    colors = [PEER_COLOR if name in PEER_NAMES else COLORS[status] for name, _ in shown]
    positions = range(len(shown))
    ax.bar(positions, [v for _, v in shown], color=colors, width=0.6)
    ax.set_xticks(list(positions), [n for n, _ in shown], fontsize=8)
    for x, (_, value) in zip(positions, shown):
        ax.annotate(f"{value:,.0f}" if value >= 100 else f"{value:.2f}", (x, value), ha="center",
                    va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    if line is not None:
        ax.axhline(line, color="#333333", linestyle="--", linewidth=1)
        ax.text(0.99, line, line_label, transform=ax.get_yaxis_transform(), ha="right", va="bottom",
                fontsize=7, color="#333333")
    heading = title
    if target is not None:
        heading += f"\n{target.status}  {target.shown}  (target {target.goal})"
    ax.set_title(heading, fontsize=9, color=COLORS[status] if status in ("PASS", "MISS") else "black")
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    ax.margins(y=0.18)


def draw(results: dict, targets: list[Target], path: Path) -> Path | None:
    """Write the chart to ``path``; None (with a note) when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib is not installed: no chart (pip install -e '.[bench]')")
        return None
    by_key = {t.key: t for t in targets}
    startup, event, listing, large = (results.get(k, {}) for k in ("startup", "event", "listing", "large"))
    peer_starts = [s for s in (_get(startup, p, "median_s") for p in ("wiremock", "prism")) if s]
    wm_rps, pr_rps = _get(event, "wiremock", "throughput", "rps"), _get(listing, "prism", "throughput", "rps")
    wm_median = _get(event, "wiremock", "latency", "median_ms")
    figure, axes = plt.subplots(3, 3, figsize=(13, 11))
    panels = [
        ("start-up to ready", "s", [("emulator", _get(startup, "emulator", "median_s")),
                                    ("WireMock", _get(startup, "wiremock", "median_s")),
                                    ("Prism", _get(startup, "prism", "median_s"))],
         by_key["startup"], 0.4 * min(peer_starts) if peer_starts else None),
        ("reset median", "ms", [("emulator", _get(results, "reset", "emulator")),
                                ("WireMock", _get(results, "reset", "wiremock"))], by_key["reset"], 1.0),
        ("report/event median latency, 1 client", "ms",
         [("emulator", _get(event, "emulator", "latency", "median_ms")), ("WireMock", wm_median)],
         by_key["event_median"], wm_median),
        ("report/event throughput, 8 connections", "requests/s",
         [("emulator", _get(event, "emulator", "throughput", "rps")), ("WireMock", wm_rps)],
         by_key["event_rps"], wm_rps),
        ("listing page median latency, 1 client", "ms",
         [("emulator", _get(listing, "emulator", "latency", "median_ms")),
          ("Prism", _get(listing, "prism", "latency", "median_ms"))], None, None),
        ("listing page throughput, 8 connections", "requests/s",
         [("emulator", _get(listing, "emulator", "throughput", "rps")), ("Prism", pr_rps)],
         by_key["listing_rps"], 2 * pr_rps if pr_rps else None),
        (f"{large.get('sessions', 0):,} sessions: page of 100", "ms",
         [(name, _get(large, f"{name}_page", "median_ms")) for name in ("first", "middle", "last")],
         by_key["large_pages"], 5.0),
        (f"{large.get('sessions', 0):,} sessions: memory growth", "MB",
         [("emulator", _get(large, "rss_growth_mb"))], by_key["large_memory"], 200.0),
        ("pytest plugin: one trivial test, median", "ms",
         [("with fixture", _get(results, "plugin", "with_median_ms")),
          ("without", _get(results, "plugin", "without_median_ms"))], None, None),
    ]
    for ax, (title, unit, bars, target, line) in zip(axes.flat, panels):
        _panel(ax, title, unit, bars, target, line)
    machine = results.get("machine", {})
    versions = results.get("peers", {}).get("versions", {})
    peers = " and ".join(f"{NAMES[k]} {v}" for k, v in versions.items()) or "no peer"
    figure.suptitle(f"Analytics API Emulator vs {peers} — {machine.get('date', '')}\n"
                    f"{machine.get('nproc')} × {machine.get('cpu')}, Python {machine.get('python')}, "
                    f"load average {machine.get('load_average', ['?'])[0]} at start, "
                    f"{machine.get('load_average_end', ['?'])[0]} at end", fontsize=11)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path

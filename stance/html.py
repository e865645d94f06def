"""A self-contained HTML view of an :class:`~stance.analysis.ArticleAnalysis` (no external assets)."""
from __future__ import annotations

from html import escape

COLOURS = {"supportive": "#b7e4c7", "critical": "#f4a6a6", "uneasy": "#ffe08a", "dismissive": "#d3c4f5",
           "conciliatory": "#a9d6f5", "threatening": "#ff8c69", "neutral": "#e4e4e4"}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;
color:#222;line-height:1.55}
h1{font-size:1.3em}h2{font-size:1.1em;margin-top:2em}
.article{white-space:pre-wrap;border:1px solid #ddd;border-radius:6px;padding:1em;background:#fcfcfc}
mark{border-radius:3px;padding:0 2px;cursor:help}
table{border-collapse:collapse;width:100%;font-size:.92em}th,td{border-bottom:1px solid #e3e3e3;padding:.35em .5em;
text-align:left;vertical-align:top}th{background:#f3f3f3}
.pill{display:inline-block;border-radius:9px;padding:0 .55em;font-size:.85em}
.legend span{margin-right:.6em}.ev{font-size:.88em;color:#444;margin:.2em 0}.off{color:#888;font-size:.8em}
"""


# sentiment and stance labels, in the same spirit; a label of a user's own fine-tuned head gets one of EXTRA
OTHER_COLOURS = {"positive": "#b7e4c7", "negative": "#f4a6a6", "favor": "#b7e4c7", "against": "#f4a6a6",
                 "none": "#e4e4e4"}
EXTRA = ("#f7c6e0", "#c6f0ef", "#e8d6b0", "#cfd8f7", "#dcecc0", "#f5d0b5")


def colour(label: str) -> str:
    """The background of a label: the codebook's attitudes and the sentiment/stance labels have their own; any
    other label a stable one of :data:`EXTRA` (the same label, the same colour, in every page)."""
    if label in COLOURS:
        return COLOURS[label]
    if label in OTHER_COLOURS:
        return OTHER_COLOURS[label]
    return EXTRA[sum(label.encode("utf-8")) % len(EXTRA)]


def _pill(label: str, score: float | None = None) -> str:
    s = f" {score:.2f}" if score is not None else ""
    return (f'<span class="pill" style="background:{colour(label)}">{escape(label)}{s}</span>')


def render_html(res, title: str = "stance: actors and attitudes") -> str:
    """The article with every actor mention highlighted in its actor's attitude colour, and a summary table."""
    text = res.text
    marks = []
    for a in res.actors:
        for m in a.mentions:
            marks.append((m.start, m.end, a))
    marks.sort(key=lambda x: (x[0], -(x[1] - x[0])))
    out, pos = [], 0
    for s, e, a in marks:
        if s < pos:
            continue  # overlapping mention: the longer one is already drawn
        out.append(escape(text[pos:s]))
        tip = f"{a.name}: {a.attitude.label} ({a.attitude.score:.2f}), sentiment {a.sentiment.label}"
        out.append(f'<mark class="actor" data-actor="{escape(a.name)}" data-attitude="{escape(a.attitude.label)}" '
                   f'title="{escape(tip)}" style="background:{colour(a.attitude.label)}">'
                   f"{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:]))
    rows = []
    for a in res.actors:
        ev = "".join(
            f'<div class="ev">{_pill(e.attitude, e.attitude_score)} {escape(e.text)} '
            f'<span class="off">[{e.start}:{e.end}]</span></div>' for e in a.evidence[:5])
        stance = _pill(a.stance.label, a.stance.score) if a.stance else "—"
        rows.append(f'<tr class="actor-row" data-actor="{escape(a.name)}" data-attitude="{escape(a.attitude.label)}">'
                    f"<td><b>{escape(a.name)}</b><br><span class=off>{escape(a.type)}; "
                    f"{escape(', '.join(a.aliases))}</span></td>"
                    f"<td>{_pill(a.attitude.label, a.attitude.score)}</td>"
                    f"<td>{_pill(a.sentiment.label, a.sentiment.score)}</td><td>{stance}</td>"
                    f"<td>{len(a.mentions)}</td><td>{ev}</td></tr>")
    own = [l for l in dict.fromkeys(a.attitude.label for a in res.actors) if l not in COLOURS]  # fine-tuned labels
    legend = "".join(f"<span>{_pill(k)}</span>" for k in [*COLOURS, *own])
    topic = f" — stance toward <i>{escape(res.topic)}</i>" if res.topic else ""
    warn = "".join(f"<p>⚠ {escape(w)}</p>" for w in res.warnings)
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>"
            f"<style>{CSS}</style></head><body><h1>{escape(title)}</h1>"
            f'<p class="legend">{legend}</p>{warn}<h2>Article{topic}</h2>'
            f'<div class="article" id="article">{"".join(out)}</div>'
            f'<h2>Actors ({len(res.actors)})</h2><table id="actors"><thead><tr><th>actor</th><th>attitude</th>'
            f"<th>sentiment</th><th>stance</th><th>mentions</th><th>evidence</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            f'<p class="off">model: {escape(res.model)}; {res.n_passages} passages scored.</p></body></html>')

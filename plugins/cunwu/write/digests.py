"""What the township root publishes for reminders: calendar feeds, and the
villagers' monthly digests and picture cards (docs/urls.md).

Made from the completeness data the root already computed, and from each
village's month facts in its cached summary, so no village is loaded.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..render import calendar
from ..render.digest import card_data, digest_text, villager_digest, window_months
from ..render.theme import theme_env
from ..render.urls import complaint_url
from .state import State, VillageSummary


def reminder_files(
    state: State, summaries: list[VillageSummary], data: dict[str, Any], as_of: dt.date
) -> tuple[dict[str, bytes], dict[str, tuple[str, ...]]]:
    """Every feed, digest and card of the township root, by path; and the
    sources each shows (for the privacy scan's report)."""
    files: dict[str, bytes] = {}
    sources: dict[str, tuple[str, ...]] = {}
    for rel, body in calendar.feeds(data).items():
        files[rel] = body
        vid = rel.removeprefix("calendar/").removesuffix(".ics")
        sources[rel] = ("cunwu.yaml",) if rel == "calendar.ics" else ("cunwu.yaml", f"villages/{vid}/")
    villages = {v["id"]: v for v in data["villages"]}
    cards = None
    if state.poster_maker is not None:  # cards are made when posters are (not with --no-posters)
        from .cards import CardMaker

        cards = CardMaker(state.cache / "cards")
    cfg = state.ctx.config
    months = window_months(as_of, cfg.print.window_months)
    template = theme_env(state.theme).get_template("digest.html") if summaries else None
    for s in summaries:
        if s.id not in villages or (s.held is not None and not s.held.published):
            continue
        shown = []
        for month in months:
            d = villager_digest(data["township"], villages[s.id], s.months, month, as_of)
            base = f"digest/{s.id}/{month}"
            text = digest_text(d)
            card = card_data(d)
            files[f"{base}.txt"] = text.encode("utf-8")
            sources[f"{base}.txt"] = (f"villages/{s.id}/",)
            if cards is not None:
                files[f"{base}.png"] = cards.get(card)[0]
                sources[f"{base}.png"] = (f"villages/{s.id}/",)
            shown.append(
                {
                    "month": month,
                    "label": d["month_label"],
                    "text": text,
                    "txt": f"{month}.txt",
                    "card": f"{month}.png" if cards is not None else "",
                    "figures": card["figures"],
                    "counts": card["counts"],
                }
            )
        # newest month first: what a cadre shares this month is on top
        page = {
            "village": villages[s.id]["name"],
            "township": data["township"]["name"],
            "url": villages[s.id].get("url") or "",
            "months": shown[::-1],
            # as on every page: the intake link names the village and the page, and the phones
            "complaint": complaint_url(cfg.complaint.url, s.code, f"digest/{s.id}"),
            "phones": [
                {"label": p.label, "number": p.number} for p in cfg.complaint.phones + cfg.supervision
            ],
        }
        assert template is not None
        files[f"digest/{s.id}/index.html"] = template.render(page=page).encode("utf-8")
        sources[f"digest/{s.id}/index.html"] = (f"villages/{s.id}/",)
    return files, sources

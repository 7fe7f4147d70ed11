"""Every published version of a disclosure at its own permanent URL, the list
of changes between them, and redirects from a disclosure's former URLs."""

from __future__ import annotations

from collections.abc import Iterator

from ...load.document import Doc
from ...words import date_zh
from ..changes import change_rows, summarise
from ..common import Output
from ..site import VillageSite
from ..urls import complaint_url, rel_link


def version_pages(site: VillageSite) -> Iterator[Output]:
    """The versions page of each disclosure that changed after approval, and
    each superseded version frozen at ``v/<stamp>/``."""
    for doc in site.online():
        dh = site.histories.get(site.key_of(doc))
        if dh is None or len(dh.versions) < 2:
            continue
        base = doc.url_path
        current_stamp = dh.versions[-1][0]
        name = base + "versions/index.html"
        rows = []
        for i, (stamp, st) in enumerate(dh.versions):
            changes = dh.diffs[i - 1] if i else []
            rows.append(
                {
                    "stamp": stamp,
                    "date": date_zh(st.model.last_changed),
                    "commit": st.commit[:8],
                    "commit_date": st.date,
                    "author": st.author,
                    "subject": st.subject,
                    "current": stamp == current_stamp,
                    "href": rel_link(name, base if stamp == current_stamp else f"{base}v/{stamp}/"),
                    # correction entries are shown on their own, as 更正说明
                    "summary": summarise(
                        [c for c in changes if not c.where.startswith("corrections")], doc.kind
                    )
                    if i
                    else "首次公开",
                    "changes": change_rows(changes),
                    # the entries this version added (not "the last ones": an
                    # entry may have been inserted in date order, or reworded)
                    "corrections": [
                        {"date": date_zh(c.date), "reason": c.reason}
                        for c in st.model.corrections
                        if not i or c not in dh.versions[i - 1][1].model.corrections
                    ],
                }
            )
        yield Output(
            name,
            "versions",
            site.page(
                name,
                f"{base.rstrip('/')}/versions",
                f"{site.title(doc)}：修改记录",
                doc.spec.segment,
                doc_title=site.title(doc),
                current=rel_link(name, base),
                versions=list(reversed(rows)),
                # a roster's changes name recipients, like the roster itself
                noindex=doc.kind == "subsidy",
            ),
            sources=(doc.rel,),
        )
        pages = site.pages_of(doc)
        for stamp, st in dh.versions[:-1]:
            vname = f"{base}v/{stamp}/index.html"
            old = Doc(doc.kind, doc.key, doc.rel, st.model, st.body)
            out = pages.page(
                old,
                vname,
                stamp=stamp,
                version_date=date_zh(st.model.last_changed),
                poster="",
                superseded={"href": rel_link(vname, base), "stamp": current_stamp},
                versions_href=rel_link(vname, base + "versions/"),
                noindex=True,
                complaint=complaint_url(
                    site.site["intake"], site.v.code, f"{base}v/{stamp}".rstrip("/"), stamp
                ),
            )
            out.doc = out.poster = ""  # an old version gets no poster
            yield out
        yield site.redirect(f"{base}v/{current_stamp}/index.html", base, site.title(doc))


def renamed_pages(site: VillageSite) -> Iterator[Output]:
    """Old URLs of disclosures whose identity changed (a renamed file with a
    new slug, say) redirect to the current URL: QR codes keep working."""
    docs = site.docs()
    taken = {d.url_path for d in docs}
    taken |= {f"notices/{a}/" for d in site.notices for a in d.model.aliases}
    for doc in docs:
        dh = site.histories.get(site.key_of(doc))
        for old in dh.former_keys if dh is not None else []:
            path = f"{doc.spec.segment}/{old}/"
            if path not in taken:
                taken.add(path)
                yield site.redirect(path + "index.html", doc.url_path, site.title(doc))

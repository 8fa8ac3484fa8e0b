"""Claims and citations: articles split into claims, each linked to the captures that support
it, quotes checked against the evidence (including text inside images), citations and reports.

Uses ``storage`` and ``archiver``; neither imports this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from archiver._lazy import lazy_exports

if TYPE_CHECKING:
    from claims._certificate import (
        Certificate,
        build_certificates,
        render_certificates,
        write_certificates,
    )
    from claims._cite import render_citation
    from claims._citing import PostStatus, citation_sources, cite, post_status
    from claims._report import render_report
    from claims._report_data import article_capture_ids, build_report, write_report
    from claims._workflow import (
        AddedArticle,
        accept_suggestion,
        add_article,
        check_link,
        link_claim,
        manual_claim,
        suggest_links,
    )

# What each name is imported from, on first use (PEP 562): importing the package costs
# nothing until a name is asked for.
_EXPORTS = {
    "AddedArticle": "claims._workflow",
    "Certificate": "claims._certificate",
    "PostStatus": "claims._citing",
    "accept_suggestion": "claims._workflow",
    "add_article": "claims._workflow",
    "article_capture_ids": "claims._report_data",
    "build_certificates": "claims._certificate",
    "build_report": "claims._report_data",
    "check_link": "claims._workflow",
    "citation_sources": "claims._citing",
    "cite": "claims._citing",
    "link_claim": "claims._workflow",
    "manual_claim": "claims._workflow",
    "post_status": "claims._citing",
    "render_certificates": "claims._certificate",
    "render_citation": "claims._cite",
    "render_report": "claims._report",
    "suggest_links": "claims._workflow",
    "write_certificates": "claims._certificate",
    "write_report": "claims._report_data",
}

__all__ = [
    "AddedArticle",
    "Certificate",
    "PostStatus",
    "accept_suggestion",
    "add_article",
    "article_capture_ids",
    "build_certificates",
    "build_report",
    "check_link",
    "citation_sources",
    "cite",
    "link_claim",
    "manual_claim",
    "post_status",
    "render_certificates",
    "render_citation",
    "render_report",
    "suggest_links",
    "write_certificates",
    "write_report",
]


__getattr__ = lazy_exports(__name__, _EXPORTS)


def __dir__() -> list[str]:
    return sorted(__all__)

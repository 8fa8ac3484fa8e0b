"""Claims and citations: articles split into claims, each linked to the captures that support
it, quotes checked against the evidence (including text inside images), citations and reports.

Uses ``storage`` and ``archiver``; neither imports this package.
"""

from claims._workflow import (
    AddedArticle,
    PostStatus,
    accept_suggestion,
    add_article,
    build_report,
    check_link,
    cite,
    link_claim,
    manual_claim,
    post_status,
    suggest_links,
    write_report,
)

__all__ = [
    "AddedArticle",
    "PostStatus",
    "accept_suggestion",
    "add_article",
    "build_report",
    "check_link",
    "cite",
    "link_claim",
    "manual_claim",
    "post_status",
    "suggest_links",
    "write_report",
]

"""article, claim, link, unlink, cite, report: an article's claims and the evidence for them."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from archiver.errors import UsageError
from postproof.commands._options import (
    AllowPrivateHostOpt,
    AllowPrivateOpt,
    ArticleArg,
    ClaimArg,
    ConcurrencyOpt,
    ForceOpt,
    HomeOpt,
    HostMapOpt,
    IncludeRetractedOpt,
    InsecureOpt,
    JsonOpt,
    TimeoutOpt,
    capture_flags,
    check_output,
)
from postproof.output import emit_json, err, esc, handles_errors, out, progress_wanted
from postproof.render import (
    render_article_summary,
    render_claims,
    render_left_out,
    render_seal,
    report_figures,
    retracted_line,
)
from postproof.runs import Run, opened_archive
from postproof.settings import Settings, resolve_home
from postproof.views import article_json, capture_json, claim_json, link_json, suggestion_json

if TYPE_CHECKING:
    import storage
    from claims.models import Relation, Suggestion

article_app = typer.Typer(
    help="Articles whose claims postproof tracks.", no_args_is_help=True, add_completion=False
)
claim_app = typer.Typer(
    help="The claims of an article.", no_args_is_help=True, add_completion=False
)

RelationOpt = Annotated[str, typer.Option("--relation", help="supports, contradicts or context.")]
CITE_FORMATS = ("markdown", "html", "text", "csl-json", "bibtex")
REPORT_FORMATS = ("html", "md", "json", "pdf")
LANGUAGE_CODE = re.compile(r"[A-Za-z]{2}(?:[-_][A-Za-z0-9]{1,8})*")


@article_app.command("add")
@handles_errors
def article_add(
    source: Annotated[
        str, typer.Argument(help="The article: a URL, or an HTML, Markdown or text file.")
    ],
    lang: Annotated[
        str | None, typer.Option("--lang", help="Language code (fr, en…) if detection is wrong.")
    ] = None,
    title: Annotated[
        str | None, typer.Option("--title", help="Title, when the article has none.")
    ] = None,
    again: Annotated[
        bool,
        typer.Option("--again", help="Add an article already added once more, as a new one."),
    ] = False,
    no_capture: Annotated[
        bool, typer.Option("--no-capture", help="Record references without capturing them.")
    ] = False,
    concurrency: ConcurrencyOpt = None,
    timeout: TimeoutOpt = None,
    allow_private: AllowPrivateOpt = False,
    allow_private_host: AllowPrivateHostOpt = None,
    insecure: InsecureOpt = False,
    host_map: HostMapOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add an article: split it into claims, capture the posts it cites, link and check quotes.

    Example: postproof article add https://www.example.org/2025/02/25/story.html
    """
    if lang is not None and not LANGUAGE_CODE.fullmatch(lang):
        raise UsageError(
            f"--lang {lang!r} is not a language code.", hint="Use a two-letter code: fr, en, de…"
        )
    settings = Settings.load(home)
    options = settings.capture_options(
        capture_flags(
            timeout=timeout,
            concurrency=concurrency,
            allow_private=allow_private,
            allow_private_host=allow_private_host,
            insecure=insecure,
            host_map=host_map,
        )
    )
    with Run.open(settings, options, show_progress=progress_wanted(as_json)) as run:
        added = run.add_article(
            source, lang=lang, title=title, capture_references=not no_capture, again=again
        )
        sealed = run.seal_if_stored()
    if as_json:
        emit_json(
            {
                "ok": True,
                "article": article_json(added.article, added.claims, added.links, added.references),
                "captures": [capture_json(c, artifacts=False) for c in added.captures],
                "log": None if sealed is None else sealed.to_json(),
            }
        )
        return
    render_article_summary(added.article, added.claims, added.links, added.references)
    if sealed is not None:
        render_seal(sealed)


@article_app.command("list")
@handles_errors
def article_list(
    include_retracted: IncludeRetractedOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the articles, newest first.

    Retracted articles are left out, and counted, unless --include-retracted (each is then
    marked).

    Example: postproof article list
    """
    with opened_archive(resolve_home(home)) as archive:
        articles = archive.articles.all(include_retracted=include_retracted)
        left_out = 0 if include_retracted else archive.articles.count_retracted()
    if as_json:
        emit_json(
            {
                "ok": True,
                "articles": [article_json(a) for a in articles],
                "retracted_left_out": left_out,
            }
        )
        return
    if not articles:
        if left_out:
            render_left_out(left_out, "article", shown=False)
        else:
            err.print("No articles yet: postproof article add URL_OR_FILE")
        return
    table = Table(pad_edge=False)
    for column in ("id", "added (UTC)", "claims", "title", "byline", "source"):
        table.add_column(column, overflow="fold")
    for a in articles:
        table.add_row(
            a.id,
            a.added_at.strftime("%Y-%m-%d %H:%M"),
            str(a.claim_count),
            esc(a.title or "—")
            + ("" if a.finished_at else " [yellow](unfinished: add it again to finish)[/]")
            + (f" {retracted_line(a.retracted)}" if a.retracted else ""),
            esc(a.byline or "—"),
            esc(a.source_url or a.source_name or "—"),
        )
    out.print(table)
    render_left_out(left_out, "article", shown=True)


@article_app.command("show")
@handles_errors
def article_show(article: ArticleArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Show an article with its claims, references and evidence links.

    Example: postproof article show 7hq3
    """
    with opened_archive(resolve_home(home)) as archive:
        book = archive.articles
        record = book.get(article)
        claims, links, refs = (
            book.claims(record.id),
            book.links(record.id),
            book.references(record.id),
        )
    if as_json:
        emit_json({"ok": True, "article": article_json(record, claims, links, refs)})
        return
    render_article_summary(record, claims, links, refs)
    if record.retracted is not None:
        out.print(f"  {retracted_line(record.retracted)}")
    render_claims(claims, links)


@claim_app.command("list")
@handles_errors
def claim_list(article: ArticleArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """List an article's claims in order, with their quotes, speakers and evidence.

    Example: postproof claim list 7hq3
    """
    with opened_archive(resolve_home(home)) as archive:
        book = archive.articles
        article_id = book.resolve(article)
        claims, links = book.claims(article_id), book.links(article_id)
    if as_json:
        emit_json({"ok": True, "claims": [claim_json(c, links) for c in claims]})
        return
    render_claims(claims, links)


@claim_app.command("add")
@handles_errors
def claim_add(
    article: ArticleArg,
    text: Annotated[str, typer.Argument(help="The claim, as the article makes it.")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a claim the automatic split missed; it is numbered after the article's last claim.

    Example: postproof claim add 7hq3 "Camille Royer refused the offer."
    """
    from claims import manual_claim

    if not text.strip():
        raise UsageError("The claim's text is empty.")
    drafts = manual_claim(text)
    with opened_archive(resolve_home(home)) as archive:
        claim = archive.articles.add_claim(article, drafts)
    if as_json:
        emit_json({"ok": True, "claim": claim_json(claim)})
    else:
        out.print(f"Added claim [bold]{claim.ref}[/]: {esc(claim.text)}")


@handles_errors
def link(
    claim: Annotated[
        str | None, typer.Argument(help="The claim: ARTICLE#N.", show_default=False)
    ] = None,
    target: Annotated[
        str | None, typer.Argument(help="A capture id, or a URL to capture.", show_default=False)
    ] = None,
    quote: Annotated[
        str | None,
        typer.Option("--quote", help="The words of the claim to look for in the evidence."),
    ] = None,
    relation: RelationOpt = "supports",
    note: Annotated[str | None, typer.Option("--note", help="A note kept with the link.")] = None,
    suggest: Annotated[
        str | None,
        typer.Option(
            "--suggest",
            help="Propose evidence from the archive for ARTICLE's unlinked claims.",
            show_default=False,
        ),
    ] = None,
    accept: Annotated[
        bool, typer.Option("--accept", help="With --suggest: link each claim's best suggestion.")
    ] = False,
    min_score: Annotated[
        float, typer.Option("--min-score", help="With --accept: the lowest score accepted.")
    ] = 0.5,
    include_retracted: IncludeRetractedOpt = False,
    concurrency: ConcurrencyOpt = None,
    timeout: TimeoutOpt = None,
    allow_private: AllowPrivateOpt = False,
    allow_private_host: AllowPrivateHostOpt = None,
    insecure: InsecureOpt = False,
    host_map: HostMapOpt = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Link a claim to the capture that supports it (a URL is captured first), or --suggest.

    A retracted capture, or a claim of a retracted article, is refused (exit 2) and --suggest
    never proposes a retracted capture, unless --include-retracted.

    Example: postproof link 7hq3#4 k3m9q2xa --quote "Je ne peux pas travailler pour lui"
    Example: postproof link --suggest 7hq3 --accept
    """
    chosen = parse_relation(relation)
    if not 0 <= min_score <= 1:
        raise UsageError(f"--min-score must be between 0 and 1, not {min_score}.")
    if suggest is not None:
        if claim or target:
            raise UsageError("--suggest takes an article id and no claim or target.")
        suggest_links(
            suggest,
            accept=accept,
            min_score=min_score,
            include_retracted=include_retracted,
            home=home,
            as_json=as_json,
        )
        return
    if not claim or not target:
        raise UsageError(
            "link needs a claim and a capture id or URL.",
            hint="For example: postproof link 7hq3#4 k3m9q2xa (or --suggest ARTICLE)",
        )
    settings = Settings.load(home)
    options = settings.capture_options(
        capture_flags(
            timeout=timeout,
            concurrency=concurrency,
            allow_private=allow_private,
            allow_private_host=allow_private_host,
            insecure=insecure,
            host_map=host_map,
        )
    )
    with Run.open(settings, options) as run:
        made = run.link(
            claim,
            target,
            quote=quote,
            relation=chosen,
            note=note,
            include_retracted=include_retracted,
        )
        # A URL was captured: its entry in the log is sealed now, as any capture run's is.
        sealed = run.seal_if_stored()
    if as_json:
        log = None if sealed is None else sealed.to_json()
        emit_json({"ok": True, "link": link_json(made), "log": log})
        return
    out.print(f"Linked [bold]{made.claim_ref}[/] → {made.capture_id} ({made.relation})")
    for check in made.checks:
        out.print(f"  quote {check.result} ({check.score:.0f}): « {check.quote} »", markup=False)
    if sealed is not None:
        render_seal(sealed)


def parse_relation(relation: str) -> Relation:
    from claims.models import Relation

    try:
        return Relation(relation)
    except ValueError:
        raise UsageError(
            f"Unknown relation {relation!r}.", hint="Use supports, contradicts or context."
        ) from None


def suggest_links(
    article: str,
    *,
    accept: bool,
    min_score: float,
    include_retracted: bool,
    home: Path | None,
    as_json: bool,
) -> None:
    """`link --suggest`: evidence the archive may hold for an article's unlinked claims."""
    import claims

    with opened_archive(resolve_home(home)) as archive:
        article_id = archive.articles.resolve(article)
        found = claims.suggest_links(archive, article_id, include_retracted=include_retracted)
        accepted: list[storage.LinkRecord] = []
        if accept:
            best: dict[int, tuple[storage.ClaimRecord, Suggestion]] = {}
            for claim, suggestion in found:
                if suggestion.score >= min_score and claim.id not in best:
                    best[claim.id] = (claim, suggestion)
            accepted = [
                claims.accept_suggestion(archive, c, s, include_retracted=include_retracted)
                for c, s in best.values()
            ]
    rows = [suggestion_json(claim, s) for claim, s in found]
    if as_json:
        emit_json({"ok": True, "suggestions": rows, "accepted": [link_json(x) for x in accepted]})
        return
    if not rows:
        out.print("No suggestions: no post in the archive shares a speaker, name, number or quote.")
    for row in rows:
        out.print(f"[bold]{row['claim']}[/] → {row['capture_id']}  score {row['score']:.2f}")
        for reason in row["reasons"]:
            out.print(f"    · {reason}", markup=False)
    for made in accepted:
        out.print(f"[green]Linked[/] {made.claim_ref} → {made.capture_id}")


@handles_errors
def unlink(
    claim: ClaimArg,
    capture_id: Annotated[str | None, typer.Argument(help="Only the link to this capture.")] = None,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Remove a claim's evidence link (all of them without CAPTURE_ID); the record of it stays.

    Example: postproof unlink 7hq3#4 k3m9q2xa
    """
    with opened_archive(resolve_home(home)) as archive:
        record = archive.articles.claim(claim)
        full = archive.resolve_capture_id(capture_id) if capture_id else None
        removed = archive.articles.unlink(record, full)
    if as_json:
        emit_json({"ok": True, "removed": removed})
    else:
        out.print(f"Removed {removed} link(s) of {record.ref}.")


@handles_errors
def cite(
    target: Annotated[str, typer.Argument(help="A claim (ARTICLE#N) or a capture id.")],
    fmt: Annotated[
        str, typer.Option("--format", "-F", help="markdown, html, text, csl-json or bibtex.")
    ] = "markdown",
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a citation of a claim's evidence or of a capture, ready to paste.

    Evidence captured with imported login cookies is marked "captured while logged in".
    Example: postproof cite 7hq3#4 --format csl-json > evidence.json
    """
    import claims

    if fmt not in CITE_FORMATS:
        raise UsageError(f"Unknown format {fmt!r}.", hint="Use one of: " + ", ".join(CITE_FORMATS))
    with opened_archive(resolve_home(home)) as archive:
        sources = claims.citation_sources(archive, target)
        citations = [claims.render_citation(source, fmt) for source in sources]
    if as_json:
        # CSL-JSON is JSON: its items go in as objects, not as a string to parse again.
        listed: list[Any] = (
            [item for c in citations for item in json.loads(c)] if fmt == "csl-json" else citations
        )
        # One entry per citation, in the same order: what each citation's capture was.
        evidence = [{"capture_id": s.capture_id, "logged_in": s.logged_in} for s in sources]
        emit_json({"ok": True, "format": fmt, "citations": listed, "evidence": evidence})
        return
    if fmt == "csl-json" and len(citations) > 1:
        # One CSL-JSON document holding every item, as reference managers import it.
        emit_json([item for c in citations for item in json.loads(c)])
        return
    sys.stdout.write("\n\n".join(c.rstrip("\n") for c in citations) + "\n")


@handles_errors
def report(
    article: ArticleArg,
    fmt: Annotated[str, typer.Option("--format", "-F", help="html, md, json or pdf.")] = "html",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to write the report.")
    ] = None,
    force: ForceOpt = False,
    include_retracted: IncludeRetractedOpt = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the article's evidence report: every claim in order with its evidence, the proof
    behind each piece and how to verify it. PDF is the HTML report printed by the capture
    browser, full-page screenshots on pages of their own. Default file:
    postproof-report-ARTICLE.FORMAT in the current folder; an existing file is only replaced
    with --force.

    Links to retracted captures are left out, and counted, unless --include-retracted.
    Example: postproof report 7hq3 --format html -o report.html
    Example: postproof report 7hq3 --format pdf -o report.pdf
    """
    from claims import write_report

    if fmt not in REPORT_FORMATS:
        raise UsageError(
            f"Unknown format {fmt!r}.", hint="Use one of: " + ", ".join(REPORT_FORMATS)
        )
    with opened_archive(resolve_home(home)) as archive:
        article_id = archive.articles.resolve(article)
        path = check_output(output or Path(f"postproof-report-{article_id}.{fmt}"), force=force)
        data = write_report(archive, article_id, fmt, path, include_retracted=include_retracted)
    summary = data.summary.to_json()
    if as_json:
        emit_json({"ok": True, "path": str(path.resolve()), "summary": summary})
        return
    out.print(f"Report written to {path.resolve()}")
    out.print(report_figures(summary))

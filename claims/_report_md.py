"""The Markdown form of a claims report: the same facts as the HTML, images named by capture id
and SHA-256. Every captured string is Markdown-escaped, with control and bidi-steering characters
shown as visible escapes; only http(s) URLs become links."""

from __future__ import annotations

from archiver.display import visible
from claims._cite import markdown_escape, platform_name
from claims._report import (
    LIVE,
    ReportClaim,
    ReportData,
    ReportLink,
    http_href,
    match_label,
    source_label,
    when,
    who,
)
from claims.models import MatchResult


def markdown(data: ReportData) -> str:
    esc = _md
    summary = data.summary
    lines = [f"# Claims report: {esc(data.title or data.article_id)}", ""]
    facts = [f"Article `{data.article_id}`"]
    if data.url:
        facts.append(_markdown_url(data.url))
    if data.byline:
        facts.append(f"by {esc(data.byline)}")
    if data.published_at:
        facts.append(f"published {when(data.published_at)}")
    lines += [
        " · ".join(facts),
        "",
        f"Generated {when(data.generated_at)} by postproof {data.tool_version}.",
        "",
        "## Summary",
        "",
        f"- Claims: {summary.claims_total}",
        f"- With evidence: {summary.claims_with_evidence}",
        f"- **Without evidence: {summary.claims_without_evidence}**",
        f"- **With a quote found in none of their evidence: {summary.claims_misquoted}**",
        f"- Quotes checked: {summary.quotes_checked}",
        f"- **Quotes not found in their evidence: {summary.quotes_not_found}**",
        f"- **Evidence since deleted or edited: {summary.evidence_deleted_or_edited}**",
        *(
            [f"- Links to retracted captures, left out: {summary.retracted_links_left_out}"]
            if summary.retracted_links_left_out
            else []
        ),
        "",
        "## Claims",
    ]
    for claim in data.ordered_claims:
        lines += ["", *_markdown_claim(claim)]
    lines += ["", *_markdown_verify(data)]
    return "\n".join(lines) + "\n"


def _markdown_verify(data: ReportData) -> list[str]:
    lines = ["## How to verify this evidence", ""]
    if data.key:
        lines += [
            f"Public key (note verifier): `{data.key.verifier}`",
            f"SHA-256 of the public key: `{data.key.sha256}`",
            "",
        ]
    for number, step in enumerate(data.verify_steps, 1):
        lines.append(f"{number}. **{_md(step.title)}.** {_md(step.text)}")
        if step.commands:
            lines += ["", "   ```sh", *(f"   {command}" for command in step.commands), "   ```"]
        lines.append("")
    return lines[:-1]


def _markdown_claim(claim: ReportClaim) -> list[str]:
    esc = _md
    lines = [f"### Claim {claim.number}", "", f"> {esc(claim.text)}", ""]
    about = [f"paragraph {claim.paragraph + 1}", str(claim.kind).replace("_", " ")]
    if claim.section:
        about.append(f"section “{esc(claim.section)}”")
    if claim.speaker:
        about.append(f"speaker: {esc(claim.speaker)}")
    lines.append("*" + ", ".join(about) + "*")
    if not claim.links:
        return [*lines, "", "**⚠ No evidence linked to this claim.**"]
    for gap in claim.missing_quotes:
        lines += ["", f"**⚠ Quote not found in its evidence: “{_md(gap.quote)}”**"]
        if gap.closest:
            lines[-1] += (
                f" — closest passage (capture `{gap.capture_id}`, score {gap.score:g}): "
                f"“{_md(gap.closest)}”"
            )
    for link in claim.links:
        lines += ["", *_markdown_link(link)]
    return lines


def _markdown_link(link: ReportLink) -> list[str]:
    esc = _md
    marks = []
    if link.author_signature and link.author_signature.verified:
        marks.append("signed by its author")
    if link.logged_in:
        marks.append("captured while logged in")
    lines = [
        f"#### {esc(who(link))} on {esc(platform_name(link.platform))} "
        f"— capture `{link.capture_id}`" + "".join(f" — *{mark}*" for mark in marks),
        "",
        f"- Post: {_markdown_url(link.url)}, posted {when(link.posted_at)}",
        f"- Captured: {when(link.captured_at)}"
        + (f", asked for by {esc(link.made_by)}" if link.made_by else "")
        + f"; screenshot: capture `{link.capture_id}`, "
        f"SHA-256 `{link.screenshot_sha256 or 'none'}`",
        f"- Post screenshot SHA-256 `{link.post_screenshot_sha256 or 'none'}`",
        f"- {esc(str(link.relation).capitalize())}: {esc(link.why)} (origin: {esc(link.origin)})",
    ]
    if link.note:
        lines.append(f"- Note: {esc(link.note)}")
    status = esc(link.status_text)
    lines.append(f"- Status: **{status}**" if link.status not in LIVE else f"- Status: {status}")
    lines += _markdown_changes(link)
    lines += _markdown_proof(link)
    if link.quote and link.match:
        match = link.match
        lines.append(
            f"- Quote “{esc(link.quote)}”: **{match_label(match)}** "
            f"(score {match.score:g}) in {esc(source_label(match.source))}"
        )
        if match.excerpt:
            label = "Closest passage" if match.result is MatchResult.NOT_FOUND else "Passage"
            lines.append(f"  - {label}: “**{esc(match.excerpt)}**”")
    elif link.quote:
        lines.append(f"- Quote “{esc(link.quote)}”: not checked")
    if link.post_text:
        lines += ["", *(f"> {esc(line)}" if line.strip() else ">" for line in _lines(link))]
    return lines


def _markdown_changes(link: ReportLink) -> list[str]:
    lines = []
    for edit in link.edits:
        marked = " ".join(
            {"delete": f"[-{_md(w)}-]", "insert": f"{{+{_md(w)}+}}"}.get(op, _md(w))
            for op, w in edit.diff
        )
        lines.append(f"- Edit seen {when(edit.detected_at)} ([-removed-] {{+added+}}): {marked}")
    newest = link.newest
    if newest is not None and newest.match is not None:
        again = newest.match
        where = f"capture `{newest.capture_id}` of {when(newest.captured_at)}"
        verdict = "no longer in the post" if not newest.quote_survives else "still in the post"
        line = f"- Quote in the newest version: **{verdict}**: {match_label(again)} "
        line += f"(score {again.score:g}) in {where}"
        if again.excerpt:
            line += f": “{_md(again.excerpt)}”"
        lines.append(line)
    return lines


def _markdown_proof(link: ReportLink) -> list[str]:
    if link.author_signature is not None:
        signature = link.author_signature
        if signature.verified:
            lines = [
                f"- Signed by its author: record `{signature.record_cid}` in the repository of "
                f"`{signature.did}`, commit signed by `{signature.signing_key}`"
            ]
        else:
            lines = [f"- Author's signature not verified: {_md(signature.reason or 'no reason')}"]
    else:
        lines = []
    proof = link.proof
    if proof is None:
        return [*lines, "- Log entry: none recorded"]
    lines.append(f"- Log entry: index `{proof.index}`, manifest signed by `{proof.key}`")
    if proof.checkpoint_size is None:
        lines.append("- Checkpoint: **not yet in a signed checkpoint**")
    else:
        signed_at = proof.checkpoint_signed_at
        signed = f", signed {when(signed_at)}" if signed_at else ""
        lines.append(
            f"- Checkpoint: tree size `{proof.checkpoint_size}`, root hash "
            f"`{proof.checkpoint_root}`{signed}"
        )
    stamp = proof.timestamp
    if stamp is None:
        lines.append("- Timestamp: **no timestamp yet**")
    else:
        token = f"; token `{stamp.bundle_token}` in the bundle" if stamp.bundle_token else ""
        lines.append(
            f"- Timestamp: {when(stamp.time)} (RFC 3161) by {_markdown_url(stamp.tsa_url)}, over "
            f"the checkpoint at size `{stamp.checkpoint_size}`{token}"
        )
    return lines


def _md(text: str) -> str:
    """Markdown-escaped, with control and bidi-steering characters as visible escapes."""
    return markdown_escape(visible(text))


def _markdown_url(url: str) -> str:
    """An autolink for http(s) URLs; anything else (``javascript:``) stays inert text."""
    href = http_href(url)
    return f"<{visible(href)}>" if href else _md(url)


def _lines(link: ReportLink) -> list[str]:
    return (link.post_text or "").splitlines()

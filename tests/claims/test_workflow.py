"""The claims workflow end to end on the demo story: article in, linked and checked evidence,
citations and a report out. Real browser, real SQLite, real Tesseract."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)

import claims
import storage
from archiver import ArtifactKind, CaptureOptions, UsageError, capture_many, parse_host_map
from claims._cite import CITATION_FORMATS
from claims._report import render_report
from demo import FakeWeb, build_demo_web, demo_story
from demo.story import MISQUOTE
from proof import verify_bundle, verify_inclusion
from tests.proof.localtsa import LocalTsa
from watch import word_diff

pytestmark = pytest.mark.browser

ROYER, VANTAL, ANSWER, TOOT, SKEET = (p.post_id for p in demo_story().posts)


@dataclass(frozen=True)
class DemoRun:
    archive: storage.Archive
    added: claims.AddedArticle
    options: CaptureOptions

    def capture_of(self, post_id: str) -> str:
        return next(
            c.id
            for c in self.added.captures
            if c.platform_post_id and post_id in c.platform_post_id
        )

    def claim(self, fragment: str) -> storage.ClaimRecord:
        found = [c for c in self.added.claims if fragment in c.text]
        assert len(found) == 1, (fragment, [c.text for c in found])
        return found[0]

    def links(self, claim: storage.ClaimRecord) -> list[storage.LinkRecord]:
        return self.archive.articles.links_of_claim(claim)


@pytest.fixture(scope="module")
def demo_web() -> Iterator[FakeWeb]:
    with build_demo_web() as web:
        yield web


@pytest.fixture(scope="module")
def run(demo_web: FakeWeb, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoRun]:
    options = CaptureOptions(
        timeout=30, allow_private=True, insecure=True, host_map=parse_host_map(demo_web.host_map())
    )
    with storage.open_archive(tmp_path_factory.mktemp("claims-home")) as archive:
        added = claims.add_article(archive, demo_story().article_url, options=options)
        yield DemoRun(archive, added, options)


def test_article_is_read_with_its_metadata(run: DemoRun) -> None:
    article = run.added.article
    assert article.title and "Victor Kessler" in article.title
    assert article.lang == "fr"
    assert article.published_at is not None and article.published_at.isoformat().startswith(
        "2025-02-25"
    )
    assert article.capture_id is not None
    kinds = {c.kind for c in run.added.claims}
    assert kinds == {"sentence", "list_item"}
    points = [c for c in run.added.claims if c.kind == "list_item"]
    assert len(points) == 4 and all("Points clés" in (c.section or "") for c in points)


def test_every_cited_post_is_captured_once(run: DemoRun) -> None:
    posts = [c for c in run.added.captures if c.platform != "generic"]
    assert sorted(c.platform_post_id or "" for c in posts) == sorted(
        [ROYER, VANTAL, ANSWER, f"piaille.fr/{TOOT}"]
    )
    assert all(c.status == "ok" for c in run.added.captures)


@pytest.mark.parametrize(
    ("fragment", "post_id", "origin"),
    [
        ("a publié sur X", ROYER, "link"),
        ("a écrit l'ingénieur dans ce courriel", ROYER, "embed"),
        ("J'ai répondu ce matin", ROYER, "embed"),
        ("a affirmé le dirigeant sur X", VANTAL, "link"),
        ("a déclaré Camille Royer mardi matin", ANSWER, "link"),
        ("Sur Mastodon", TOOT, "link"),
    ],
)
def test_claims_are_linked_to_the_right_capture(
    run: DemoRun, fragment: str, post_id: str, origin: str
) -> None:
    links = run.links(run.claim(fragment))
    assert [(link.capture_id, link.origin) for link in links] == [(run.capture_of(post_id), origin)]
    assert links[0].why


def test_claims_without_evidence_stay_unlinked(run: DemoRun) -> None:
    unlinked = run.claim("n'avait pas répondu à nos questions")
    assert run.links(unlinked) == []


def test_quote_inside_the_email_screenshot_is_found_by_ocr(run: DemoRun) -> None:
    [link] = run.links(run.claim("a écrit l'ingénieur dans ce courriel"))
    [check] = [c for c in link.checks if "Victor Kessler" in c.quote]
    assert check.result in ("exact", "fuzzy") and check.score >= 90
    assert check.source is not None and check.source.startswith("image:")
    assert check.excerpt and "Kessler" in check.excerpt


def test_quote_in_the_post_text_is_exact(run: DemoRun) -> None:
    [link] = run.links(run.claim("a affirmé le dirigeant sur X"))
    [check] = link.checks
    assert (check.result, check.source) == ("exact", "post_text")


def test_misquote_is_flagged(run: DemoRun) -> None:
    [link] = run.links(run.claim("a déclaré Camille Royer mardi matin"))
    results = {c.quote: c.result for c in link.checks}
    assert results[MISQUOTE] == "not_found"


@pytest.mark.parametrize("fmt", CITATION_FORMATS)
def test_a_misquote_is_never_cited_as_a_quotation(run: DemoRun, fmt: str) -> None:
    claim = run.claim("a déclaré Camille Royer mardi matin")
    assert MISQUOTE in claim.quotes and len(claim.quotes) == 2
    [citation] = claims.cite(run.archive, claim.ref, fmt)
    flat = " ".join(html.unescape(citation).replace("\\", "").split())
    if fmt == "csl-json":
        [item] = json.loads(citation)
        checks = {q["text"]: q for q in item["custom"]["quotes"]}
        assert checks[MISQUOTE]["check"] == "not_found" and checks[MISQUOTE]["closest"]
        assert item["custom"].get("quote") != MISQUOTE
        assert "NOT found in the post" in item["note"]
    assert "NOT found in the post" in flat
    assert "Quoted: “Je ne regrette" not in flat and "<q>Je ne regrette" not in flat
    # The claim's second quote is carried too, as found.
    assert "le sujet n" in flat and "Quoted:" in flat


def test_suggestions_rank_the_speakers_post_first(run: DemoRun, tmp_path: Path) -> None:
    draft = tmp_path / "brouillon.txt"
    draft.write_text(
        "Réactions\n\n"
        "Igor Vantal a affirmé qu'un membre de l'équipe recrutement avait contacté des profils "
        "sans validation.\n\n"
        "Hélène Marchand a écrit qu'un ingénieur peut encore dire non.\n\n"
        "La météo sera clémente demain sur toute la région.\n",
        encoding="utf-8",
    )
    added = claims.add_article(run.archive, str(draft), options=run.options)
    assert added.references == [] and added.links == []
    found = claims.suggest_links(run.archive, added.article.id)
    best: dict[str, str] = {}
    for claim, suggestion in found:
        best.setdefault(claim.text, suggestion.capture_id)
    assert best[next(c.text for c in added.claims if "Igor Vantal" in c.text)] == run.capture_of(
        VANTAL
    )
    assert best[
        next(c.text for c in added.claims if "Hélène Marchand" in c.text)
    ] == run.capture_of(TOOT)
    assert not any("météo" in claim.text for claim, _ in found)

    # Rejected, the post is not suggested for that claim again (in any of its captures).
    igor = next(c for c in added.claims if "Igor Vantal" in c.text)
    vantal = run.archive.get_capture(run.capture_of(VANTAL))
    run.archive.articles.reject(igor, vantal.id, "ed")
    assert run.archive.articles.rejected_posts(added.article.id) == {(igor.id, vantal.post_id)}
    again = claims.suggest_links(run.archive, added.article.id)
    assert (igor.id, vantal.id) not in {(claim.id, s.capture_id) for claim, s in again}
    others = [(claim.id, s.capture_id) for claim, s in found if claim.id != igor.id]
    assert others and others == [(claim.id, s.capture_id) for claim, s in again]


def test_the_article_is_never_suggested_or_linked_as_its_own_evidence(run: DemoRun) -> None:
    article = run.added.article
    assert article.capture_id is not None
    # The article's page holds every claim word for word: it would top every suggestion.
    found = claims.suggest_links(run.archive, article.id)
    own = run.archive.get_capture(article.capture_id)
    assert all(s.capture_id != own.id for _, s in found)
    assert all(
        run.archive.get_capture(s.capture_id).canonical_url != own.canonical_url for _, s in found
    )
    unlinked = run.claim("n'avait pas répondu à nos questions")
    with pytest.raises(UsageError) as caught:
        claims.link_claim(run.archive, unlinked.ref, own.id, options=run.options)
    assert "its own claims" in str(caught.value.message)
    assert run.links(unlinked) == []


def test_citation_of_a_claim_validates_and_names_the_capture(run: DemoRun) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text("utf-8"))
    claim = run.claim("a affirmé le dirigeant sur X")
    [csl] = claims.cite(run.archive, claim.ref, "csl-json")
    items = json.loads(csl)
    jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker()).validate(items)
    assert items[0]["archive_location"] == run.capture_of(VANTAL)
    [markdown] = claims.cite(run.archive, claim.ref, "markdown")
    assert "Igor Vantal" in markdown and run.capture_of(VANTAL) in markdown and "live" in markdown


def test_json_report_lists_claims_in_order_with_their_evidence(
    run: DemoRun, tmp_path: Path
) -> None:
    path = tmp_path / "report.json"
    claims.write_report(run.archive, run.added.article.id, "json", path)
    report = json.loads(path.read_text("utf-8"))
    numbers = [c["number"] for c in report["claims"]]
    assert numbers == sorted(numbers) == [c.number for c in run.added.claims]
    summary = report["summary"]
    assert summary["quotes_not_found"] >= 1
    linked = [c for c in report["claims"] if c["links"]]
    assert {link["capture_id"] for c in linked for link in c["links"]} >= {
        run.capture_of(p) for p in (ROYER, VANTAL, ANSWER, TOOT)
    }
    for claim in linked:
        for link in claim["links"]:
            assert {
                "capture_id",
                "url",
                "platform",
                "post_id",
                "relation",
                "why",
                "match",
            } <= link.keys()


def test_an_article_stopped_half_way_is_finished_by_the_next_add(
    demo_web: FakeWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    options = CaptureOptions(
        timeout=30, allow_private=True, insecure=True, host_map=parse_host_map(demo_web.host_map())
    )
    post_url = demo_story().post_urls[0]
    draft = tmp_path / "draft.md"
    draft.write_text(
        f"Camille Royer a refusé l'offre, [selon son message]({post_url}).\n", encoding="utf-8"
    )
    with storage.open_archive(tmp_path / "home") as archive:

        def killed(*args: object, **kwargs: object) -> list[storage.CaptureRecord]:
            raise KeyboardInterrupt  # the process stops while capturing the references

        with monkeypatch.context() as patched:
            patched.setattr(claims._workflow, "_capture_references", killed)
            with pytest.raises(KeyboardInterrupt):
                claims.add_article(archive, str(draft), options=options)
        [half] = archive.articles.all()
        assert half.finished_at is None and archive.articles.links(half.id) == []

        finished = claims.add_article(archive, str(draft), options=options)
        assert finished.article.id == half.id and finished.article.finished_at is not None
        assert [a.id for a in archive.articles.all()] == [half.id]  # no second copy
        assert finished.links and finished.captures

        with pytest.raises(UsageError, match="already added, as " + half.id):
            claims.add_article(archive, str(draft), options=options)
        copy = claims.add_article(archive, str(draft), options=options, again=True)
        assert copy.article.id != half.id and len(archive.articles.all()) == 2


# -- the report on a real archive: its proofs are the ledger's ---------------------------------


needs_openssl = pytest.mark.skipif(
    shutil.which("openssl") is None or shutil.which("unzip") is None,
    reason="needs openssl and unzip",
)


@needs_openssl
def test_report_proofs_are_the_ledgers_and_its_commands_verify_the_export(
    run: DemoRun, tmp_path: Path
) -> None:
    with LocalTsa.create(tmp_path / "tsa") as tsa:
        root, tsa_url = tsa.pki.root.read_bytes(), tsa.url
        sealed = run.archive.seal([tsa_url], roots=[root])
    assert sealed.timestamp is not None
    article_id = run.added.article.id
    data = claims.build_report(run.archive, article_id)
    links = [link for claim in data.claims for link in claim.links]
    cited = list(dict.fromkeys(link.capture_id for link in links))
    assert len(cited) >= 4

    key = run.archive.signing_key()
    der = load_pem_public_key(key.public_key_pem().encode()).public_bytes(
        Encoding.DER, PublicFormat.SubjectPublicKeyInfo
    )
    assert data.key is not None
    assert (data.key.verifier, data.key.sha256) == (key.verifier, hashlib.sha256(der).hexdigest())

    ledger = run.archive.ledger.proofs(cited)
    entries = {entry.capture_id: entry for entry in ledger.entries}
    stamps = {stamp.checkpoint_size: stamp for stamp in ledger.timestamps}
    checkpoints = {cp.size: cp for cp in ledger.checkpoints}
    for link in links:
        entry, proof = entries[link.capture_id], link.proof
        assert proof is not None and proof.timestamp is not None
        assert (proof.index, proof.key) == (entry.index, entry.key)
        # The checkpoint named is the earliest stamped one the ledger proves the entry in.
        size = min(s for s in entry.inclusion if s in stamps)
        checkpoint = checkpoints[size]
        assert (proof.checkpoint_size, proof.checkpoint_root) == (size, checkpoint.root_hash.hex())
        assert proof.checkpoint_signed_at == checkpoint.created_at
        assert verify_inclusion(
            entry.leaf_hash, entry.index, size, entry.inclusion[size], checkpoint.root_hash
        )
        stamp = stamps[size]
        assert (proof.timestamp.time, proof.timestamp.tsa_url) == (stamp.gen_time, tsa_url)
        capture = run.archive.get_capture(link.capture_id)
        assert link.captured_at == capture.started_at
        for kind, sha, image in (
            (ArtifactKind.SCREENSHOT, link.screenshot_sha256, link.screenshot_png),
            (ArtifactKind.POST_SCREENSHOT, link.post_screenshot_sha256, link.post_screenshot_png),
        ):
            artifact = capture.artifact(kind)
            assert artifact is not None and sha == artifact.sha256, kind
            assert image is not None and hashlib.sha256(image).hexdigest() == sha, kind
        assert link.logged_in is False and link.author_signature is None  # X and Mastodon
        assert link.edits == () and link.newest is None

    page = render_report(data, "html")
    for link in links:
        assert link.proof is not None
        assert f"index <code>{link.proof.index}</code>" in page
        assert f"root hash <code>{link.proof.checkpoint_root}</code>" in page
    embedded = re.findall(r"data:image/png;base64,[A-Za-z0-9+/=]+", page)
    assert len(embedded) == len(set(embedded))  # once each, however often cited
    assert {base64.b64decode(uri.split(",", 1)[1]) for uri in embedded} >= {
        link.post_screenshot_png for link in links
    }
    assert "The stored post screenshot, byte for byte." in page

    # The commands of "How to verify this evidence", run on the bundle they name.
    bundle = tmp_path / data.bundle
    run.archive.export(
        claims.article_capture_ids(run.archive, article_id), bundle, title="t", software="postproof"
    )
    checked = verify_bundle(bundle, roots=[root], trusted_key=key.verifier)
    assert checked.ok, checked.problems
    (tmp_path / "TSA-ROOT.pem").write_bytes(root)
    commands = [c for step in data.verify_steps for c in step.commands]
    assert f"postproof export --article {article_id} -o {data.bundle}" in commands
    openssl = [c for c in commands if c.startswith(("unzip", "openssl"))]
    assert sum(c.startswith("openssl ts -verify") for c in openssl) >= 1
    for command in openssl:
        done = subprocess.run(
            command, shell=True, cwd=tmp_path, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, (command, done.stderr)
        if "openssl ts -verify" in command:
            assert "Verification: OK" in done.stdout
        if "openssl dgst" in command:
            assert data.key.sha256 in done.stdout


def test_report_of_an_edited_post_shows_the_diff_and_looks_for_the_quote_again(
    run: DemoRun,
) -> None:
    """A re-check found the answer edited: the report shows the recorded word diff and looks for
    each quote again in the newest capture."""
    answer = run.archive.get_capture(run.capture_of(ANSWER))
    [(newer_id, _)] = asyncio.run(capture_many([answer.canonical_url], run.options, run.archive))
    newer = run.archive.get_capture(newer_id)
    assert newer.text
    edited = newer.text.replace("regretter", "assumer", 1)
    diff = word_diff(answer.text or "", edited)
    run.archive.watchlist.record_events(
        [
            storage.NewEvent(
                post_id=answer.post_id,
                kind="edited",
                detected_at=newer.started_at + timedelta(seconds=1),
                after_capture_id=newer.id,
                before_capture_id=answer.id,
                summary="text edited: 1 word changed",
                details={"diff": [[op, words] for op, words in diff]},
            )
        ]
    )
    data = claims.build_report(run.archive, run.added.article.id)
    [link, *_] = [
        link
        for claim in data.claims
        for link in claim.links
        if link.capture_id == answer.id and link.quote == MISQUOTE
    ]
    assert link.status == "edited"
    assert [edit.after_capture_id for edit in link.edits] == [newer.id]
    assert link.edits[0].diff == tuple(diff)
    assert link.newest is not None and link.newest.capture_id == newer.id
    # Looked for again in the newest capture, whose text (the page was not really edited) still
    # does not hold the misquote.
    assert link.match is not None and link.newest.match is not None
    assert link.newest.match.result == link.match.result == "not_found"
    page = render_report(data, "html")
    assert "<del>" in page and "<ins>" in page and "Quote in the newest version" in page
    report = json.loads(render_report(data, "json"))
    flat = [
        candidate
        for claim in report["claims"]
        for candidate in claim["links"]
        if candidate["capture_id"] == answer.id
    ]
    assert all(candidate["edits"][0]["diff"] for candidate in flat)
    assert all(candidate["newest_version"]["capture_id"] == newer.id for candidate in flat)

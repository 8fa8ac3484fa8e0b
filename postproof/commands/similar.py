"""similar: where else an image appeared in the archive, and when first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from archiver.errors import UsageError
from postproof.commands._options import HomeOpt, JsonOpt, require_positive
from postproof.output import emit_json, esc, handles_errors, out
from postproof.runs import opened_archive
from postproof.settings import resolve_home

if TYPE_CHECKING:
    from postproof.images import SimilarImages


@handles_errors
def similar(
    target: Annotated[
        str, typer.Argument(help="An image file, or a capture id (its post's images are used).")
    ],
    max_distance: Annotated[
        int,
        typer.Option("--max-distance", help="Largest pHash difference, in bits (0-64)."),
    ] = 10,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            "--kind",
            help="Only these artifact kinds: screenshot, post_screenshot, media (repeatable).",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="At most this many matches.")] = 50,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Find near-duplicate images across the whole archive by perceptual distance: where else
    did this picture or screenshot appear, and when first? Nearest first, then earliest.

    Example: postproof similar leaked-memo.jpg
    Example: postproof similar 7k2m9x4q --kind media --json
    """
    from postproof.images import bytes_query, capture_queries, find_similar_images
    from postproof.views import similar_json

    require_positive("--limit", limit)
    path = Path(target).expanduser()
    if not path.is_file() and (path.suffix or "/" in target or os.sep in target or path.exists()):
        # It names a file, not a capture: say what is wrong with the file.
        raise UsageError(
            f"{path} is not a file." if path.exists() else f"The file {path} does not exist.",
            hint="Give the path of an image file, or a capture id.",
        )
    with opened_archive(resolve_home(home)) as archive:
        if path.is_file():
            queries, exclude_capture = [bytes_query(path.read_bytes(), str(path))], None
        else:
            queries, exclude_capture = capture_queries(archive, target)
        results = find_similar_images(
            archive,
            queries,
            exclude_capture=exclude_capture,
            max_distance=max_distance,
            kinds=kind or None,
            limit=limit,
        )
    if as_json:
        emit_json({"ok": True, **similar_json(results)})
        return
    render_similar(results)


def render_similar(results: list[SimilarImages]) -> None:
    for result in results:
        found = result.matches
        out.print(f"[bold]{esc(result.query.label)}[/]")
        if not found:
            out.print("  no similar image in the archive")
            continue
        earliest = min(found, key=lambda m: m.captured_at)
        table = Table(box=None, pad_edge=False)
        for column in ("distance", "captured (UTC)", "capture", "kind", "platform", "URL"):
            table.add_column(column)
        for m in found:
            first = " [green](first seen)[/]" if m is earliest else ""
            table.add_row(
                str(m.phash_distance),
                f"{m.captured_at:%Y-%m-%d %H:%M}{first}",
                m.capture_id,
                str(m.kind),
                m.platform,
                esc(m.source_url or m.canonical_url),
            )
        out.print(table)

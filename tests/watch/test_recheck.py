"""Re-checks against a fake web whose posts change between runs: each change is found with
the right event, volatile parts are not, and a transient failure is never called a deletion."""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

import storage
import watch
from archiver import CaptureOptions, capture_many, parse_host_map
from demo import FakeWeb, MediaItem, Platform, Post, PostState, Request, Response, json_response
from demo.images import placeholder_photo

pytestmark = pytest.mark.browser

WHEN = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def _post(post_id: str, handle: str, text: str, **extra: object) -> Post:
    return Post(Platform.X, post_id, handle.title(), handle, WHEN, text, lang="en", **extra)  # type: ignore[arg-type]


PHOTO = placeholder_photo("original", "a photo", size=(800, 450))


def _reencoded(png: bytes) -> bytes:
    with Image.open(io.BytesIO(png)) as image:
        jpeg = io.BytesIO()
        image.convert("RGB").save(jpeg, format="JPEG", quality=85)
    with Image.open(io.BytesIO(jpeg.getvalue())) as again:
        out = io.BytesIO()
        again.save(out, format="PNG")
    return out.getvalue()


POSTS = {
    "edit": _post("1990000000000000001", "editor", "The budget passes on Monday."),
    "delete": _post("1990000000000000002", "deleter", "This will not last."),
    "image": _post(
        "1990000000000000003", "imager", "Look at this.", media=(MediaItem("/media/w1.png", "a"),)
    ),
    "reencode": _post(
        "1990000000000000004", "encoder", "Same picture.", media=(MediaItem("/media/w2.png", "b"),)
    ),
    "wall": _post("1990000000000000005", "waller", "Soon behind a login."),
    "likes": _post("1990000000000000006", "counter", "Only my counts change.", likes=3, replies=1),
    "flaky": _post("1990000000000000007", "flaky", "My server will hiccup, then I go."),
}


@dataclass
class Scene:
    web: FakeWeb
    archive: storage.Archive
    options: CaptureOptions
    hang_once: threading.Event

    def url(self, name: str) -> str:
        post = POSTS[name]
        return f"https://x.com/{post.handle}/status/{post.post_id}"

    def change(self, name: str, **fields: object) -> None:
        post = self.web.posts[POSTS[name].post_id]
        self.web.posts[post.post_id] = replace(post, **fields)  # type: ignore[arg-type]

    def recheck(self, names: list[str]) -> list[storage.EventRecord]:
        posts = watch.select_posts(
            self.archive, refs=[self.url(n) for n in names], all_posts=False, now=WHEN
        )
        report = watch.recheck(
            self.archive,
            posts,
            capture_options=self.options,
            options=watch.RecheckOptions(confirmations=2),
        )
        return report.events

    def kinds(self, events: list[storage.EventRecord]) -> dict[str, list[str]]:
        by_post: dict[str, list[str]] = {}
        for event in events:
            url = self.archive.watchlist.post(event.post_id).canonical_url
            name = next(n for n in POSTS if self.url(n) == url)
            by_post.setdefault(name, []).append(event.kind)
        return by_post


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scene]:
    web = FakeWeb()
    for post in POSTS.values():
        web.add_post(post)
    web.add_image("/media/w1.png", PHOTO)
    web.add_image("/media/w2.png", PHOTO)
    web.add_image("/media/w1-new.png", placeholder_photo("replaced", "other", size=(800, 450)))
    web.add_image("/media/w2-again.png", _reencoded(PHOTO))
    hang_once = threading.Event()
    flaky = POSTS["flaky"]

    def detail(request: Request) -> Response:
        # The post's data endpoint: hangs once when armed, then answers "no such post".
        if hang_once.is_set():
            hang_once.clear()
            request.sleep(20)
        return json_response(
            {"errors": [{"code": 144, "message": "No status found with that ID."}]}, 404
        )

    web.start()
    options = CaptureOptions(
        timeout=8,
        concurrency=2,
        allow_private=True,
        insecure=True,
        host_map=parse_host_map(web.host_map()),
    )
    try:
        with storage.open_archive(tmp_path_factory.mktemp("watch-home")) as archive:
            first = asyncio.run(
                capture_many(
                    [f"https://x.com/{p.handle}/status/{p.post_id}" for p in POSTS.values()],
                    options,
                    archive,
                )
            )
            assert {r.status.value for _, r in first} == {"ok"}
            web.add_route("x.com", rf"/i/api/fixture/TweetDetail/{flaky.post_id}", detail)
            yield Scene(web, archive, options, hang_once)
    finally:
        web.stop()


def test_changes_between_rechecks_are_found_with_the_right_event(scene: Scene) -> None:
    scene.change("edit", text="The budget passes on Tuesday.")
    scene.change("delete", state=PostState.DELETED)
    scene.change("image", media=(MediaItem("/media/w1-new.png", "a"),))
    scene.change("reencode", media=(MediaItem("/media/w2-again.png", "b"),))
    scene.change("wall", state=PostState.LOGIN_WALL)
    scene.change("likes", likes=9000, replies=120)
    scene.hang_once.set()  # "flaky" is now deleted, and its server hangs on the next check
    names = list(POSTS)

    first = scene.kinds(scene.recheck(names))
    assert first == {"edit": ["edited"], "image": ["media_changed"]}

    second = scene.kinds(scene.recheck(names))
    assert second == {"delete": ["deleted"], "wall": ["login_wall"]}

    third = scene.kinds(scene.recheck(names))
    assert third == {"flaky": ["deleted"]}

    assert scene.recheck(names) == []  # nothing repeats

    history = scene.archive.history(scene.url("flaky"))
    assert [c.status for c in history] == [
        "ok",
        "unavailable",
        "not_found",
        "not_found",
        "not_found",
    ]
    [event] = [e for e in scene.archive.watchlist.events(history[0].post_id) if e.kind == "deleted"]
    assert event.confirmations == 2
    assert event.since == history[2].started_at  # the first check that saw it gone
    assert event.before_capture_id == history[0].id and event.after_capture_id == history[3].id

    edited = next(e for e in scene.archive.watchlist.events() if e.kind == "edited")
    assert ["delete", "Monday."] in edited.details["diff"]
    assert ["insert", "Tuesday."] in edited.details["diff"]

    scene.change("delete", state=PostState.LIVE)
    assert scene.kinds(scene.recheck(["delete"])) == {"delete": ["restored"]}


def test_schedule_backs_off_and_tightens(scene: Scene) -> None:
    post_id = scene.archive.find_post_id(scene.url("likes"))
    capture_id = scene.archive.history(post_id)[-1].id
    steps = []
    for changed in (True, False, False, False, False, False, True):
        post = scene.archive.watchlist.post(post_id)
        watch.schedule(
            scene.archive, post, capture_id, changed=changed, options=watch.RecheckOptions()
        )
        steps.append(scene.archive.watchlist.post(post_id).check_interval_s)
    hour, day = 3600, 86400
    assert steps == [hour, 6 * hour, day, 3 * day, 7 * day, 7 * day, hour]
    assert watch.parse_intervals("30m,2h,1d") == (
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(days=1),
    )


def test_assessing_a_capture_again_adds_nothing(scene: Scene) -> None:
    """What a run killed after storing a capture leaves behind is assessed again by the next
    run: the same events come out, and the archive keeps one of each."""
    post_id = scene.archive.find_post_id(scene.url("flaky"))
    before = scene.archive.watchlist.events(post_id)
    for capture in scene.archive.history(post_id):
        again = watch.assess(scene.archive, post_id, capture.id, watch.RecheckOptions())
        assert scene.archive.watchlist.record_events(again) == []
    assert scene.archive.watchlist.events(post_id) == before

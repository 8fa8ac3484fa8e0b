"""Alerts to a Slack-compatible incoming webhook.

Delivery never raises for network or server trouble: the caller has stored the events already
and offers them again on the next run. A webhook URL is a secret, so no message here quotes it.
"""

from __future__ import annotations

import email.utils
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from archiver.errors import UsageError

MAX_EVENT_BLOCKS = 40  # Slack allows 50 blocks a message; stay well below
MAX_SECTION_CHARS = 2900  # Slack's limit for a section's text is 3000
RETRY_AFTER_CAP = 30.0  # seconds; a server that asks for longer is tried again next run
USER_AGENT = "postproof-webhook"


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    attempts: int
    status_code: int | None  # of the last response; None when none came
    error: str | None  # why the last attempt failed; None when ok


def slack_escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn gives a meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The incoming-webhook message for ``events``: a summary and one section per event.

    Each event has ``kind``, ``url``, ``post_id``, ``platform``, ``detected_at`` (ISO 8601),
    ``before`` (capture id or None), ``after`` (capture id) and ``summary``.
    """
    if not events:
        return {"text": "postproof: no changes", "blocks": [_section("No changes.")]}
    shown = events if len(events) <= MAX_EVENT_BLOCKS else events[: MAX_EVENT_BLOCKS - 1]
    blocks = [_section(_event_text(event)) for event in shown]
    if len(shown) < len(events):
        more = len(events) - len(shown)
        blocks.append(_section(f"…and {more} more changes, not shown here."))
    return {"text": _summary(events), "blocks": blocks}


def deliver(
    url: str,
    events: Sequence[Mapping[str, Any]],
    *,
    timeout: float = 10,
    attempts: int = 3,
    backoff: float = 0.5,
    client: httpx.Client | None = None,
    retry_after_cap: float = RETRY_AFTER_CAP,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryResult:
    """POST the Slack message of ``events`` to ``url``, retrying what may pass on a retry.

    Connection errors, timeouts, 5xx and 429 are retried up to ``attempts`` times in all, after
    ``backoff``, then twice that, and so on; a 429's Retry-After is honoured when it is at most
    ``retry_after_cap`` seconds, and ends the delivery otherwise. Other 4xx are not retried.
    Raises :class:`UsageError` only when ``url`` is not an http(s) URL.
    """
    target = _check_url(url)
    if client is None:
        with httpx.Client(headers={"User-Agent": USER_AGENT}) as own:
            return deliver(
                url,
                events,
                timeout=timeout,
                attempts=attempts,
                backoff=backoff,
                client=own,
                retry_after_cap=retry_after_cap,
                sleep=sleep,
            )
    payload = slack_payload(events)
    attempts = max(attempts, 1)
    status: int | None = None
    error = ""
    for attempt in range(1, attempts + 1):
        wait = backoff * 2 ** (attempt - 1)
        try:
            response = client.post(target, json=payload, timeout=timeout)
        except httpx.TimeoutException:
            status, error = None, f"timed out after {timeout:g} s"
        except httpx.TransportError as exc:
            status, error = None, f"could not connect: {type(exc).__name__}: {exc}"
        except httpx.HTTPError as exc:  # e.g. a malformed response; a retry would not help
            return DeliveryResult(False, attempt, None, f"{type(exc).__name__}: {exc}")
        else:
            status = response.status_code
            if response.is_success:
                return DeliveryResult(True, attempt, status, None)
            error = f"HTTP {status}: {response.text.strip()[:200]}"
            if status == 429:
                asked = _retry_after(response.headers.get("Retry-After"))
                if asked is not None and asked > retry_after_cap:
                    error += f" (asked to wait {asked:g} s)"
                    return DeliveryResult(False, attempt, status, error)
                wait = asked if asked is not None else wait
            elif status < 500:
                return DeliveryResult(False, attempt, status, error)
        if attempt < attempts:
            sleep(wait)
    return DeliveryResult(False, attempts, status, error)


def _check_url(url: str) -> httpx.URL:
    hint = "A Slack incoming webhook looks like https://hooks.slack.com/services/T…/B…/…"
    try:
        parsed = httpx.URL(url.strip())
    except httpx.InvalidURL as exc:
        raise UsageError("The webhook URL is malformed.", hint=hint) from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError("The webhook URL must start with https:// (or http://).", hint=hint)
    return parsed


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: a number or an HTTP date."""
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _summary(events: Sequence[Mapping[str, Any]]) -> str:
    counts = Counter(_label(event.get("kind")).lower() for event in events)
    parts = ", ".join(f"{n} {kind}" for kind, n in counts.most_common())
    noun = "change" if len(events) == 1 else "changes"
    return slack_escape(f"postproof: {len(events)} {noun} detected ({parts})")


def _event_text(event: Mapping[str, Any]) -> str:
    platform = str(event.get("platform") or "post")
    post_id = str(event.get("post_id") or "")
    title = f"*{slack_escape(_label(event.get('kind')))}*: {slack_escape(platform)} post"
    if post_id:
        title += f" {slack_escape(post_id)}"
    lines = [title, _link(_clip(str(event.get("url") or ""), 1000))]
    when = _when(event.get("detected_at"))
    before, after = event.get("before"), event.get("after")
    captures = f"before `{slack_escape(str(before))}` → " if before else ""
    captures += f"after `{slack_escape(str(after))}`" if after else ""
    lines.append(" · ".join(part for part in (f"detected {when}", captures) if part))
    summary = _clip(str(event.get("summary") or "").strip(), 1500)
    if summary:
        lines.append(slack_escape(summary))
    return _clip("\n".join(line for line in lines if line), MAX_SECTION_CHARS)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _label(kind: object) -> str:
    return str(kind or "change").replace("_", " ").capitalize()


def _link(url: str) -> str:
    """A link for http(s) URLs; anything else is shown as plain text."""
    if not url.startswith(("https://", "http://")):
        return slack_escape(url)
    # Inside <…|…> a "|" would end the URL early; %7C is the same URL to a browser.
    target = slack_escape(url).replace("|", "%7C")
    return f"<{target}|{slack_escape(url)}>"


def _when(value: object) -> str:
    """An ISO time as "2024-05-01 12:00 UTC"; anything unparsable as it came."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return slack_escape(str(value or "at an unknown time"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")

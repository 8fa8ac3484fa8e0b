"""The web app on the shared archive: a capture asked for through the API is put on the task
queue, made by a real worker process (not by the server), and followed through the same API
answers (checked against the app's OpenAPI document) and live progress as in the embedded
mode."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from demo import FakeWeb
from storage import Role, open_archive
from tests.shared.workers import queue_env, url, wait_until, workers
from tests.web.conftest import _wait_for_announce
from tests.web.openapi_check import AnswerChecker

pytestmark = pytest.mark.browser


def test_a_capture_asked_of_the_web_app_is_made_by_a_worker(
    queue_web: FakeWeb, home: Path, database_url: str, tmp_path: Path
) -> None:
    env = queue_env(queue_web, home, database_url)
    with open_archive(home, database_url=database_url) as archive:
        archive.users.add("ed", Role.EDITOR, "ed's long passphrase")
        token = archive.users.new_token("ed", "tests")
    command = [str(Path(sys.executable).with_name("postproof")), "serve", "--port", "0"]
    server = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    try:
        origin = _wait_for_announce(server)[1]
        headers = {"authorization": f"Bearer {token}"}
        document = httpx.get(origin + "/api/openapi.json", headers=headers, timeout=30).json()
        checker = AnswerChecker(document)
        with httpx.Client(
            base_url=origin,
            headers=headers,
            timeout=30,
            event_hooks={"response": [checker.hook]},
        ) as api:
            asked = api.post("/api/captures", json={"urls": [url("web-1"), url("web-2")]})
            assert asked.status_code == 202, asked.text
            job = asked.json()["job"]
            assert job["state"] == "queued" and job["asked"] == [url("web-1"), url("web-2")]
            assert job["user"] == "ed" and asked.headers["location"] == f"/api/jobs/{job['id']}"
            # Nobody runs it until a worker does: the server has no capture thread of its own.
            assert api.get(f"/api/jobs/{job['id']}").json()["job"]["state"] == "queued"
            with workers(env, tmp_path):
                wait_until(
                    "the worker to make the web app's job",
                    lambda: api.get(f"/api/jobs/{job['id']}").json()["job"]["state"] == "done",
                )
            done = api.get(f"/api/jobs/{job['id']}").json()["job"]
            assert len(done["captures"]) == 2 and done["error"] is None
            events = api.get(f"/api/jobs/{job['id']}/events").text
            kinds = [
                line.split(": ", 1)[1] for line in events.splitlines() if line.startswith("event:")
            ]
            assert kinds == ["queued", "started", "stored", "stored", "done"]
            stored = [
                json.loads(line.split(": ", 1)[1])
                for line in events.splitlines()
                if line.startswith("data:") and '"stored"' in line
            ]
            assert sorted(e["url"] for e in stored) == [url("web-1"), url("web-2")]
            for capture_id in done["captures"]:
                shown = api.get(f"/api/captures/{capture_id}").json()["capture"]
                assert shown["made_by"] == "ed"
            assert api.get("/api/jobs/999999").status_code == 404
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if server.stderr is not None:
            server.stderr.close()

"""How a run with workers (``pytest -n N --dist loadscope``, as ``./bootstrap.sh test`` runs it)
shares the suite out: which tests go together, and in which order the groups are handed out.

A group is one test module, so that its module fixtures are made once, with three exceptions: the
modules that use the shared batch are one group, so that the batch is captured once
(:data:`BATCH_MODULES`); a package whose fixtures are made once for the package is one group
(:data:`WHOLE_PACKAGES`); and the modules of :data:`TEST_BY_TEST` are split test by test, because
each of their tests is a long wait of its own (a whole demo, a run killed and started again) that
shares no costly fixture with the others, and two workers can wait for two of them at once.

Groups are handed out longest first, each to the next worker that is free: a long group started
last keeps one worker busy while the others stand idle. How long a group takes is what its tests
took last time, kept in pytest's cache (``.pytest_cache``, by :class:`DurationLog`); a group
never timed here is taken from :data:`KNOWN_SECONDS` (measured on this suite) or, if it is new
since the last run, as a long one (:data:`UNTIMED_SECONDS`): a short group started early costs
little, a long one started last costs its whole length.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

# The test modules that use the shared batch (the ``batch`` fixture of tests/conftest.py).
BATCH_MODULES = frozenset(
    {
        "tests/archiver/test_bluesky_proof.py",
        "tests/archiver/test_capture.py",
        "tests/archiver/test_platform_captures.py",
        "tests/archiver/test_warc.py",
    }
)
BATCH_GROUP = "batch"

# Packages with package-scoped fixtures: tests/web serves the app in a process of its own, starts
# a browser and captures its posts once for the package.
WHOLE_PACKAGES = ("tests/web/",)

# Modules whose tests are each a long wait and share no costly module fixture.
TEST_BY_TEST = frozenset(
    {
        "tests/archiver/test_hostile_batch.py",
        "tests/cli/test_capture_cli.py",
        "tests/cli/test_demo.py",
        "tests/cli/test_kill.py",
        "tests/cli/test_runs_cli.py",
        "tests/shared/test_deployment.py",
        "tests/shared/test_worker_faults.py",
    }
)

# Seconds the longest groups took in a whole run with two workers (the tests side by side, as
# the suite runs), for a run without kept times (a fresh checkout): they start first.
_DEMO = "tests/cli/test_demo.py"
_HOSTILE = "tests/archiver/test_hostile_batch.py"
_FAULTS, _DEPLOY = "tests/shared/test_worker_faults.py", "tests/shared/test_deployment.py"
KNOWN_SECONDS = {
    f"{_FAULTS}::test_two_workers_capture_each_of_many_urls_once": 54.0,
    BATCH_GROUP: 52.0,
    "tests/archiver/test_engine.py": 51.0,
    "tests/archiver/test_real_pages.py": 43.0,
    "tests/web": 40.0,
    "tests/watch/test_recheck.py": 28.0,
    f"{_FAULTS}::test_jobs_stopped_by_the_s3_server_going_away_store_nothing_half": 22.0,
    f"{_HOSTILE}::test_a_hostile_batch_ends_in_time_with_bounded_memory": 20.0,
    "tests/cli/test_watch_cli.py": 18.0,
    "tests/shared/test_migrate_archive.py": 16.0,
    "tests/archiver/test_imaging.py": 14.0,
    "tests/archiver/test_video.py": 13.0,
    "tests/claims/test_workflow.py": 13.0,
    f"{_DEPLOY}::test_the_web_app_captures_shows_searches_and_serves_evidence": 12.0,
    "tests/cli/test_claims_cli.py": 12.0,
    "tests/cli/test_proof_cli.py": 12.0,
    "tests/shared/test_s3_blobs.py": 12.0,
    f"{_DEMO}::test_demo_serve_opens_the_app_and_keeps_the_demo_site_up_until_ctrl_c": 12.0,
    f"{_DEPLOY}::test_demo_and_the_command_line_on_the_shared_archive": 12.0,
    "tests/storage/test_similar.py": 11.0,
    "tests/shared/test_worker.py": 10.0,
    "tests/proof/test_bundle.py": 10.0,
    "tests/shared/test_search.py": 10.0,
    f"{_FAULTS}::test_a_worker_killed_mid_capture_leaves_its_job_to_another": 10.0,
    f"{_FAULTS}::test_a_worker_whose_browser_died_starts_a_new_one": 8.0,
    "tests/archiver/test_obstacles.py": 8.0,
    f"{_FAULTS}::test_workers_reconnect_after_the_database_restarts": 8.0,
    "tests/proof/test_wacz.py": 8.0,
    "tests/storage/test_ledger.py": 7.0,
    "tests/storage/test_journal.py": 7.0,
    f"{_DEMO}::test_demo_runs_the_whole_flow": 6.0,
    "tests/shared/test_postgres.py": 6.0,
    "tests/shared/test_worker_recheck.py": 5.0,
    "tests/shared/test_worker_web.py": 5.0,
}
UNTIMED_SECONDS = 30.0
CACHE_KEY = "postproof/test-seconds"


def group_of(nodeid: str) -> str:
    module = nodeid.split("::", 1)[0]
    if module in BATCH_MODULES:
        return BATCH_GROUP
    if module in TEST_BY_TEST:
        return nodeid
    package = next((p for p in WHOLE_PACKAGES if module.startswith(p)), None)
    return package.rstrip("/") if package else module


def module_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def estimate(group: str, nodeids: list[str], seconds: dict[str, float]) -> float:
    """Seconds ``group`` is expected to take: what its tests took last time (a test not timed yet
    counts as the mean of its group's others), else its figure in :data:`KNOWN_SECONDS`, else,
    for a group new since the last run, :data:`UNTIMED_SECONDS`. Without any times kept, the
    groups not in :data:`KNOWN_SECONDS` come last, in xdist's order (the most tests first)."""
    timed = [seconds[n] for n in nodeids if n in seconds]
    if timed:
        return sum(timed) * len(nodeids) / len(timed)
    if group in KNOWN_SECONDS:
        return KNOWN_SECONDS[group]
    return UNTIMED_SECONDS if seconds else 0.0


class LongestFirst(LoadScopeScheduling):  # type: ignore[misc]
    """xdist's scope scheduling with the groups above, the longest handed out first."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        cache = getattr(config, "cache", None)
        self.seconds: dict[str, float] = cache.get(CACHE_KEY, {}) if cache is not None else {}
        self.estimates: dict[str, float] = {}

    def _split_scope(self, nodeid: str) -> str:
        return group_of(nodeid)

    def _assign_work_unit(self, node: Any) -> None:
        if not self.estimates:
            self.estimates = {
                group: estimate(group, list(tests), self.seconds)
                for group, tests in self.workqueue.items()
            }
        # The longest group left; between equals, the queue's order (the most tests first).
        longest = max(self.workqueue, key=lambda group: self.estimates.get(group, 0.0))
        self.workqueue.move_to_end(longest, last=False)
        super()._assign_work_unit(node)


class DurationLog:
    """Keeps how long each test took (setup, call and teardown) in pytest's cache, for the next
    run's order. Registered in the process that reports, never in a worker."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.taken: dict[str, float] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup":
            self.taken[report.nodeid] = report.duration
        else:
            self.taken[report.nodeid] = self.taken.get(report.nodeid, 0.0) + report.duration

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        cache = getattr(self.config, "cache", None)
        if cache is None or not self.taken:
            return
        root = Path(str(self.config.rootpath))
        kept = {
            nodeid: taken
            for nodeid, taken in cache.get(CACHE_KEY, {}).items()
            if (root / module_of(nodeid)).is_file()
        }
        kept.update({nodeid: round(taken, 3) for nodeid, taken in self.taken.items()})
        cache.set(CACHE_KEY, kept)

"""How a run with workers shares the suite out (tests/scheduling.py): the groups, their expected
lengths, the longest handed out first, and no name in its tables that the suite no longer has."""

from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

import pytest

from tests.scheduling import (
    BATCH_GROUP,
    BATCH_MODULES,
    KNOWN_SECONDS,
    TEST_BY_TEST,
    UNTIMED_SECONDS,
    WHOLE_PACKAGES,
    LongestFirst,
    estimate,
    group_of,
)

ROOT = Path(__file__).resolve().parents[1]


def _exists(nodeid: str) -> bool:
    """Whether ``nodeid`` (a module, a package, or a module's test) is still in the suite."""
    path, _, test = nodeid.partition("::")
    if not test:
        return (ROOT / path).exists()
    name = test.split("[", 1)[0]
    source = (ROOT / path).read_text(encoding="utf-8") if (ROOT / path).is_file() else ""
    return re.search(rf"^def {re.escape(name)}\(", source, re.MULTILINE) is not None


@pytest.mark.parametrize(
    "nodeid",
    sorted({*BATCH_MODULES, *TEST_BY_TEST, *WHOLE_PACKAGES, *KNOWN_SECONDS} - {BATCH_GROUP}),
)
def test_every_module_and_test_named_is_in_the_suite(nodeid: str) -> None:
    assert _exists(nodeid), f"{nodeid} is named in tests/scheduling.py but is not in the suite"


def test_groups() -> None:
    assert group_of("tests/archiver/test_warc.py::test_x") == BATCH_GROUP
    assert group_of("tests/archiver/test_capture.py::test_y[a]") == BATCH_GROUP
    demo = "tests/cli/test_demo.py::test_demo_runs_the_whole_flow"
    assert group_of(demo) == demo  # test by test
    assert group_of("tests/web/test_access.py::test_z") == "tests/web"
    assert group_of("tests/webhooks/test_a.py::test_b") == "tests/webhooks/test_a.py"
    assert group_of("tests/proof/test_tsa.py::test_c[1]") == "tests/proof/test_tsa.py"


def test_a_group_is_as_long_as_its_tests_took_last_time() -> None:
    tests = ["m.py::a", "m.py::b", "m.py::c", "m.py::d"]
    kept = {"m.py::a": 3.0, "m.py::b": 1.0, "other.py::e": 50.0}
    assert estimate("m.py", tests, kept) == 8.0  # two untimed tests count as the mean of two
    assert estimate("new.py", ["new.py::x"], kept) == UNTIMED_SECONDS  # new since the last run
    assert estimate("new.py", ["new.py::x"], {}) == 0.0  # nothing kept: xdist's order
    real = "tests/archiver/test_real_pages.py"
    assert estimate(real, [f"{real}::x"], {}) == KNOWN_SECONDS[real]


class _Node:
    def __init__(self) -> None:
        self.sent: list[list[int]] = []

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.append(indices)


def test_the_longest_group_is_handed_out_first() -> None:
    collection = [
        "tests/a.py::one",
        "tests/a.py::two",
        "tests/a.py::three",
        "tests/b.py::slow",
        "tests/c.py::x",
        "tests/c.py::y",
    ]
    scheduler = LongestFirst.__new__(LongestFirst)
    scheduler.seconds = {
        "tests/a.py::one": 1.0,
        "tests/a.py::two": 1.0,
        "tests/a.py::three": 1.0,
        "tests/b.py::slow": 40.0,
        "tests/c.py::x": 5.0,
    }
    scheduler.estimates = {}
    scheduler.workqueue = OrderedDict()
    for nodeid in collection:  # xdist's order: the most tests first
        scheduler.workqueue.setdefault(group_of(nodeid), {})[nodeid] = False
    scheduler.assigned_work = {}
    node = _Node()
    scheduler.registered_collections = {node: collection}
    for _ in range(3):
        scheduler._assign_work_unit(node)
    assert node.sent == [[3], [4, 5], [0, 1, 2]]  # b (40 s), c (5 s and one untimed: 10 s), a (3 s)

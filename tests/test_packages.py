"""Every package exports lazily (PEP 562): each name it lists must resolve to what its module
defines, and importing the package alone must load nothing heavy."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ("archiver", "storage", "claims", "proof", "watch")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_resolves(name: str) -> None:
    package = importlib.import_module(name)
    missing = []
    for exported in package.__all__:
        try:
            getattr(package, exported)
        except AttributeError:
            missing.append(exported)
    assert missing == []


def test_importing_the_packages_loads_nothing_heavy() -> None:
    heavy = ("playwright", "sqlalchemy", "alembic", "trafilatura", "numpy", "httpx", "jinja2")
    heavy += ("boto3", "botocore")
    code = (
        f"import sys, {', '.join(PACKAGES)}; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "statement",
    [
        "from archiver import CaptureOptions, default_concurrency",
        "from archiver import UsageError, parse_url",
        "import archiver.errors",
    ],
)
def test_the_options_and_errors_of_a_capture_do_not_load_the_browser_library(
    statement: str,
) -> None:
    # A web request or a queue worker builds options and reports errors long before (or
    # without ever) starting a browser.
    code = f"import sys; {statement}; print('playwright' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_the_platform_registry_names_the_platforms_without_loading_an_adapter() -> None:
    # A command's --help lists the platforms (``list --platform``) from the names alone.
    code = (
        "import sys; from archiver.platforms import PLATFORMS; assert PLATFORMS; "
        "print(sorted(m for m in sys.modules if m.startswith('archiver.platforms.')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"

"""How long a command takes to start, against bare Python started the same way, in one run.

Fills a temporary archive with N captures (stored through the archive, as captures are: each
logged and signed), then times whole processes, each run REPEAT times, and prints the median
of each and its ratio to ``python -c pass``:

- ``postproof --help`` (nothing but the command line),
- ``postproof --version``,
- ``postproof list`` on the N-capture archive (the archive opened, the newest captures read),
- ``postproof list --json`` on the same archive.

Nothing is asserted: the figures are for people to read.

    .venv/bin/python bench/startup_bench.py --captures 10000 --repeat 9
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The command as its entry point runs it, from the checkout given (--repo: another checkout
# of postproof, e.g. an older commit in a git worktree, to compare against).
ENTRY = "import sys; sys.argv[0] = 'postproof'; from cli import main; main()"


FILL = """
import sys
sys.path.insert(0, "bench")
import storage
from similar_bench import capture_result
with storage.open_archive(sys.argv[1]) as archive:
    for number in range(int(sys.argv[2])):
        archive.store(capture_result(number))
"""


def fill(home: Path, captures: int, repo: Path) -> float:
    """Stored by the checkout being measured, so that its own schema is the archive's."""
    started = time.perf_counter()
    command = [sys.executable, "-c", FILL, str(home), str(captures)]
    subprocess.run(command, cwd=repo, check=True)
    return time.perf_counter() - started


def median_seconds(command: list[str], env: dict[str, str], repeat: int, repo: Path) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, env=env, cwd=repo, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--captures", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--repo", type=Path, default=ROOT, help="checkout whose cli.py to time")
    args = parser.parse_args()
    postproof = [sys.executable, "-c", ENTRY]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        filled = fill(home, args.captures, args.repo)
        env = {k: v for k, v in os.environ.items() if not k.startswith("POSTPROOF_")}
        env["POSTPROOF_HOME"] = str(home)
        # As on a user's machine, a module compiled once is not compiled again at each start
        # (some machines set this variable for every process).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "postproof --help": [*postproof, "--help"],
            "postproof --version": [*postproof, "--version"],
            "postproof list": [*postproof, "list"],
            "postproof list --json": [*postproof, "list", "--json"],
        }
        medians = {
            name: median_seconds(cmd, env, args.repeat, args.repo) for name, cmd in commands.items()
        }
    base = medians["python -c pass"]
    figures = {
        "repo": str(args.repo),
        "captures": args.captures,
        "fill_seconds": round(filled, 1),
        "repeat": args.repeat,
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
        "ratio_to_bare_python": {k: round(v / base, 1) for k, v in medians.items()},
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

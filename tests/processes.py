"""The processes running on this machine, read from /proc (Linux): who started whom, and what
each one is, for tests and benchmarks that look for the processes a command left behind."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def parents() -> dict[int, int]:
    """Every running process and the process that started it."""
    found: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # ended while being read
    return found


def descendants(pid: int, family: dict[int, int] | None = None) -> list[int]:
    """Every process started under ``pid``, at any depth (not ``pid`` itself), in ``family``
    (what :func:`parents` read, by default now)."""
    children: dict[int, list[int]] = {}
    for child, parent in (parents() if family is None else family).items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def name(pid: int) -> str:
    """The process's short name (``comm``), or "" once it has ended."""
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def command_line(pid: int) -> list[bytes]:
    """The process's arguments, or [] once it has ended."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return []


def chromium_under(pid: int, family: dict[int, int] | None = None) -> list[int]:
    """The Chromium processes started under ``pid`` (its browsers, through Playwright's driver,
    with their renderers and helpers), in ``family`` (by default, as they are now)."""
    return [child for child in descendants(pid, family) if "chrom" in name(child)]

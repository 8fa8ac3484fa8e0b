"""The crontab entry that runs ``postproof recheck --due``.

Each data home has at most one entry, a line that ends with the marker comment
``# postproof recheck: <absolute home>``. Installing again replaces that line in place; every
other line of the crontab is kept byte for byte.

Why the table is edited as text and not through python-crontab's ``CronTab``: writing a table
back through it re-renders every line, and that changes other people's jobs. It turns
``echo "100%"`` into ``echo "100 %"``, drops the ``MAILTO=``/``PATH=`` lines that stood before a
removed job, and comments out lines it cannot parse. So this module reads and writes the user's
table with the ``crontab`` program (as python-crontab does underneath), touches only its own
lines, and computes next runs with croniter.
"""

from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from croniter import CroniterError, croniter
from dateutil import tz

from archiver.errors import UsageError

MARKER = "postproof recheck: "
MIN_EVERY = timedelta(minutes=5)
MAX_EVERY = timedelta(days=1)
ALLOWED_INTERVALS = "5m, 6m, 10m, 12m, 15m, 20m, 30m, 1h, 2h, 3h, 4h, 6h, 8h, 12h or 1d"
EVERY_HINT = "Give a number and a unit, for example 15m, 30min, 1h, 6h or 1d (5m to 1d)."
# Besides the venv's bin: where Debian, Ubuntu and macOS keep tesseract, chromium and sh.
DEFAULT_PATH = ("/usr/local/bin", "/usr/bin", "/bin")
# Set at install time in the user's shell, absent in cron's bare environment.
CARRIED_ENV = ("POSTPROOF_CHROMIUM", "PLAYWRIGHT_BROWSERS_PATH")

_UNIT_SECONDS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
}
_WORDS = {"hourly": timedelta(hours=1), "daily": timedelta(days=1)}
_EVERY_RE = re.compile(r"(\d{1,6})\s*([a-z]+)")
_ENV_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# One of our lines, enabled or commented out: schedule, command, marker comment.
_LINE_RE = re.compile(
    r"^(?P<disabled>[ \t]*#[ \t]*)?(?P<schedule>@\w+|\S+(?:[ \t]+\S+){4})[ \t]+"
    r"(?P<command>.*?)[ \t]+#[ \t]*" + re.escape(MARKER) + r"(?P<home>.*?)\s*$"
)


@dataclass(frozen=True)
class CronEntry:
    """The crontab line of one data home."""

    schedule: str  # "*/15 * * * *"
    command: str  # the shell command, as cron hands it to /bin/sh
    comment: str  # "postproof recheck: /abs/home"
    next_runs: tuple[datetime, ...]  # aware UTC; empty when the line is commented out
    enabled: bool = True


def parse_every(text: str) -> timedelta:
    """``"15m"``, ``"30min"``, ``"6h"``, ``"1d"``, ``"hourly"``… as a timedelta (5 min to 1 day)."""
    cleaned = text.strip().lower()
    if cleaned in _WORDS:
        return _WORDS[cleaned]
    match = _EVERY_RE.fullmatch(cleaned)
    if match is None or match.group(2) not in _UNIT_SECONDS:
        raise UsageError(f"{text!r} is not an interval.", hint=EVERY_HINT)
    every = timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    if every < MIN_EVERY:
        raise UsageError(
            f"{text!r} is too short: re-checks run at most every 5 minutes.", hint=EVERY_HINT
        )
    if every > MAX_EVERY:
        raise UsageError(
            f"{text!r} is too long: re-checks run at least once a day.", hint=EVERY_HINT
        )
    return every


def cron_schedule(every: timedelta, *, home: Path | None = None) -> str:
    """The five cron fields that fire every ``every``.

    Hourly and daily schedules start at a minute (and hour) drawn from ``home``, so several
    installations on one machine do not all fire at :00; without ``home`` they use 00:00.
    """
    seconds = every.total_seconds()
    minutes = int(seconds // 60)
    if seconds == minutes * 60 and minutes >= 5:
        minute, hour = _spread(home)
        if minutes < 60 and 60 % minutes == 0:
            return f"*/{minutes} * * * *"
        hours, rest = divmod(minutes, 60)
        if rest == 0 and hours == 1:
            return f"{minute} * * * *"
        if rest == 0 and hours < 24 and 24 % hours == 0:
            return f"{minute} */{hours} * * *"
        if rest == 0 and hours == 24:
            return f"{minute} {hour} * * *"
    raise UsageError(
        f"cron cannot run re-checks evenly every {_describe(every)}.",
        hint=f"Use one of {ALLOWED_INTERVALS}.",
    )


def default_postproof() -> Path:
    """The ``postproof`` console script next to the running Python (the venv's)."""
    return Path(sys.executable).with_name("postproof").resolve()


def command_line(
    postproof: Path, home: Path, log: Path, *, env: Mapping[str, str] | None = None
) -> str:
    """The shell command cron runs, self-sufficient in cron's bare environment.

    ``env`` adds variables (for example ``POSTPROOF_CHROMIUM``); the home, ``PATH`` and
    ``LANG`` are always set here.
    """
    postproof, home, log = (_absolute(p) for p in (postproof, home, log))
    search = ":".join(dict.fromkeys((str(postproof.parent), *DEFAULT_PATH)))
    assignments = {"POSTPROOF_HOME": str(home), "PATH": search, "LANG": "C.UTF-8"}
    for name, value in (env or {}).items():
        if name in assignments or not _ENV_NAME_RE.fullmatch(name):
            raise ValueError(f"cannot set {name!r} in the cron command")
        assignments[name] = value
    words = [f"{name}={_quote(value)}" for name, value in assignments.items()]
    words += [_quote(str(postproof)), "recheck", "--due", ">>", _quote(str(log)), "2>&1"]
    return " ".join(words)


def next_runs(
    schedule: str, count: int = 5, *, after: datetime | None = None, zone: tzinfo | None = None
) -> tuple[datetime, ...]:
    """The next ``count`` times cron fires ``schedule`` after ``after`` (default now), in UTC.

    Cron reads its fields in the machine's local time (``zone`` defaults to it), so the times
    are computed there and converted; croniter follows the zone's DST changes, which real cron
    daemons handle in slightly different ways during the skipped or repeated hour.
    """
    start = after if after is not None else datetime.now(UTC)
    if start.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    runs = croniter(schedule, start.astimezone(zone or local_timezone()))
    return tuple(runs.get_next(datetime).astimezone(UTC) for _ in range(count))


def local_timezone() -> tzinfo:
    """The zone the cron daemon works in: /etc/localtime, else ``$TZ``, else UTC."""
    if Path("/etc/localtime").exists():
        return tz.tzfile("/etc/localtime")
    return tz.gettz() or UTC


def install(
    every: timedelta,
    *,
    home: Path,
    postproof: Path | None = None,
    log: Path,
    tabfile: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> CronEntry:
    """Write (or replace) the entry of ``home``; the user's crontab unless ``tabfile`` is given.

    ``postproof`` defaults to :func:`default_postproof`; ``env`` defaults to the variables of
    :data:`CARRIED_ENV` that are set now. The log's directory is created so cron can append.
    """
    home = _absolute(home)
    executable = _absolute(postproof or default_postproof())
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        raise UsageError(
            f"The postproof program was not found at {executable}.",
            hint="Install postproof (pip install postproof) and run this command with it.",
        )
    if env is None:
        env = {name: os.environ[name] for name in CARRIED_ENV if os.environ.get(name)}
    schedule = cron_schedule(every, home=home)
    command = command_line(executable, home, log, env=env)
    line = f"{schedule} {_cron_escape(command)} # {MARKER}{_cron_escape(str(home))}\n"
    table = _Table(tabfile, home)  # first: it fails when cron is missing
    log_dir = _absolute(log).parent
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"Cannot create the log directory {log_dir}: {exc.strerror}",
            hint="Choose a log file in a directory you can write to.",
        ) from exc

    before = table.read()
    lines = _lines(before)
    mine = [i for i, text in enumerate(lines) if _entry_of(text, home) is not None]
    if mine:
        lines[mine[0]] = line
        for index in reversed(mine[1:]):
            del lines[index]
    else:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.append(line)
    if "".join(lines) != before:
        table.write("".join(lines))
    return CronEntry(schedule, command, MARKER + str(home), next_runs(schedule))


def show(
    *, home: Path, tabfile: Path | None = None, count: int = 5, now: datetime | None = None
) -> CronEntry | None:
    """The entry of ``home`` with its next ``count`` runs after ``now``, or None."""
    home = _absolute(home)
    for text in _lines(_Table(tabfile, home).read()):
        entry = _entry_of(text, home)
        if entry is None:
            continue
        if not entry.enabled:
            return entry
        try:
            runs = next_runs(entry.schedule, count, after=now)
        except CroniterError:  # a hand-edited schedule; cron itself refuses such a table
            runs = ()
        return CronEntry(entry.schedule, entry.command, entry.comment, runs)
    return None


def remove(*, home: Path, tabfile: Path | None = None) -> bool:
    """Delete the entry of ``home``; False when there was none."""
    home = _absolute(home)
    table = _Table(tabfile, home)
    lines = _lines(table.read())
    kept = [text for text in lines if _entry_of(text, home) is None]
    if len(kept) == len(lines):
        return False
    table.write("".join(kept))
    return True


class _Table:
    """The text of a crontab: a plain file, or the user's table through ``crontab``."""

    def __init__(self, tabfile: Path | None, home: Path) -> None:
        self.tabfile = tabfile
        self.program = None if tabfile is not None else _crontab_program(home)

    def read(self) -> str:
        if self.tabfile is not None:
            try:
                return self.tabfile.read_bytes().decode("utf-8", "surrogateescape")
            except FileNotFoundError:
                return ""
            except OSError as exc:
                raise _table_error("read", self.tabfile, exc.strerror) from exc
        assert self.program is not None
        done = subprocess.run([self.program, "-l"], capture_output=True, check=False)
        stderr = done.stderr.decode(errors="replace").strip()
        if done.returncode != 0:
            if "no crontab" in stderr.lower():
                return ""
            raise _table_error("read", None, stderr)
        return done.stdout.decode("utf-8", "surrogateescape")

    def write(self, text: str) -> None:
        data = text.encode("utf-8", "surrogateescape")
        if self.tabfile is not None:
            try:
                _write_atomically(self.tabfile, data)
            except OSError as exc:
                raise _table_error("write", self.tabfile, exc.strerror) from exc
            return
        assert self.program is not None
        with tempfile.TemporaryDirectory(prefix="postproof-cron-") as scratch:
            path = Path(scratch) / "crontab"
            path.write_bytes(data)
            done = subprocess.run([self.program, str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            raise _table_error("write", None, done.stderr.decode(errors="replace").strip())


def _crontab_program(home: Path) -> str:
    program = shutil.which("crontab")
    if program is None:
        raise UsageError(
            "cron is not installed: there is no `crontab` program on this machine.",
            hint=(
                "Install it with `sudo apt-get install cron`. Or let any scheduler run "
                f"`POSTPROOF_HOME={shlex.quote(str(home))} postproof recheck --due`, "
                "for example a systemd user timer: `systemd-run --user --on-calendar='*:0/15' "
                f"--setenv=POSTPROOF_HOME={shlex.quote(str(home))} "
                f"{shlex.quote(str(default_postproof()))} recheck --due`."
            ),
        )
    return program


def _table_error(verb: str, tabfile: Path | None, reason: str | None) -> UsageError:
    where = f"the crontab file {tabfile}" if tabfile is not None else "your crontab"
    hint = (
        "Check that the file's directory exists and is writable."
        if tabfile is not None
        else "Check that you may use cron (see /etc/cron.allow and /etc/cron.deny)."
    )
    return UsageError(f"Cannot {verb} {where}: {reason or 'unknown error'}", hint=hint)


def _write_atomically(path: Path, data: bytes) -> None:
    handle, scratch = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _lines(text: str) -> list[str]:
    """The lines of a crontab with their line breaks (only "\\n" ends a line for cron)."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def _entry_of(line: str, home: Path) -> CronEntry | None:
    """The entry on ``line`` if it is the marked line of ``home`` (next runs left empty)."""
    match = _LINE_RE.match(line)
    if match is None or _cron_unescape(match.group("home")) != str(home):
        return None
    return CronEntry(
        schedule=match.group("schedule"),
        command=_cron_unescape(match.group("command")),
        comment=MARKER + str(home),
        next_runs=(),
        enabled=match.group("disabled") is None,
    )


def _quote(value: str) -> str:
    """Shell-quote ``value`` for a crontab line.

    Beyond :func:`shlex.quote`: ``#`` and ``%`` stand outside the quotes as ``\\#`` and ``%``,
    so no blank is ever followed by ``#`` (what crontab parsers take for a comment) and cron's
    ``\\%`` escape is never preceded by a backslash of the value.
    """
    if "\n" in value or "\0" in value:
        raise UsageError(
            f"{value!r} contains a line break, which a crontab line cannot hold.",
            hint="Use paths without line breaks.",
        )
    parts = re.split(r"([#%])", value)
    quoted = "".join("\\#" if p == "#" else p if p == "%" else shlex.quote(p) for p in parts if p)
    return quoted or "''"


def _cron_escape(text: str) -> str:
    # cron turns a bare % into a line break (and feeds the rest to stdin); \% is a literal %.
    return text.replace("%", "\\%")


def _cron_unescape(text: str) -> str:
    """What cron hands to the shell: ``\\%`` becomes ``%``, a bare ``%`` ends the command."""
    out: list[str] = []
    escaped = False
    for char in text:
        if escaped:  # the character after a backslash is never special itself
            if char == "%":
                out[-1] = "%"
            else:
                out.append(char)
            escaped = False
            continue
        if char == "%":
            break
        out.append(char)
        escaped = char == "\\"
    return "".join(out)


def _absolute(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def _spread(home: Path | None) -> tuple[int, int]:
    """A minute and an hour drawn from ``home``: the same home always gets the same ones."""
    if home is None:
        return 0, 0
    digest = hashlib.sha256(str(home).encode("utf-8", "surrogateescape")).digest()
    number = int.from_bytes(digest[:8], "big")
    return number % 60, (number // 60) % 24


def _describe(every: timedelta) -> str:
    seconds = int(every.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{every.total_seconds():g}s"

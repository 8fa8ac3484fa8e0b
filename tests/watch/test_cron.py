"""The crontab entry, always against a crontab file in tmp_path: never the user's crontab."""

from __future__ import annotations

import itertools
import re
import shlex
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from croniter import croniter
from crontab import CronTab

from archiver.errors import UsageError
from watch._cron import (
    CronEntry,
    command_line,
    cron_schedule,
    install,
    local_timezone,
    next_runs,
    parse_every,
    remove,
    show,
)

OTHER_LINES = (
    "# m h  dom mon dow   command\n"
    "SHELL=/bin/bash\n"
    "MAILTO=me@example.org\n"
    "0  5 * * 1 tar -zcf /var/backups/home.tgz /home/  # weekly\n"
    '*/10 * * * * echo "100%" > /dev/null\n'
    "\n"
    "@reboot /usr/local/bin/start-thing   \n"
    "PATH=/usr/bin:/bin\n"
    "30 2 * * mon-fri /usr/bin/nightly"  # no final line break
)

STUB = """#!/bin/bash
{{
  printf 'home=%s\\n' "$POSTPROOF_HOME"
  printf 'path=%s\\n' "$PATH"
  printf 'lang=%s\\n' "$LANG"
  printf 'args=%s\\n' "$*"
}} > {out}
echo "recheck ran"
echo "a warning" >&2
"""


@pytest.fixture
def tabfile(tmp_path: Path) -> Path:
    return tmp_path / "crontab"


@pytest.fixture
def data_home(tmp_path: Path) -> Path:
    return tmp_path / "data home"


@pytest.fixture
def stub(tmp_path: Path) -> Path:
    """A stand-in ``postproof`` that records its environment and arguments."""
    bindir = tmp_path / "venv dir" / "bin"
    bindir.mkdir(parents=True)
    script = bindir / "postproof"
    script.write_text(STUB.format(out=shlex.quote(str(tmp_path / "ran.txt"))))
    script.chmod(0o755)
    return script


def install_15m(home: Path, stub: Path, tabfile: Path, log: Path | None = None) -> CronEntry:
    log = log or home / "logs" / "cron.log"
    return install(
        timedelta(minutes=15), home=home, postproof=stub, log=log, tabfile=tabfile, env={}
    )


def marked_lines(tabfile: Path) -> list[str]:
    return [line for line in tabfile.read_text().splitlines() if "# postproof recheck: " in line]


def as_cron_runs_it(line: str) -> str:
    """The shell command cron (Vixie/cronie) runs for a five-field crontab ``line``."""
    rest = re.sub(r"^\s*(\S+\s+){5}", "", line.rstrip("\n"))
    out: list[str] = []
    escaped = False
    for char in rest:
        if escaped:
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


# parse_every


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15m", timedelta(minutes=15)),
        ("30min", timedelta(minutes=30)),
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        (" 6 Hours ", timedelta(hours=6)),
        ("1d", timedelta(days=1)),
        ("24h", timedelta(days=1)),
        ("300s", timedelta(minutes=5)),
        ("hourly", timedelta(hours=1)),
    ],
)
def test_parse_every(text: str, expected: timedelta) -> None:
    assert parse_every(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("90s", "too short"),
        ("0m", "too short"),
        ("2d", "too long"),
        ("25h", "too long"),
        ("15", "not an interval"),
        ("1.5h", "not an interval"),
        ("-5m", "not an interval"),
        ("fortnightly", "not an interval"),
        ("", "not an interval"),
    ],
)
def test_parse_every_refuses(text: str, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_every(text)
    assert reason in caught.value.message
    assert caught.value.hint is not None and "15m" in caught.value.hint


# cron_schedule


def test_cron_schedules(data_home: Path) -> None:
    daily = cron_schedule(timedelta(days=1), home=data_home)
    minute, hour = (int(field) for field in daily.split()[:2])
    assert 0 <= minute < 60 and 0 <= hour < 24
    assert daily == f"{minute} {hour} * * *"
    assert cron_schedule(timedelta(minutes=15), home=data_home) == "*/15 * * * *"
    assert cron_schedule(timedelta(minutes=5), home=data_home) == "*/5 * * * *"
    assert cron_schedule(timedelta(hours=1), home=data_home) == f"{minute} * * * *"
    assert cron_schedule(timedelta(hours=6), home=data_home) == f"{minute} */6 * * *"
    assert cron_schedule(timedelta(hours=1)) == "0 * * * *"


def test_cron_schedule_is_deterministic_and_spread(tmp_path: Path) -> None:
    homes = [tmp_path / f"home{i}" for i in range(12)]
    first = [cron_schedule(timedelta(hours=1), home=h) for h in homes]
    assert first == [cron_schedule(timedelta(hours=1), home=h) for h in homes]
    assert len(set(first)) > 1  # twelve homes do not all fire at the same minute


@pytest.mark.parametrize(
    "every",
    [
        timedelta(minutes=7),
        timedelta(minutes=45),
        timedelta(minutes=4),
        timedelta(seconds=90),
        timedelta(minutes=15, seconds=30),
        timedelta(hours=5),
        timedelta(hours=25),
        timedelta(0),
    ],
)
def test_cron_schedule_refuses_uneven_intervals(every: timedelta) -> None:
    with pytest.raises(UsageError) as caught:
        cron_schedule(every)
    assert caught.value.hint is not None
    assert "15m" in caught.value.hint and "1d" in caught.value.hint


# command_line


def test_command_line_sets_everything_cron_lacks(tmp_path: Path) -> None:
    postproof = tmp_path / "my venv" / "bin" / "postproof"
    home = tmp_path / "data home"
    log = tmp_path / "data home" / "logs" / "cron.log"
    words = shlex.split(command_line(postproof, home, log))
    assert words[0] == f"POSTPROOF_HOME={home}"
    path = words[1].removeprefix("PATH=").split(":")
    assert path[0] == str(postproof.parent)
    assert "/usr/bin" in path and "/bin" in path
    assert "LANG=C.UTF-8" in words
    assert words[-6:] == [str(postproof), "recheck", "--due", ">>", str(log), "2>&1"]


def test_command_line_extra_environment(tmp_path: Path) -> None:
    command = command_line(
        tmp_path / "postproof", tmp_path, tmp_path / "log", env={"POSTPROOF_CHROMIUM": "/a b/c"}
    )
    assert "POSTPROOF_CHROMIUM='/a b/c'" in command
    with pytest.raises(ValueError):
        command_line(tmp_path / "postproof", tmp_path, tmp_path / "log", env={"PATH": "/x"})


def test_command_line_refuses_line_breaks(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        command_line(tmp_path / "postproof", tmp_path / "a\nb", tmp_path / "log")


# install, show, remove


def test_install_twice_keeps_one_entry(data_home: Path, stub: Path, tabfile: Path) -> None:
    first = install_15m(data_home, stub, tabfile)
    second = install(
        timedelta(hours=6),
        home=data_home,
        postproof=stub,
        log=data_home / "logs" / "cron.log",
        tabfile=tabfile,
        env={},
    )
    lines = marked_lines(tabfile)
    assert len(lines) == 1
    assert lines[0].startswith(second.schedule + " ")
    assert first.comment == second.comment == f"postproof recheck: {data_home.resolve()}"
    assert (data_home / "logs").is_dir()  # so that cron's >> can open the log


def test_install_keeps_other_lines(data_home: Path, stub: Path, tabfile: Path) -> None:
    tabfile.write_text(OTHER_LINES)
    install_15m(data_home, stub, tabfile)
    install_15m(data_home, stub, tabfile)
    text = tabfile.read_text()
    assert text.startswith(OTHER_LINES + "\n")
    assert len(marked_lines(tabfile)) == 1
    assert remove(home=data_home, tabfile=tabfile)
    assert tabfile.read_text() == OTHER_LINES + "\n"


def test_install_replaces_in_place(data_home: Path, stub: Path, tabfile: Path) -> None:
    tabfile.write_text("# top\n")
    install_15m(data_home, stub, tabfile)
    tabfile.write_text(tabfile.read_text() + "0 3 * * * /usr/bin/later\n")
    install_15m(data_home, stub, tabfile)
    lines = tabfile.read_text().splitlines()
    assert lines[0] == "# top"
    assert "# postproof recheck: " in lines[1]
    assert lines[2] == "0 3 * * * /usr/bin/later"


def test_one_entry_per_home(tmp_path: Path, stub: Path, tabfile: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    install_15m(one, stub, tabfile)
    install_15m(two, stub, tabfile)
    assert len(marked_lines(tabfile)) == 2
    assert remove(home=one, tabfile=tabfile)
    assert show(home=one, tabfile=tabfile) is None
    remaining = show(home=two, tabfile=tabfile)
    assert remaining is not None and remaining.comment.endswith(str(two.resolve()))


def test_remove(data_home: Path, stub: Path, tabfile: Path) -> None:
    assert not remove(home=data_home, tabfile=tabfile)
    assert not tabfile.exists()  # nothing to remove: nothing written
    install_15m(data_home, stub, tabfile)
    assert remove(home=data_home, tabfile=tabfile)
    assert not remove(home=data_home, tabfile=tabfile)
    assert show(home=data_home, tabfile=tabfile) is None
    assert tabfile.read_text() == ""


def test_show_next_runs_follow_the_schedule(data_home: Path, stub: Path, tabfile: Path) -> None:
    assert show(home=data_home, tabfile=tabfile) is None
    installed = install_15m(data_home, stub, tabfile)
    now = datetime(2025, 6, 1, 12, 7, 30, tzinfo=UTC)
    entry = show(home=data_home, tabfile=tabfile, count=6, now=now)
    assert entry is not None
    assert (entry.schedule, entry.command, entry.comment) == (
        installed.schedule,
        installed.command,
        installed.comment,
    )
    assert entry.enabled
    runs = entry.next_runs
    assert len(runs) == 6
    assert all(run.tzinfo == UTC for run in runs)
    assert now < runs[0] <= now + timedelta(minutes=15)
    assert all(b - a == timedelta(minutes=15) for a, b in itertools.pairwise(runs))
    zone = local_timezone()
    assert all(croniter.match(entry.schedule, run.astimezone(zone)) for run in runs)


def test_show_finds_a_commented_out_entry(data_home: Path, stub: Path, tabfile: Path) -> None:
    install_15m(data_home, stub, tabfile)
    tabfile.write_text("# " + tabfile.read_text())
    entry = show(home=data_home, tabfile=tabfile)
    assert entry is not None and not entry.enabled and entry.next_runs == ()
    install_15m(data_home, stub, tabfile)
    lines = marked_lines(tabfile)
    assert len(lines) == 1 and not lines[0].startswith("#")


def test_next_runs_in_local_time_across_dst() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    after = datetime(2024, 3, 29, 12, 0, tzinfo=UTC)
    runs = next_runs("17 4 * * *", 4, after=after, zone=berlin)
    assert [(r.astimezone(berlin).hour, r.astimezone(berlin).minute) for r in runs] == [(4, 17)] * 4
    gaps = [b - a for a, b in itertools.pairwise(runs)]
    # 30 March, then 31 March: clocks went forward an hour overnight.
    assert gaps == [timedelta(hours=23), timedelta(hours=24), timedelta(hours=24)]
    with pytest.raises(ValueError):
        next_runs("17 4 * * *", after=datetime(2024, 3, 29, 12, 0))


def test_python_crontab_reads_the_entry(data_home: Path, stub: Path, tabfile: Path) -> None:
    entry = install_15m(data_home, stub, tabfile)
    jobs = list(CronTab(tabfile=str(tabfile)).find_comment(entry.comment))
    assert len(jobs) == 1
    assert jobs[0].command == entry.command
    assert str(jobs[0].slices) == entry.schedule


def test_install_carries_the_browser_settings(
    data_home: Path, stub: Path, tabfile: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTPROOF_CHROMIUM", "/opt/my chrome/chrome")
    monkeypatch.delenv("PLAYWRIGHT_BROWSERS_PATH", raising=False)
    entry = install(
        timedelta(hours=1), home=data_home, postproof=stub, log=data_home / "l", tabfile=tabfile
    )
    assert "POSTPROOF_CHROMIUM='/opt/my chrome/chrome'" in entry.command
    assert "PLAYWRIGHT_BROWSERS_PATH" not in entry.command


def test_install_needs_the_postproof_program(data_home: Path, tabfile: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        install_15m(data_home, data_home / "nowhere" / "postproof", tabfile)
    assert not tabfile.exists()


def test_no_cron_installed(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert shutil.which("crontab") is None  # so nothing below can reach a real crontab
    with pytest.raises(UsageError) as caught:
        show(home=data_home)
    assert "cron is not installed" in caught.value.message
    assert caught.value.hint is not None
    assert "sudo apt-get install cron" in caught.value.hint
    assert "postproof recheck --due" in caught.value.hint


FAKE_CRONTAB = """#!/bin/sh
# A stand-in for crontab(1) that keeps "the user's table" in one file.
store={store}
if [ "$1" = "-l" ]; then
  if [ -f "$store" ]; then exec /bin/cat "$store"; fi
  echo "no crontab for tester" >&2; exit 1
fi
if [ -f {deny} ]; then echo "You (tester) are not allowed to use this program" >&2; exit 1; fi
exec /bin/cp "$1" "$store"
"""


def test_the_users_crontab_through_the_crontab_program(
    tmp_path: Path, data_home: Path, stub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bindir, store, deny = tmp_path / "fakebin", tmp_path / "user table", tmp_path / "deny"
    bindir.mkdir()
    program = bindir / "crontab"
    program.write_text(
        FAKE_CRONTAB.format(store=shlex.quote(str(store)), deny=shlex.quote(str(deny)))
    )
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(bindir))
    assert shutil.which("crontab") == str(program)  # the real crontab stays out of reach

    assert show(home=data_home) is None
    store.write_text("MAILTO=me@example.org\n")
    entry = install(timedelta(hours=1), home=data_home, postproof=stub, log=tmp_path / "l", env={})
    assert store.read_text().startswith("MAILTO=me@example.org\n")
    shown = show(home=data_home, count=2)
    assert shown is not None
    assert (shown.schedule, shown.command, len(shown.next_runs)) == (
        entry.schedule,
        entry.command,
        2,
    )
    deny.touch()
    with pytest.raises(UsageError, match="not allowed"):
        remove(home=data_home)
    deny.unlink()
    assert remove(home=data_home)
    assert store.read_text() == "MAILTO=me@example.org\n"


# the entry works in cron's bare environment


@pytest.mark.parametrize("name", ["data home", "odd #1 100% home"])
def test_entry_runs_in_an_empty_environment(
    tmp_path: Path, stub: Path, tabfile: Path, name: str
) -> None:
    home = tmp_path / name
    log = tmp_path / "log dir" / "cron.log"
    install_15m(home, stub, tabfile, log=log)
    (line,) = marked_lines(tabfile)
    command = as_cron_runs_it(line)
    for _ in range(2):
        subprocess.run(["env", "-i", "/bin/sh", "-c", command], check=True, timeout=30)

    ran = dict(entry.split("=", 1) for entry in (tmp_path / "ran.txt").read_text().splitlines())
    assert ran["home"] == str(home.resolve())
    assert ran["args"] == "recheck --due"
    assert ran["lang"] == "C.UTF-8"
    path = ran["path"].split(":")
    assert str(stub.parent.resolve()) in path and "/usr/bin" in path and "/bin" in path
    assert log.read_text() == "recheck ran\na warning\n" * 2  # appended, stderr too

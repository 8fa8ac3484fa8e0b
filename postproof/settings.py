"""Settings: the data home's ``config.toml`` (lasting settings, what cron runs with) and the
``POSTPROOF_*`` environment variables, read once per command into one frozen :class:`Settings`.
Command-line flags add to them through the typed views (:meth:`Settings.capture_options`,
:meth:`Settings.tsa`, :meth:`Settings.recheck_options`).

``config.toml`` tables and keys (README.md has the full story)::

    [capture]    timeout, concurrency, context, allow_private, allow_private_hosts,
                 insecure, host_map
    [timestamp]  tsa_urls, ca_files, timeout
    [recheck]    intervals, confirmations
    [alerts]     webhook_url
    [database]   url (read by ``storage``, after ``POSTPROOF_DATABASE_URL``: the archive's
                 PostgreSQL database, wherever a command opens the archive)

``POSTPROOF_TSA_URLS`` and ``POSTPROOF_TSA_CA`` are read and checked by ``proof``, which owns
timestamps; ``POSTPROOF_BLOBS`` and ``[blobs]`` (url, endpoint_url, region, retain_days,
conditional_writes) by ``storage``, which owns the blob store; every other variable is read here.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from archiver.errors import UsageError

if TYPE_CHECKING:
    from archiver import CaptureOptions
    from watch import RecheckOptions

CONFIG_NAME = "config.toml"
T = TypeVar("T")


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def resolve_home(home: Path | None) -> Path:
    """The data home: ``--home`` (Typer reads ``POSTPROOF_HOME`` into it), else the default."""
    if home is not None:
        return home
    from storage import default_home

    return default_home()


def demo_home() -> Path:
    """Where the demo keeps its archive when no --home is given: beside the real data home."""
    real = resolve_home(None)
    return real.with_name(f"{real.name}-demo")


def read_config(path: Path) -> dict[str, Any]:
    """The parsed ``config.toml`` at ``path``; empty when there is none."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(
            f"Cannot read the settings file {path}: {exc}",
            hint="Fix the file (TOML) or move it away; README.md lists its keys.",
        ) from exc


def _value(table: Mapping[str, Any], key: str, default: T, convert: Callable[[Any], T]) -> T:
    if key not in table:
        return default
    try:
        return convert(table[key])
    except (TypeError, ValueError) as exc:
        raise UsageError(
            f"The setting {key} = {table[key]!r} in {CONFIG_NAME} is not valid: {exc}",
            hint="Fix the file (TOML) or move it away; README.md lists its keys.",
        ) from exc


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(item) for item in value)


NO_STRINGS: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptureFlags:
    """The capture options as given on the command line (``None``/empty: not given)."""

    timeout: float | None = None
    concurrency: int | None = None
    allow_private: bool = False
    allow_private_hosts: tuple[str, ...] = ()
    insecure: bool = False
    host_map: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaptureSettings:
    """``[capture]``, with ``POSTPROOF_ALLOW_PRIVATE``, ``POSTPROOF_INSECURE`` and
    ``POSTPROOF_HOST_MAP`` (comma-separated HOST=ADDRESS:PORT) added."""

    timeout: float = 60.0
    concurrency: int = 0  # 0: as many as the machine affords
    context: int = 3
    allow_private: bool = False
    allow_private_hosts: tuple[str, ...] = ()
    insecure: bool = False
    host_map: tuple[str, ...] = ()

    @classmethod
    def read(cls, table: Mapping[str, Any]) -> CaptureSettings:
        env_map = [e for e in os.environ.get("POSTPROOF_HOST_MAP", "").split(",") if e.strip()]
        return cls(
            timeout=_value(table, "timeout", 60.0, float),
            concurrency=_value(table, "concurrency", 0, int),
            context=_value(table, "context", 3, int),
            allow_private=_env_flag("POSTPROOF_ALLOW_PRIVATE")
            or _value(table, "allow_private", False, bool),
            allow_private_hosts=_value(table, "allow_private_hosts", NO_STRINGS, _strings),
            insecure=_env_flag("POSTPROOF_INSECURE") or _value(table, "insecure", False, bool),
            host_map=(*_value(table, "host_map", NO_STRINGS, _strings), *env_map),
        )


@dataclass(frozen=True)
class TimestampSettings:
    """``[timestamp]``: the TSAs to ask and the root certificates to trust, besides those of
    ``POSTPROOF_TSA_URLS`` / ``POSTPROOF_TSA_CA`` and the system's CA bundle."""

    tsa_urls: tuple[str, ...] = ()
    ca_files: tuple[Path, ...] = ()
    timeout: float = 10.0

    @classmethod
    def read(cls, table: Mapping[str, Any]) -> TimestampSettings:
        ca_files = _value(table, "ca_files", NO_STRINGS, _strings)
        return cls(
            tsa_urls=_value(table, "tsa_urls", NO_STRINGS, _strings),
            ca_files=tuple(Path(f).expanduser() for f in ca_files),
            timeout=_value(table, "timeout", 10.0, float),
        )


@dataclass(frozen=True)
class Tsa:
    """Where timestamps come from and which roots are trusted, for one command."""

    urls: tuple[str, ...]
    roots: tuple[bytes, ...]
    timeout: float


@dataclass(frozen=True)
class RecheckSettings:
    """``[recheck]``, with ``POSTPROOF_RECHECK_INTERVALS`` before its ``intervals``."""

    intervals: str | None = None
    confirmations: int = 2

    @classmethod
    def read(cls, table: Mapping[str, Any]) -> RecheckSettings:
        env = os.environ.get("POSTPROOF_RECHECK_INTERVALS")
        return cls(
            intervals=env or _value(table, "intervals", None, str),
            confirmations=_value(table, "confirmations", 2, int),
        )


# Seconds: four heartbeats of one second; less, and a busy worker might be taken for dead.
MIN_STALLED_AFTER = 4.0
# Seconds: an hour. A capture's log entry is signed when it is stored; its checkpoint should not
# wait longer than that.
MAX_SEAL_EVERY = 3600.0


@dataclass(frozen=True)
class WorkerSettings:
    """``[worker]``, each key overridden by its environment variable:

    - ``stalled_after`` (``POSTPROOF_WORKER_STALLED_AFTER``): how long a worker may go without a
      heartbeat before it is taken for dead (killed, cut off) and its running jobs are given to
      another;
    - ``seal_every`` (``POSTPROOF_WORKER_SEAL_EVERY``): how often at most a worker seals the log
      over the jobs it finished (0: after each job, as soon as the last seal is done)."""

    stalled_after: float = 20.0
    seal_every: float = 5.0

    @classmethod
    def read(cls, table: Mapping[str, Any]) -> WorkerSettings:
        for key in ("stalled_after", "seal_every"):
            env = os.environ.get(f"POSTPROOF_WORKER_{key.upper()}")
            if env:
                table = {**table, key: env}
        seconds = _value(table, "stalled_after", 20.0, float)
        if not seconds >= MIN_STALLED_AFTER:
            raise UsageError(
                f"The setting stalled_after = {seconds:g} is too short: a worker beats every "
                f"quarter of it, and a busy one must not be taken for dead.",
                hint=f"Give {MIN_STALLED_AFTER:g} seconds or more ([worker] in {CONFIG_NAME}, "
                "or POSTPROOF_WORKER_STALLED_AFTER).",
            )
        seal_every = _value(table, "seal_every", 5.0, float)
        if not 0 <= seal_every <= MAX_SEAL_EVERY:
            raise UsageError(
                f"The setting seal_every = {seal_every:g} is out of range: it is how many seconds "
                "a finished job may wait for the checkpoint that proves it is in the log.",
                hint=f"Give 0 to {MAX_SEAL_EVERY:g} seconds ([worker] in {CONFIG_NAME}, or "
                "POSTPROOF_WORKER_SEAL_EVERY).",
            )
        return cls(stalled_after=seconds, seal_every=seal_every)

    @property
    def heartbeat(self) -> float:
        """Seconds between a worker's heartbeats: a quarter of :attr:`stalled_after`, at most
        five."""
        return min(5.0, self.stalled_after / 4)


@dataclass(frozen=True)
class Settings:
    """Everything a command reads from its data home and environment, read once."""

    home: Path
    capture: CaptureSettings
    timestamp: TimestampSettings
    recheck: RecheckSettings
    worker: WorkerSettings
    webhook_url: str | None  # POSTPROOF_WEBHOOK_URL, else [alerts] webhook_url
    crontab_file: Path | None  # POSTPROOF_CRONTAB_FILE: a crontab file instead of the user's

    @classmethod
    def load(cls, home: Path | None) -> Settings:
        """Resolve the data home and read its ``config.toml`` and the environment."""
        resolved = resolve_home(home)
        config = read_config(resolved / CONFIG_NAME)

        def table(name: str) -> Mapping[str, Any]:
            value = config.get(name, {})
            if not isinstance(value, Mapping):
                raise UsageError(
                    f"[{name}] in {CONFIG_NAME} must be a table, not {value!r}.",
                    hint="Fix the file (TOML) or move it away; README.md lists its keys.",
                )
            return value

        crontab = os.environ.get("POSTPROOF_CRONTAB_FILE")
        return cls(
            home=resolved,
            capture=CaptureSettings.read(table("capture")),
            timestamp=TimestampSettings.read(table("timestamp")),
            recheck=RecheckSettings.read(table("recheck")),
            worker=WorkerSettings.read(table("worker")),
            webhook_url=os.environ.get("POSTPROOF_WEBHOOK_URL")
            or _value(table("alerts"), "webhook_url", None, str),
            crontab_file=Path(crontab) if crontab else None,
        )

    def capture_options(self, flags: CaptureFlags) -> CaptureOptions:
        """The options of a capture run: the flags, then the environment, then config.toml."""
        from archiver import CaptureOptions, default_concurrency, parse_host_map
        from storage import AuthStore

        conf = self.capture
        timeout = flags.timeout if flags.timeout is not None else conf.timeout
        if timeout <= 0:
            raise UsageError("--timeout must be a positive number of seconds.")
        if flags.concurrency is not None and flags.concurrency < 1:
            raise UsageError("--concurrency must be at least 1.")
        hosts = (*conf.allow_private_hosts, *flags.allow_private_hosts)
        return CaptureOptions(
            timeout=timeout,
            concurrency=flags.concurrency or conf.concurrency or default_concurrency(),
            allow_private=flags.allow_private or conf.allow_private,
            allow_private_hosts=frozenset(h.strip().lower() for h in hosts),
            insecure=flags.insecure or conf.insecure,
            # --host-map takes one entry or several separated by commas, as the variable does.
            host_map=parse_host_map(
                [*conf.host_map, *(e for given in flags.host_map for e in given.split(","))]
            ),
            cookies=AuthStore(self.home / "auth").cookies(),
        )

    def context_depth(self, flag: int | None) -> int:
        """How many levels of replied-to and quoted posts a capture follows."""
        depth = flag if flag is not None else self.capture.context
        if depth < 0:
            raise UsageError("--context must be 0 or more.")
        return depth

    def tsa_urls(self) -> tuple[str, ...]:
        """The TSAs to ask, in order: ``POSTPROOF_TSA_URLS``, else ``[timestamp] tsa_urls``."""
        from proof import tsa_urls_from_env

        return tuple(tsa_urls_from_env()) or self.timestamp.tsa_urls

    def tsa(self, extra_roots: Sequence[Path] = ()) -> Tsa:
        """The TSAs and trusted roots (``extra_roots``: from ``--tsa-ca``)."""
        from proof import tsa_roots_from_env

        urls = self.tsa_urls()
        roots = tsa_roots_from_env([*self.timestamp.ca_files, *extra_roots])
        return Tsa(urls=urls, roots=tuple(roots), timeout=self.timestamp.timeout)

    def recheck_options(self, intervals: str | None, confirmations: int | None) -> RecheckOptions:
        """The back-off ladder and the confirmations a disappearance needs."""
        import watch

        text = intervals or self.recheck.intervals
        confirm = confirmations or self.recheck.confirmations
        if confirm < 1:
            raise UsageError("--confirmations must be at least 1.")
        return watch.RecheckOptions(
            intervals=watch.parse_intervals(text) if text else watch.DEFAULT_INTERVALS,
            confirmations=confirm,
        )

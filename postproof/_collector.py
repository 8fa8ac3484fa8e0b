"""The garbage collector while a command starts.

A command's start imports its libraries (SQLAlchemy and the archive's tables, Playwright,
Pydantic): hundreds of thousands of objects that all live as long as the process, and no
garbage. The collector, counting them as they are made, runs its full collections over them
again and again: about a fifth of the imports' time (0.18 s of 1 s for ``capture``'s). So it is
paused while a command starts, and resumes once the command's libraries are loaded, which is
when it opens its archive (:func:`started`); the objects made until then are first put out of
its reach for good, once per process, so that its later collections traverse only what the
command goes on to make.

A command that never opens its archive (``--help``, ``list`` on an embedded archive) ends with
the collector paused, having made no garbage worth collecting; it resumes when the command
returns, whatever the command did.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterator
from contextlib import contextmanager


class _Pause:
    """Whether the collector is paused by :func:`paused` and resumes at :func:`started`."""

    active = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector paused inside, until :func:`started`. A collector already off (paused
    already, or switched off by a program embedding postproof) is left as it is."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    _Pause.active = True
    try:
        yield
    finally:
        if _Pause.active:
            _Pause.active = False
            gc.enable()


def started() -> None:
    """The command's libraries are loaded: the objects made so far are frozen (once per
    process), and the collector, if paused, resumes. Called whenever an archive is opened."""
    _freeze_once()
    if _Pause.active:
        _Pause.active = False
        gc.enable()


@functools.cache  # once per process: the tests run many commands in theirs
def _freeze_once() -> None:
    gc.freeze()

"""postproof's console entry point: the command line lives in the ``postproof`` package."""

from __future__ import annotations

from postproof._collector import paused

with paused():  # the command line's own imports: see postproof._collector
    from postproof.app import app, main

__all__ = ["app", "main"]

if __name__ == "__main__":
    main()

"""postproof's application layer: the command line over the archiver, the archive, claims, proof
and watching.

``postproof.app`` builds the commands; ``postproof.settings`` reads the data home's settings;
``postproof.runs`` owns capture runs; ``postproof.views`` holds every JSON shape;
``postproof.output`` the consoles, exit codes and the JSON envelope. Importing this package
loads nothing heavy: a browser driver, the ORM or an NLP library is imported by the command
that needs it, when it runs.
"""

from __future__ import annotations

__all__ = ["version"]


def version() -> str:
    """The installed version of postproof (``0+unknown`` when run from a bare checkout)."""
    # Imported here: reading package metadata costs every start-up a few hundredths of a second.
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version

    try:
        return package_version("postproof")
    except PackageNotFoundError:
        return "0+unknown"

"""``postproof serve``: the archive in a browser. Starlette pages and a JSON API over the same
library calls and JSON shapes as the command line, archived pages from a second origin, and
accounts with roles (see ``postproof.web._security``). Imported only by the ``serve`` command:
the command line's help loads none of it."""

from __future__ import annotations

from postproof.web._app import create_app
from postproof.web._server import ServeOptions, is_loopback, serve

__all__ = ["ServeOptions", "create_app", "is_loopback", "serve"]

"""Every JSON answer of the API the tests receive, checked against the app's own OpenAPI
document: the schema of the route, method and status it answered with, no property left
undescribed. Plugged into the tests' API clients (``Served.api``) as an httpx response hook."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from jsonschema import Draft202012Validator


def strict(schema: Any) -> Any:
    """``schema`` with no property allowed beyond those it lists."""
    if isinstance(schema, dict):
        found = {key: strict(value) for key, value in schema.items()}
        if "properties" in found:
            found["additionalProperties"] = False
        return found
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


@dataclass
class AnswerChecker:
    """The document's operations as (method, path pattern) and what each answered, checked."""

    document: dict[str, Any]
    checked: set[tuple[str, str, int]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.components = strict(copy.deepcopy(self.document["components"]))
        self.routes = [
            (method, path, re.compile("^" + re.sub(r"{\w+}", "[^/]+", path) + "$"))
            for path, methods in self.document["paths"].items()
            for method in methods
        ]

    def template(self, method: str, path: str) -> str:
        for known_method, template, pattern in self.routes:
            if known_method == method and pattern.match(path):
                return template
        raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI document")

    def check(self, method: str, path: str, status: int, body: Any) -> None:
        template = self.template(method, path)
        responses = self.document["paths"][template][method]["responses"]
        answer = responses.get(str(status))
        assert answer is not None, f"{method.upper()} {template} answered {status}, undocumented"
        schema = answer["content"]["application/json"]["schema"]
        validator = Draft202012Validator({**strict(schema), "components": self.components})
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        assert not errors, (
            f"{method.upper()} {path} ({status}) does not match its schema: "
            + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])
        )
        self.checked.add((method, template, status))

    def hook(self, response: httpx.Response) -> None:
        request = response.request
        path = request.url.path
        if not path.startswith("/api/") or path == "/api/openapi.json":
            return
        if not response.headers.get("content-type", "").startswith("application/json"):
            return
        response.read()
        self.check(request.method.lower(), path, response.status_code, response.json())

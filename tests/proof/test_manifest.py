from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import pytest

from proof._keys import InstallationKey, load_or_create_key
from proof._manifest import ManifestError, canonical_json, sign_manifest, verify_manifest
from proof._note import NoteSigner, NoteVerifier

# --- RFC 8785 ----------------------------------------------------------------------------------


def test_rfc8785_property_sorting_example() -> None:
    # RFC 8785 section 3.2.3: names sort by UTF-16 code units, so the emoji (surrogate D83D)
    # comes before U+FB33, the reverse of code point order.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical_json(value) == expected.encode("utf-8")


def test_rfc8785_literals_and_string_example() -> None:
    # RFC 8785 section 3.2.2, without its "numbers" member (we do not canonicalise floats).
    value = json.loads(
        '{"string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    assert canonical_json(value) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("\x00\x01\x1f", '"\\u0000\\u0001\\u001f"'),
        ("\b\t\n\f\r", '"\\b\\t\\n\\f\\r"'),
        ("\u2028\u2029\x7f", '"\u2028\u2029\x7f"'),  # JCS leaves these literal, unlike JS engines
        ("é/<>&", '"é/<>&"'),
    ],
)
def test_string_escaping(text: str, encoded: str) -> None:
    assert canonical_json(text) == encoded.encode("utf-8")


def test_integers_nesting_and_no_whitespace() -> None:
    value = {"b": [1, -2, 0, [True, None]], "a": {"z": 9007199254740991, "y": ""}}
    assert canonical_json(value) == b'{"a":{"y":"","z":9007199254740991},"b":[1,-2,0,[true,null]]}'


@pytest.mark.parametrize(
    ("value", "error"),
    [
        (1.5, TypeError),
        ({"a": 0.0}, TypeError),
        (2**53, ValueError),
        ({1: "a"}, TypeError),
        (b"bytes", TypeError),
        ("\ud800", ValueError),
        ({1, 2}, TypeError),
    ],
)
def test_unsupported_values_are_refused(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        canonical_json(value)


# --- signing -----------------------------------------------------------------------------------

MANIFEST: dict[str, Any] = {
    "version": 1,
    "capture_id": "01JD7Y7W5M1Z",
    "url": "https://social.example/@ada/112233",
    "captured_at": "2024-11-20T10:00:00Z",
    "files": [
        {"name": "page.html", "sha256": "ab" * 32, "size": 1234},
        {"name": "screenshot.png", "sha256": "cd" * 32, "size": 98765},
    ],
    "text": "Zürich \u2028 line",
    "deleted": False,
    "note": None,
}


@pytest.fixture
def key(tmp_path: Path) -> InstallationKey:
    return load_or_create_key(tmp_path / "signing.key", name="postproof.example/install")


def test_sign_and_verify(key: InstallationKey) -> None:
    signed = sign_manifest(MANIFEST, key)
    assert signed["alg"] == "ed25519" and signed["canonicalization"] == "RFC8785"
    assert signed["key"] == key.verifier
    # The envelope survives a JSON round trip, as it will on disk.
    stored = json.loads(json.dumps(signed))
    assert verify_manifest(stored, verifier=key.verifier) == MANIFEST


def _tamper_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _tamper_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _tamper_paths(v, (*path, i))]
    return [path]


def _changed(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    return 0


@pytest.mark.parametrize("path", _tamper_paths(MANIFEST), ids=str)
def test_tampering_with_any_manifest_field_fails(
    key: InstallationKey, path: tuple[Any, ...]
) -> None:
    signed = copy.deepcopy(sign_manifest(MANIFEST, key))
    target = signed["manifest"]
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = _changed(target[path[-1]])
    with pytest.raises(ManifestError, match="signature does not match") as info:
        verify_manifest(signed, verifier=key.verifier)
    assert info.value.exit_code == 4


def test_adding_or_removing_a_manifest_field_fails(key: InstallationKey) -> None:
    signed = sign_manifest(MANIFEST, key)
    signed["manifest"]["extra"] = 1
    with pytest.raises(ManifestError, match="signature does not match"):
        verify_manifest(signed, verifier=key.verifier)
    signed = sign_manifest(MANIFEST, key)
    del signed["manifest"]["note"]
    with pytest.raises(ManifestError, match="signature does not match"):
        verify_manifest(signed, verifier=key.verifier)


def test_tampered_signature_fails(key: InstallationKey) -> None:
    signed = sign_manifest(MANIFEST, key)
    sig = signed["signature"]
    signed["signature"] = ("B" if sig[0] != "B" else "C") + sig[1:]
    with pytest.raises(ManifestError, match="signature does not match"):
        verify_manifest(signed, verifier=key.verifier)
    signed["signature"] = "not base64!"
    with pytest.raises(ManifestError, match="not valid base64"):
        verify_manifest(signed, verifier=key.verifier)
    signed["signature"] = sig[:-4]
    with pytest.raises(ManifestError, match="64-byte"):
        verify_manifest(signed, verifier=key.verifier)


def test_swapping_the_public_key_fails(key: InstallationKey) -> None:
    signed = sign_manifest(MANIFEST, key)
    other = str(NoteSigner.generate("postproof.example/install").verifier())
    # Trusting another key: the envelope names a different key.
    with pytest.raises(ManifestError, match="not the trusted key"):
        verify_manifest(signed, verifier=other)
    # An attacker swaps the envelope's key to match the key they trust us to use: still fails.
    signed["key"] = other
    with pytest.raises(ManifestError, match="signature does not match"):
        verify_manifest(signed, verifier=other)


def test_forged_envelope_with_the_attackers_own_key_fails(key: InstallationKey) -> None:
    attacker = NoteSigner.generate(key.name)
    forged = sign_manifest({**MANIFEST, "url": "https://evil.example"}, key)
    forged["signature"] = base64.b64encode(
        attacker.sign(canonical_json(forged["manifest"]))
    ).decode()
    with pytest.raises(ManifestError, match="signature does not match"):
        verify_manifest(forged, verifier=key.verifier)


@pytest.mark.parametrize("field", ["manifest", "signature", "key", "alg", "canonicalization"])
def test_missing_field_is_named(key: InstallationKey, field: str) -> None:
    signed = sign_manifest(MANIFEST, key)
    del signed[field]
    with pytest.raises(ManifestError, match=f"missing field\\(s\\): {field}"):
        verify_manifest(signed, verifier=key.verifier)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("alg", "rsa", "unsupported alg"),
        ("canonicalization", "none", "unsupported canonicalization"),
        ("manifest", [1], "not an object"),
        ("signature", 5, "not a string"),
    ],
)
def test_bad_envelope_fields(key: InstallationKey, field: str, value: Any, message: str) -> None:
    signed = sign_manifest(MANIFEST, key)
    signed[field] = value
    with pytest.raises(ManifestError, match=message):
        verify_manifest(signed, verifier=key.verifier)


def test_unexpected_envelope_field_is_refused(key: InstallationKey) -> None:
    signed = sign_manifest(MANIFEST, key)
    signed["comment"] = "unsigned"
    with pytest.raises(ManifestError, match="unexpected field\\(s\\): comment"):
        verify_manifest(signed, verifier=key.verifier)


def test_float_smuggled_into_a_stored_manifest_is_a_manifest_error(key: InstallationKey) -> None:
    signed = sign_manifest(MANIFEST, key)
    signed["manifest"]["version"] = 1.0
    with pytest.raises(ManifestError, match="cannot be canonicalised"):
        verify_manifest(signed, verifier=key.verifier)


def test_signature_is_plain_ed25519_over_canonical_json(key: InstallationKey) -> None:
    # What a third party does without postproof: JCS + Ed25519 with the published key.
    signed = sign_manifest(MANIFEST, key)
    public = NoteVerifier.from_string(key.verifier)
    assert public.verify(canonical_json(MANIFEST), base64.b64decode(signed["signature"]))

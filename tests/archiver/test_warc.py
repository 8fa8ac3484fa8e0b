"""Every capture of the fixture batch carries a WARC that ``warcio check`` accepts and that holds
the traffic and the evidence of that capture."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archiver import ArtifactKind, Status
from tests.conftest import Batch

WARCIO = Path(sys.executable).with_name("warcio")


def test_warcio_check_accepts_every_warc_of_the_batch(batch: Batch, tmp_path: Path) -> None:
    paths = []
    for name, (_capture_id, result) in batch.results.items():
        [warc] = [a for a in result.artifacts if a.kind == ArtifactKind.WARC]
        path = tmp_path / f"{name}.warc.gz"
        path.write_bytes(warc.data)
        paths.append(str(path))
    done = subprocess.run(
        [str(WARCIO), "check", "-v", *paths], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert done.stdout.count("digest pass") > 3 * len(paths)
    assert "digest fail" not in done.stdout


def test_each_warc_holds_the_capture_s_evidence(batch: Batch) -> None:
    for name, (_capture_id, result) in batch.results.items():
        [warc] = [a for a in result.artifacts if a.kind == ArtifactKind.WARC]
        resources: dict[str, str] = {}
        responses = 0
        for record in ArchiveIterator(io.BytesIO(warc.data)):
            uri = record.rec_headers.get_header("WARC-Target-URI") or ""
            body = record.content_stream().read()
            if record.rec_type == "resource":
                resources[uri.split(":")[2]] = hashlib.sha256(body).hexdigest()
            responses += record.rec_type == "response"
        expected = {
            a.kind.value: a.sha256
            for a in result.artifacts
            if a.kind not in (ArtifactKind.WARC, ArtifactKind.MEDIA) and a.source_url is None
        }
        assert resources == expected, name
        if result.status is Status.OK:
            assert responses >= 1, name

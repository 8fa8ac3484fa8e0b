"""Blob throughput in an S3-compatible store (boto3 against a throwaway SeaweedFS on loopback)
against the local blob store, in one run.

For small blobs (10 KB, the size of a page's text or headers) and large ones (5 MB, a
full-page screenshot or a short video), writes COUNT distinct blobs through each store's
``put`` (S3: ``If-None-Match: *`` with Content-MD5; local: temp file, fsync, hard link), then
reads each back through ``read``, and then hashes them all as ``verify --all`` does
(``digest``, streaming). Each step is run REPEAT times on fresh blobs and the best time kept
(the machine is shared: the best run is the least disturbed). Prints blobs and MB per second and
the S3 store's ratio to the local one. One writer, one reader: the figures of a single capture
run, not of many workers.

Nothing is asserted: the figures are for people to read.

    .venv/bin/python bench/blobs_bench.py --small 500 --large 40 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from storage import BlobStore, S3BlobStore, S3Location  # noqa: E402
from storage._blobs import Blobs  # noqa: E402
from tests.shared.seaweed import REGION, Seaweed  # noqa: E402

BUCKET = "bench"


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(store: Blobs, blobs: list[bytes]) -> dict[str, float]:
    """Seconds to put, read and digest every blob."""
    shas: list[str] = []
    put = timed(lambda: shas.extend(store.put(data) for data in blobs))
    read = timed(lambda: [store.read(sha) for sha in shas])
    digest = timed(lambda: [store.digest(sha) for sha in shas])
    return {"put": put, "read": read, "digest": digest}


def best(runs: list[dict[str, float]]) -> dict[str, float]:
    return {step: min(run[step] for run in runs) for step in runs[0]}


def report(
    label: str, size: int, count: int, local: dict[str, float], s3: dict[str, float]
) -> None:
    megabytes = size * count / 1e6
    for step in ("put", "read", "digest"):
        rates = [(count / t, megabytes / t) for t in (local[step], s3[step])]
        print(
            f"{label:>6} {step:<6} local {rates[0][0]:8.0f}/s {rates[0][1]:7.1f} MB/s   "
            f"s3 {rates[1][0]:8.0f}/s {rates[1][1]:7.1f} MB/s   "
            f"s3/local {local[step] / s3[step]:5.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=500, help="how many 10 KB blobs")
    parser.add_argument("--large", type=int, default=40, help="how many 5 MB blobs")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each step; best kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="blobs-bench-") as work:
        server = Seaweed(Path(work, "seaweed"))
        with server:
            server.create_bucket(BUCKET)
            for name, value in server.env().items():
                os.environ[name] = value
            print(f"SeaweedFS at {server.endpoint}; local store in {work}")
            for label, size, count in (
                ("10 KB", 10_000, args.small),
                ("5 MB", 5_000_000, args.large),
            ):
                local = BlobStore(Path(work, f"local-{size}"))
                s3 = S3BlobStore(
                    S3Location(BUCKET, f"{size}/"), endpoint_url=server.endpoint, region=REGION
                )
                runs: dict[str, list[dict[str, float]]] = {"local": [], "s3": []}
                for _run in range(args.repeat):
                    blobs = [os.urandom(size) for _ in range(count)]  # fresh: no blob stored yet
                    runs["local"].append(measure(local, blobs))
                    runs["s3"].append(measure(s3, blobs))
                report(label, size, count, best(runs["local"]), best(runs["s3"]))


if __name__ == "__main__":
    main()

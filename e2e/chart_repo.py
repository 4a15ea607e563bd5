"""The stand-in charts (e2e/charts/), packaged and served as a Helm repository on loopback.

The program's Helm Releases fetch from `chart.repository` with Helm's own downloader
(pulumi-kubernetes reads a local chart only when the repo URL is empty), so the stack's
repository values point here and the real download path is used.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

CHARTS = Path(__file__).resolve().parent / "charts"


def package(chart_dir: Path, out: Path) -> tuple[dict, Path]:
    """`helm package`: a gzipped tar whose top folder is the chart's name."""
    meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text())
    archive = out / f"{meta['name']}-{meta['version']}.tgz"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(chart_dir.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=f"{meta['name']}/{path.relative_to(chart_dir)}")
    archive.write_bytes(buffer.getvalue())
    return meta, archive


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


class ChartRepository:
    def __init__(self, workdir: Path):
        self.root = workdir / "charts"
        self.root.mkdir(parents=True, exist_ok=True)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(self.root)))
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        entries: dict[str, list[dict]] = {}
        for chart_dir in sorted(p for p in CHARTS.iterdir() if (p / "Chart.yaml").exists()):
            meta, archive = package(chart_dir, self.root)
            entries.setdefault(meta["name"], []).append({
                **meta, "urls": [self.url + archive.name], "created": "2026-01-01T00:00:00Z",
                "digest": hashlib.sha256(archive.read_bytes()).hexdigest()})
        (self.root / "index.yaml").write_text(yaml.safe_dump(
            {"apiVersion": "v1", "entries": entries, "generated": "2026-01-01T00:00:00Z"}))
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "ChartRepository":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

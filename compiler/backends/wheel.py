"""A wheel of a generated module, so that an application does `pip install` and `import cpcp026`.

The wheel is written here with `zipfile` by the wheel format (PEP 427 and the core metadata
spec): the module (the pure file, or its native build), and a `.dist-info` folder with METADATA,
WHEEL and a RECORD of sha256 digests. A build backend (setuptools in a temporary project) would
do the same in a subprocess, slower, and write timestamps into the archive; these few files are
simple enough to write exactly and reproducibly (the same pack gives the same bytes).
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import sysconfig
import zipfile
from dataclasses import dataclass
from pathlib import Path

_VERSION = re.compile(r"(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?\Z")
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
_EPOCH = (1980, 1, 1, 0, 0, 0)


class WheelError(Exception):
    pass


@dataclass(frozen=True)
class Distribution:
    """What the wheel says of itself: the pack's name and version, a summary, the generator."""

    name: str
    version: str
    summary: str
    generator: str


def native_tag() -> str:
    """The wheel tag of an extension built for this interpreter, e.g. cp311-cp311-linux_x86_64."""
    python = f"cp{sys.version_info.major}{sys.version_info.minor}"
    platform = re.sub(r"[^A-Za-z0-9_]", "_", sysconfig.get_platform())
    return f"{python}-{python}-{platform}"


def wheel_name(dist: Distribution, tag: str) -> str:
    return f"{re.sub(r'[-_.]+', '_', dist.name)}-{dist.version}-{tag}.whl"


def check(dist: Distribution) -> None:
    if not _NAME.match(dist.name):
        raise WheelError(f"the pack's name {dist.name!r} cannot name a distribution")
    if not _VERSION.match(dist.version):
        raise WheelError(f"the pack's version {dist.version!r} is not a version a wheel can carry "
                         "(PEP 440, e.g. 1.0 or 2.1rc1)")


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{path},sha256={digest},{len(data)}"


def write_wheel(dist: Distribution, files: dict[str, bytes], out_dir: Path, native: bool) -> Path:
    """Write the wheel of `files` (archive path -> content) into `out_dir`; its path."""
    check(dist)
    tag = native_tag() if native else "py3-none-any"
    info = f"{re.sub(r'[-_.]+', '_', dist.name)}-{dist.version}.dist-info"
    summary = " ".join(dist.summary.split())
    metadata = (f"Metadata-Version: 2.1\nName: {dist.name}\nVersion: {dist.version}\nSummary: {summary}\n"
                f"Requires-Python: >={sys.version_info.major}.{sys.version_info.minor}\n")
    wheel = (f"Wheel-Version: 1.0\nGenerator: {dist.generator}\nRoot-Is-Purelib: {'false' if native else 'true'}\n"
             f"Tag: {tag}\n")
    contents = {**files, f"{info}/METADATA": metadata.encode("utf-8"), f"{info}/WHEEL": wheel.encode("utf-8")}
    record = [_record_line(path, data) for path, data in contents.items()] + [f"{info}/RECORD,,"]
    contents[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode("utf-8")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / wheel_name(dist, tag)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            entry = zipfile.ZipInfo(path, _EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return target

"""`agent bundle`: the agent as one file for servers without internet access.

A zipapp (PEP 441) holding the agent's code, the wire package, and psutil's wheels for x86_64
and aarch64 manylinux (abi3: one wheel for every CPython from 3.6), with `bundle_main` as its
``__main__``. The wheels come from ``--wheels DIR`` or are downloaded by pip, at the version
of psutil this agent runs with. Entries carry a fixed time, so the same inputs give the same
file.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import agent
from agent import __version__

PLATFORMS = {"x86_64": "manylinux2014_x86_64", "aarch64": "manylinux2014_aarch64"}
OLDEST_PYTHON = "3.8"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)


def psutil_version() -> str:
    from importlib.metadata import version

    return version("psutil")


def find_wheels(directory: Path, version: str) -> dict[str, Path]:
    """psutil's abi3 manylinux wheel of ``version`` for each machine, from ``directory``."""
    found: dict[str, Path] = {}
    for machine in PLATFORMS:
        matches = sorted(directory.glob(f"psutil-{version}-cp3*-abi3-manylinux*_{machine}.whl"))
        if not matches:
            raise FileNotFoundError(f"no psutil {version} abi3 manylinux wheel for {machine} "
                                    f"in {directory}")
        found[machine] = matches[-1]
    return found


def download_wheels(directory: Path, version: str) -> dict[str, Path]:
    """psutil's wheels, fetched by pip (for the oldest Python the agent supports)."""
    for platform_tag in PLATFORMS.values():
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet",
                        "--disable-pip-version-check", f"psutil=={version}",
                        "--only-binary=:all:", "--no-deps", "--platform", platform_tag,
                        "--python-version", OLDEST_PYTHON, "--implementation", "cp",
                        "--abi", "abi3", "--dest", str(directory)], check=True, timeout=300)
    return find_wheels(directory, version)


def _sources() -> list[tuple[str, Path]]:
    """(name in the archive, file) of the modules of the agent and the packages it imports."""
    import pantau_units
    import pantau_wire

    found = []
    for package in (agent, pantau_units, pantau_wire):
        root = Path(package.__file__).parent
        for path in sorted(root.glob("*.py")):
            if path.name not in ("bundle.py", "bundle_main.py"):
                found.append((f"{root.name}/{path.name}", path))
    return found


def build(out: Path, wheels: dict[str, Path], version: str) -> Path:
    """Write the bundle to ``out`` (replaced whole); ``out``."""
    manifest = {"agent": __version__, "psutil": version, "wheels": {
        machine: {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        for machine, path in wheels.items()}}
    start = (Path(agent.__file__).parent / "bundle_main.py").read_text(encoding="utf-8")
    if "\nMANIFEST = None\n" not in start:
        raise RuntimeError("bundle_main.py has no 'MANIFEST = None' line to fill in")
    start = start.replace("\nMANIFEST = None\n", "\nMANIFEST = " + json.dumps(
        manifest, indent=4, sort_keys=True) + "\n", 1)
    entries: list[tuple[str, bytes]] = [
        ("__main__.py", start.encode()),
        ("bundle.json", json.dumps(manifest, indent=2, sort_keys=True).encode()),
        *((name, path.read_bytes()) for name, path in _sources()),
        *((f"wheels/{path.name}", path.read_bytes()) for path in wheels.values()),
    ]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".bundle-", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(b"#!/usr/bin/env python3\n")
            with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in entries:
                    info = zipfile.ZipInfo(name, _FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    info.external_attr = 0o644 << 16
                    archive.writestr(info, data)
        os.chmod(temporary, 0o755)
        os.replace(temporary, out)
    except BaseException:
        os.unlink(temporary)
        raise
    return out


def main(out: str, wheels_dir: str | None) -> int:
    version = psutil_version()
    try:
        if wheels_dir is not None:
            wheels = find_wheels(Path(wheels_dir), version)
            path = build(Path(out), wheels, version)
        else:
            with tempfile.TemporaryDirectory() as directory:
                path = build(Path(out), download_wheels(Path(directory), version), version)
    except (OSError, subprocess.SubprocessError) as err:
        print(f"agent bundle: {err}", file=sys.stderr)
        return 1
    size = path.stat().st_size
    print(f"{path}: pantau agent {__version__} with psutil {version} for "
          f"{' and '.join(PLATFORMS)} ({size / 1024:.0f} KiB); on the server: "
          f"sudo python3 {path.name} install --collector URL --name NAME --site SITE "
          "--token-file NAME.token")
    return 0

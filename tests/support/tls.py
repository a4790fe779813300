"""A throwaway certificate authority and server certificate, made with the openssl command."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class TestPki:
    __test__ = False

    ca_file: Path
    cert_file: Path
    key_file: Path
    other_ca_file: Path
    """A second CA that signed nothing here: trusting it must fail."""


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _ca(directory: Path, name: str, days: int = 2) -> tuple[Path, Path]:
    key, cert = directory / f"{name}.key", directory / f"{name}.pem"
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-days", str(days), "-subj", f"/CN=Pantau test {name}",
             "-keyout", str(key), "-out", str(cert), cwd=directory)
    return key, cert


def make_pki(directory: Path, addresses: tuple[str, ...] = ("127.0.0.1",),
             days: int = 2) -> TestPki:
    """A CA, and a server certificate it signed for ``addresses`` (IP subject alt names),
    valid from now for ``days``."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is missing (Debian package openssl)")
    directory.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ca(directory, "ca", days + 1)
    _, other = _ca(directory, "other-ca")
    server_key, request, cert = (directory / name for name in ("server.key", "server.csr",
                                                                "server.pem"))
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-subj", "/CN=pantau-collector", "-keyout", str(server_key), "-out", str(request),
             cwd=directory)
    extensions = directory / "server.ext"
    extensions.write_text("subjectAltName=" + ",".join(f"IP:{a}" for a in addresses) + "\n"
                          "extendedKeyUsage=serverAuth\n")
    _openssl("x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey", str(ca_key),
             "-CAcreateserial", "-days", str(days), "-extfile", str(extensions), "-out", str(cert),
             cwd=directory)
    return TestPki(ca_cert, cert, server_key, other)

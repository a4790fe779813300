"""The collector's HTTPS: a server context from the configured certificate and key."""

from __future__ import annotations

import ssl

from collector.config import CollectorSettings
from collector.errors import TlsSetupError


def server_context(settings: CollectorSettings) -> ssl.SSLContext | None:
    """None when no certificate is configured (plain HTTP); raises TlsSetupError when the
    certificate or key cannot be used, naming the file and the reason."""
    if settings.tls_cert_file is None or settings.tls_key_file is None:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(settings.tls_cert_file, settings.tls_key_file)
    except OSError as err:
        raise TlsSetupError(f"cannot read {err.filename or settings.tls_cert_file}: "
                            f"{err.strerror}") from None
    except ssl.SSLError as err:
        raise TlsSetupError(f"cannot use {settings.tls_cert_file} with {settings.tls_key_file}:"
                            f" {err.reason or err}") from None
    return context

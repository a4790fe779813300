"""Opening the collector's SQLite files (report log, outbox, outage log) the same way."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from collector.errors import DataError


def open_database(path: Path, schema: str, synchronous: str = "FULL",
                  version: int = 1) -> sqlite3.Connection:
    """The database at ``path`` (created, with its directory, if missing) with ``schema``.

    WAL lets readers go on while one thread writes; autocommit, so that every statement is
    on disk when it returns (as ``synchronous`` says). A file or directory that cannot be
    used is a DataError naming it.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.executescript(schema)
        db.execute(f"PRAGMA user_version={version}")
    except (OSError, sqlite3.Error) as err:
        raise DataError(f"cannot open {path}: {err} (is collector.data_dir writable by the "
                        "collector's user?)") from err
    return db

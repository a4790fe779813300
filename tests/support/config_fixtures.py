"""The config fixtures: each invalid one states the errors it must produce."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "config"
INVALID = sorted(FIXTURES.glob("invalid-*.yml"))


def expected_errors(path: Path) -> list[str]:
    """The fixture's ``# expect:`` lines, with ``{file}`` standing for its path."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        line.removeprefix("# expect: ").replace("{file}", str(path))
        for line in lines
        if line.startswith("# expect: ")
    ]

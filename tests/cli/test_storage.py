"""`canopy storage check` as an administrator runs it: its report, its exit status, and what
`--repair` removes (the check itself is tested in-process in tests/files)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from tests.fixtures.processes import Canopy, assert_error, describe

ORPHAN_ERROR = "the storage check found 1 orphan objects"


def _place(root: Path, key: str, age: float) -> Path:
    """A file in the store that no row references, last changed ``age`` seconds ago."""
    path = root.joinpath(*key.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 orphan")
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def test_storage_check_reports_old_orphans_and_repair_removes_only_them(
    migrated: Canopy,
) -> None:
    root = migrated.var_dir / "files"
    old = _place(root, "documents/2026/11/old.pdf", age=2 * 3600)
    young = _place(root, "documents/2026/11/young.pdf", age=60)
    leftover = _place(root, "documents/2026/11/.lost.pdf.x1y2.tmp", age=2 * 3600)

    found = migrated.run("storage", "check", "--json")

    assert found.returncode == 1, describe(found)
    assert found.stderr == f"error: {ORPHAN_ERROR}, 1 leftovers\n"
    report = json.loads(found.stdout)
    assert report["clean"] is False
    assert report["orphans"]["count"] == 1
    assert report["orphans"]["items"][0]["key"] == "documents/2026/11/old.pdf"
    assert report["recent"]["count"] == 1
    assert report["leftovers"]["items"] == [{"name": "documents/2026/11/.lost.pdf.x1y2.tmp"}]
    assert all(path.exists() for path in (old, young, leftover))

    repaired = migrated.json("storage", "check", "--repair")
    assert repaired["clean"] is True
    assert (repaired["orphans"]["removed"], repaired["leftovers"]["removed"]) == (1, 1)
    assert not any(path.exists() for path in (old, leftover))
    assert young.exists()  # an upload may be about to commit it

    everything = migrated.json("storage", "check", "--repair", "--grace", "0")
    assert everything["orphans"]["removed"] == 1
    assert not young.exists()
    human = migrated.ok("storage", "check")
    assert "0 objects" in human.stdout, describe(human)
    assert "all is well" in human.stdout, describe(human)


def test_storage_check_refuses_a_missing_folder_and_a_bad_grace(migrated: Canopy) -> None:
    missing = migrated.run("storage", "check")
    bad = migrated.run("storage", "check", "--grace", "soon")

    assert_error(
        missing,
        f"cannot use the storage: storage folder {(migrated.var_dir / 'files').absolute()} "
        "does not exist",
    )
    assert bad.returncode == 2, describe(bad)
    assert "'soon' is not a duration such as 90s, 30m, 1h or 2d" in bad.stderr

"""Safety of a dataset's output folder: one run at a time (an exclusive lock), no foreign files
overwritten, no symlinked sub-folders followed, and label files validated on resume.

Used by :class:`~synth3d.writers.dataset.DatasetWriter`; stays free of its imports (so the
shared helpers can move without a cycle).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import DatasetError

LOCK_NAME = ".synth3d.lock"
"""The lock file in an output folder (holds the PID of the run that has the folder)."""

DATA_DIRS = (
    "rgb",
    "depth",
    "instance",
    "scene",
    "annotations",
    "normals",
    "contours",
    "semantic",
    "styles",
)
"""Sub-folders a run writes frames into: they must be real folders inside OUT, never links."""


class FolderLock:
    """An exclusive ``flock`` on ``OUT/.synth3d.lock`` for the life of a run.

    The kernel drops the lock when the process ends, however it ends (``kill -9`` included), so a
    stale lock file never blocks the next run; the PID written into it is only for the message
    the second run prints. A clean release deletes the file, so a finished dataset holds none
    (and is the same bytes as one written without interruption)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return self
        for _attempt in range(100):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise DatasetError(
                    str(self.path.parent), f"cannot create its lock file ({e.strerror or e})"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                try:
                    other = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
                finally:
                    os.close(fd)
                raise DatasetError(
                    str(self.path.parent),
                    f"is in use by another synth3d run "
                    f"(PID {other}); wait for it to finish or stop it — two "
                    "runs into one folder would lose frames",
                ) from None
            # The holder before us may have deleted the file between our open and our flock:
            # then we locked an orphan, and must lock the file now at the path instead.
            try:
                same = os.path.samestat(os.fstat(fd), os.stat(self.path))
            except OSError:
                same = False
            if same:
                break
            os.close(fd)
        else:
            raise DatasetError(
                str(self.path.parent), "cannot lock the folder (its lock file keeps changing)"
            )
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            try:
                os.unlink(self.path)  # while still locked: nobody can be holding this file
            except OSError:
                pass
            try:
                os.close(fd)  # closing drops the flock
            except OSError:
                pass

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self.release()

    def __del__(self):
        self.release()


def check_new_folder(out: Path) -> None:
    """Refuse an existing folder that holds no synth3d dataset (no ``dataset.json``) but holds
    files — also inside ``rgb/``, ``depth/``, ``scene/``, … — so a user's own files are never
    overwritten. Empty sub-folders and the lock file are fine."""
    if not out.is_dir():
        return
    for p in sorted(out.iterdir()):
        if p.name == LOCK_NAME:
            continue
        if p.name not in DATA_DIRS or p.is_symlink() or not p.is_dir():
            raise DatasetError(
                str(out),
                f"is not empty ({p.name} …) and holds no synth3d "
                "dataset; choose a new or empty folder",
            )
        inside = next(iter(sorted(p.rglob("*"), key=str)), None)
        if inside is not None:
            raise DatasetError(
                str(out),
                f"holds {inside.relative_to(out)} but no synth3d dataset "
                "(no dataset.json); choose a new or empty folder",
            )


def check_no_links(out: Path) -> None:
    """Refuse sub-folders of OUT that are symbolic links (frames would land outside OUT)."""
    for name in DATA_DIRS:
        p = out / name
        if p.is_symlink():
            raise DatasetError(
                str(p),
                f"is a symbolic link (to {os.readlink(p)}); synth3d writes "
                "frames only into real folders inside the output folder — "
                "remove the link or choose another folder",
            )


def _valid_manifest_row(r) -> bool:
    if not (
        isinstance(r, dict)
        and isinstance(r.get("index"), int)
        and isinstance(r.get("files"), dict)
        and all(isinstance(v, str) for v in r["files"].values())
    ):
        return False
    # A frame skipped by the layout failure policy has no files, only its reason.
    if isinstance(r.get("skipped"), str):
        return not r["files"]
    return {"rgb", "depth", "instance", "scene"} <= set(r["files"])


def _valid_label_row(r) -> bool:
    return (
        isinstance(r, dict)
        and isinstance(r.get("index"), int)
        and isinstance(r.get("annotations"), list)
        and isinstance(r.get("file_name"), str)
    )


ROW_CHECKS = {"manifest": _valid_manifest_row, "labels": _valid_label_row}


def check_jsonl(path: Path, kind: str) -> tuple[int, str | None]:
    """Validate an append-only JSON-lines file of a dataset (``kind``: ``manifest`` or
    ``labels``) before a run appends to it.

    A torn or unreadable *last* line is what a crash mid-write leaves: it is cut off (so the
    frame is rendered again) and described in the returned note. Any other bad line means the
    file is not synth3d's (or was edited): DatasetError naming the file and line.

    Returns (number of valid rows, note or None)."""
    if not path.exists():
        return 0, None
    if path.is_symlink() or not path.is_file():
        raise DatasetError(str(path), "is not a regular file; synth3d does not write through links")
    data = path.read_bytes()
    lines = data.split(b"\n")
    ends_clean = data.endswith(b"\n") or not data
    body = lines[:-1]  # complete lines; lines[-1] is b"" or the torn tail
    tail = b"" if ends_clean else lines[-1]
    check = ROW_CHECKS[kind]
    good = 0
    cut_at = None
    for no, line in enumerate(body, 1):
        try:
            ok = check(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError):
            if no == len(body) and not tail:  # a torn last line that did get its newline
                cut_at = sum(len(x) + 1 for x in body[:-1])
                break
            ok = False
        if ok:
            good += 1
            continue
        raise DatasetError(
            str(path),
            f"line {no} is not a synth3d {kind} row; the file was not "
            "written by synth3d (or was edited) — use a new folder",
        )
    if tail and cut_at is None:
        cut_at = len(data) - len(tail)
    if cut_at is None:
        return good, None
    from .files import atomic_write

    atomic_write(path, data[:cut_at])
    return good, (
        f"{path.name}: dropped a torn last line ({len(data) - cut_at} bytes, from an "
        "interrupted write); its frame will be rendered again"
    )

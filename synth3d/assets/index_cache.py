"""The catalog's index cache: a mesh file is opened once, ever.

For every mesh file the catalog needs a few facts — its bounds and hull points (for placement
and normalisation), triangle count, materials, missing textures, or why it fails to load. They
are kept in one SQLite file (``$SYNTH3D_CACHE_DIR/catalog.sqlite``, default
``~/.cache/synth3d``; ``SYNTH3D_CACHE_DIR=off`` disables it) keyed by the file's absolute path,
size and mtime and those of the files it depends on (``.mtl`` files, textures, a URDF's meshes).
A file copied or moved elsewhere is found again by its content hash (the bytes of the file and
its dependencies), so a relocated library is not indexed again.

Facts are stored exactly (float64 arrays), so a cached start-up gives the same SceneSpecs as an
uncached one.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading

import numpy as np

SCHEMA = 3
_lock = threading.Lock()


class MeshFacts:
    """What the catalog knows about one mesh file.

    ``hull`` (N, 3) float64: the points whose box and lowest point placement uses (the convex
    hull's vertices, or all vertices of small meshes), in the asset's own coordinates;
    ``bounds`` (2, 3) float64: the box of all vertices; ``triangles``; ``materials`` (parts,
    textured parts, vertex-coloured parts, missing files, normal maps, textures); ``error``: why
    it cannot be used; ``deps``: ``[relative path, size, mtime_ns]`` of the files it depends on."""

    __slots__ = ("_materials", "bounds", "deps", "error", "hull", "triangles")

    def __init__(
        self,
        hull,
        bounds,
        triangles: int = 0,
        materials=None,
        error: str | None = None,
        deps: list | None = None,
    ):
        self.hull, self.bounds, self.triangles = hull, bounds, triangles
        self._materials = materials if materials is not None else {}
        self.error, self.deps = error, deps if deps is not None else []

    @property
    def materials(self) -> dict:
        if isinstance(self._materials, str):  # parsed when first asked for (reports, warnings)
            self._materials = json.loads(self._materials)
        return self._materials

    @property
    def missing(self) -> list:
        """Missing texture and material files (absolute)."""
        if isinstance(self._materials, str) and '"missing": []' in self._materials:
            return []
        return self.materials.get("missing", [])

    def to_row(self) -> tuple:
        blob = b""
        if self.hull is not None:
            blob = (
                np.ascontiguousarray(self.bounds, "<f8").tobytes()
                + np.ascontiguousarray(self.hull, "<f8").tobytes()
            )
        return (
            blob,
            int(self.triangles),
            self.error,
            json.dumps(self.deps) if self.deps else "",
            json.dumps(self.materials),
        )

    @classmethod
    def from_row(cls, blob: bytes, triangles: int, error, deps: str, materials: str) -> MeshFacts:
        hull = bounds = None
        if blob:
            arr = np.frombuffer(blob, "<f8")
            bounds = arr[:6].reshape(2, 3)
            hull = arr[6:].reshape(-1, 3)
        return cls(hull, bounds, triangles, materials, error, json.loads(deps) if deps else [])


def _stat(path: str) -> tuple[int, int]:
    try:
        st = os.stat(path)
        return st.st_size, st.st_mtime_ns
    except OSError:
        return -1, -1


def content_hash(path: str, deps: list) -> str:
    """sha1 of the file's bytes and those of its dependencies (missing ones count as absent)."""
    h = hashlib.sha1()
    base = os.path.dirname(path)
    for p in [path] + [os.path.join(base, d[0]) for d in deps]:
        h.update(os.path.basename(p).encode() + b"\0")
        try:
            with open(p, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    h.update(chunk)
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def cache_file() -> str | None:
    d = os.environ.get("SYNTH3D_CACHE_DIR")
    if d and d.lower() in ("off", "0", "none", "false"):
        return None
    d = d or os.path.join(os.path.expanduser("~"), ".cache", "synth3d")
    return os.path.join(d, "catalog.sqlite")


class IndexCache:
    """Facts of mesh files, cached on disk (see the module doc). ``compute(path)`` returns
    ``MeshFacts`` for a file not in the cache (or changed)."""

    def __init__(self, path: str | None = None, enabled: bool = True):
        self.path = (path or cache_file()) if enabled else None
        self.hits = self.misses = 0
        self._db = None
        self._pending: list[tuple] = []
        if self.path:
            try:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS files3 (path TEXT PRIMARY KEY, "
                    "size INT, mtime INT, hash TEXT, schema INT, blob BLOB, "
                    "triangles INT, error TEXT, deps TEXT, materials TEXT)"
                )
                self._db.execute("CREATE INDEX IF NOT EXISTS files3_hash ON files3(hash)")
                self._db.commit()
            except sqlite3.Error:
                self._db = None  # an unwritable cache folder just means no cache

    def _rows(self, paths: list[str]) -> dict[str, tuple]:
        out: dict[str, tuple] = {}
        if self._db is None:
            return out
        with _lock:
            for i in range(0, len(paths), 900):
                part = paths[i : i + 900]
                q = (
                    "SELECT path, size, mtime, hash, schema, blob, triangles, error, deps, "
                    "materials FROM files3 WHERE path IN "
                    f"({','.join('?' * len(part))})"
                )
                for r in self._db.execute(q, part):
                    out[r[0]] = r[1:]
        return out

    def _by_hash(self, h: str):
        if self._db is None:
            return None
        with _lock:
            return self._db.execute(
                "SELECT blob, triangles, error, deps, materials FROM files3 "
                "WHERE hash = ? AND schema = ? LIMIT 1",
                (h, SCHEMA),
            ).fetchone()

    def facts(self, paths: list[str], compute, deps_of) -> dict[str, MeshFacts]:
        """Facts of every path: from the cache when the file and its dependencies are
        unchanged (or a file with the same content was indexed), else ``compute(path)``
        (stored). ``deps_of(path)`` lists a file's dependencies (absolute) when indexing."""
        rows = self._rows(paths)
        out: dict[str, MeshFacts] = {}
        for p in paths:
            r = rows.get(p)
            size, mtime = _stat(p)
            if r is not None and r[3] == SCHEMA and r[0] == size and r[1] == mtime:
                f = MeshFacts.from_row(*r[4:])
                base = os.path.dirname(p)
                if all(list(_stat(os.path.join(base, d[0]))) == [d[1], d[2]] for d in f.deps):
                    out[p] = f
                    self.hits += 1
                    continue
            self.misses += 1
            deps = [[os.path.relpath(d, os.path.dirname(p)), *_stat(d)] for d in deps_of(p)]
            h = content_hash(p, deps)
            old = self._by_hash(h)
            if old is not None:
                f = MeshFacts.from_row(*old)
                f.deps = deps
            else:
                f = compute(p)
                f.deps = deps
            out[p] = f
            self._pending.append((p, size, mtime, h, SCHEMA, *f.to_row()))
        self.flush()
        return out

    def flush(self) -> None:
        if self._db is None or not self._pending:
            self._pending.clear()
            return
        try:
            with _lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO files3 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    self._pending,
                )
                self._db.commit()
        except sqlite3.Error:
            pass  # a read-only or busy cache costs time, never correctness
        self._pending.clear()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

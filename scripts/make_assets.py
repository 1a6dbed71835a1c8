"""Regenerate synth3d's bundled procedural assets into the repository root (or a folder given as
the first argument): the generators live in ``tools/assetgen``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # repo root: synth3d and tools
from tools.assetgen.export import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)

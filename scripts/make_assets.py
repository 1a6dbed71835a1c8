"""Regenerate synth3d's bundled procedural assets into the repository root."""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # repo root, for a source checkout
from synth3d.assets.procedural import main  # noqa: E402

if __name__ == "__main__":
    main()

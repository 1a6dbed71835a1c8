"""``python -m tools.assetgen [ROOT]``: regenerate the bundled assets (default: the repository)."""

import sys

from .export import main

main(sys.argv[1] if len(sys.argv) > 1 else None)

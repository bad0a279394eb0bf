"""`python -m backend serve|process` (CONTRACTS §8)."""

from __future__ import annotations

import sys

from backend.commands import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Imported first by every benchmark script, before anything else.

`python benchmarks/<name>.py` puts this folder first on sys.path, where `benchmarks/inspect.py` would shadow
the standard library's `inspect` (and break numpy, dataclasses...). Swap it for the repository root.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

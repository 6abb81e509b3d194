"""Model versions per module: which one serves, and how challengers become champions.

`champion.py` (the pointer serving code reads), `versions.py` (record, promote, roll back), `gate.py`,
`overview.py` (one row per module for the Models page), `models.py` (the types they return).
"""

from suite.registry.champion import champion_dir, champion_version, set_champion

__all__ = ["champion_dir", "champion_version", "set_champion"]

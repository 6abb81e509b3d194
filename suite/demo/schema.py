"""The demo loader's own tables: what each load was made from, and how far the sample dates were moved."""

MIGRATIONS: list[str] = [
    # 1: one row per distinct set of inputs loaded (a repeat with the same fingerprint skips the work), and the
    # number of days each sample file's dates are moved forward (fixed at the first load, so reloads de-duplicate)
    """
    CREATE TABLE IF NOT EXISTS demo_loads (
        fingerprint VARCHAR PRIMARY KEY,
        loaded_at TIMESTAMPTZ NOT NULL,
        seconds DOUBLE,
        reports JSON
    );
    CREATE TABLE IF NOT EXISTS demo_shifts (
        name VARCHAR PRIMARY KEY,
        days INTEGER NOT NULL,
        last_day DATE NOT NULL,
        set_at TIMESTAMPTZ NOT NULL
    );
    """,
]

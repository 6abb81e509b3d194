"""Training jobs: a queue in the `jobs` table (retraining and training on uploaded data), a per-module lock in the
store, live progress and cancel (`control.py`), a scheduled worker (`runner.py`, `schedule.py`)."""

"""Training jobs: a queue in the `jobs` table (retraining and training on uploaded data), a per-module lock in the
store, live progress and cancel (`control.py`, `live.py`), a scheduled worker (`runner.py`, `schedule.py`) with its
heartbeat (`workers.py`) and chores (`housekeeping.py`), and the supervisor that runs it beside the dashboard for
`suite serve` (`supervisor.py`)."""

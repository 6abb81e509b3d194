"""When the worker retrains a module on its own: nightly, or once enough new accepted feedback has piled up.

Settings: `retrain_hour` (`SUITE_RETRAIN_HOUR`, 0-23 UTC hour of the nightly run, None/`off` disables it),
`retrain_min_feedback` (`SUITE_RETRAIN_MIN_FEEDBACK`, retrain as soon as this many newly accepted feedback items
wait; 0 disables), `worker_poll_s` (`SUITE_WORKER_POLL_S`, seconds between checks). A nightly run is skipped
when no feedback was accepted since the last successful retraining. Only retraining jobs count here: a training
on an uploaded data set does not use the feedback.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from suite.settings import Settings
from suite.store import Store, now


@dataclass(frozen=True)
class Schedule:
    nightly_hour: int | None = 2
    min_feedback: int = 20
    poll_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        return cls(settings.retrain_hour, settings.retrain_min_feedback, settings.worker_poll_s)


def new_accepted_feedback(store: Store, module: str) -> int:
    """Accepted feedback reviewed after the start of the module's last successful retraining."""
    return int(
        store.scalar(
            """SELECT count(*) FROM feedback WHERE module = ? AND review_state = 'accepted'
               AND reviewed_at > coalesce((SELECT max(started_at) FROM jobs WHERE module = ? AND kind = 'retrain'
                                           AND state = 'succeeded'), TIMESTAMPTZ '1970-01-01 00:00:00+00')""",
            [module, module],
        )
        or 0
    )


def due(store: Store, schedule: Schedule, modules: list[str], at: datetime | None = None) -> list[tuple[str, str]]:
    """(module, reason) for each module the schedule says to retrain now."""
    at = at or now()
    result = []
    for module in modules:
        failed_lately = store.scalar(
            """SELECT count(*) FROM jobs WHERE module = ? AND kind = 'retrain' AND state = 'failed'
               AND finished_at > ? - INTERVAL 1 HOUR""",
            [module, at],
        )
        if failed_lately:
            continue  # do not retry a failing retraining every minute; a person can press "retrain now"
        waiting = new_accepted_feedback(store, module)
        if schedule.min_feedback > 0 and waiting >= schedule.min_feedback:
            result.append((module, f"{waiting} newly accepted feedback items (threshold {schedule.min_feedback})"))
            continue
        if schedule.nightly_hour is None or waiting == 0 or at.hour < schedule.nightly_hour:
            continue
        tonight = at.replace(hour=schedule.nightly_hour, minute=0, second=0, microsecond=0)
        last = store.scalar("SELECT max(created_at) FROM jobs WHERE module = ? AND kind = 'retrain'", [module])
        if last is None or last < tonight:
            result.append((module, f"nightly run at {schedule.nightly_hour:02d}:00 UTC, {waiting} new item(s)"))
    return result

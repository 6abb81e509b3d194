"""`python -m suite.jobs JOB_ID`: run one queued job in this process once its module's lock is free, then exit.

What `runner.start_in_background` starts for a page; exit status 0 when the job succeeded, was cancelled or
was already taken by another worker, 1 when it failed.
"""

from __future__ import annotations

import argparse
import logging

from suite.jobs.runner import run_when_free
from suite.settings import Settings
from suite.store import Store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.jobs", description=__doc__)
    parser.add_argument("job_id")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    store = Store(Settings.from_env())
    try:
        result = run_when_free(store, args.job_id)
    finally:
        store.close()
    return 1 if result is not None and result["state"] == "failed" else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Retraining jobs: a queue in the `jobs` table, a per-module lock in the store, a scheduled worker."""

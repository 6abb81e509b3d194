"""The numbers behind the Home and Operations pages, one file per topic.

`usage.py` (requests, latency, feedback volume), `satisfaction.py` (are people happier), `drift.py` (every
module's drift signals), `history.py` (model versions and retraining jobs over time), `export.py`.
"""

from suite.ops.drift import RECENT_DAYS, REFERENCE_DAYS, drift
from suite.ops.export import EXPORTABLE, FORMATS, export_table
from suite.ops.history import job_history, model_timeline
from suite.ops.satisfaction import MEASURES, satisfaction_trend
from suite.ops.usage import (
    ModuleActivity,
    feedback_by_day,
    feedback_counts,
    latency_by_model,
    module_activity,
    usage_by_day,
)

__all__ = [
    "EXPORTABLE",
    "FORMATS",
    "MEASURES",
    "RECENT_DAYS",
    "REFERENCE_DAYS",
    "ModuleActivity",
    "drift",
    "export_table",
    "feedback_by_day",
    "feedback_counts",
    "job_history",
    "latency_by_model",
    "model_timeline",
    "module_activity",
    "satisfaction_trend",
    "usage_by_day",
]

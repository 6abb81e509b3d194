"""The promotion gate: a challenger serves only if it is measurably better and no worse on reviewed feedback."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from suite.training import TrainingOutcome


@dataclass
class GateDecision:
    passed: bool
    improvement: float
    margin: float
    reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        improvement = None if math.isinf(self.improvement) else round(self.improvement, 6)
        return {"passed": self.passed, "improvement": improvement, "margin": self.margin, "reasons": self.reasons}


def gate(outcome: TrainingOutcome, margin: float) -> GateDecision:
    """Pass when the challenger beats the champion on the primary metric of the frozen evaluation set by at
    least `margin`, and does not do worse than the champion on the accepted feedback cases."""
    metric = outcome.primary_metric
    if metric not in outcome.challenger_metrics:
        return GateDecision(False, float("nan"), margin, [f"the challenger reported no {metric!r} score"])
    improvement = outcome.improvement()
    reasons: list[str] = []
    passed = True
    new = outcome.challenger_metrics[metric]
    old = outcome.champion_metrics.get(metric)
    if old is None:
        reasons.append(f"no champion score to compare with; challenger {metric} = {new:.4f}")
    elif improvement >= margin:
        reasons.append(f"{metric} {old:.4f} -> {new:.4f} beats the champion by {improvement:+.4f} (needed {margin})")
    else:
        passed = False
        reasons.append(f"{metric} {old:.4f} -> {new:.4f} ({improvement:+.4f}) does not beat the champion by {margin}")
    fb = outcome.feedback_metrics
    if "challenger" in fb and "champion" in fb:
        worse = fb["challenger"] < fb["champion"] if outcome.higher_is_better else fb["challenger"] > fb["champion"]
        if worse:
            passed = False
            reasons.append(
                f"worse on the accepted feedback cases: {fb['champion']:.4f} -> {fb['challenger']:.4f} ({metric})"
            )
        else:
            reasons.append(f"accepted feedback cases: {fb['champion']:.4f} -> {fb['challenger']:.4f} ({metric})")
    return GateDecision(passed, improvement, margin, reasons)

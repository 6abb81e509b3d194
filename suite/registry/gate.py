"""The promotion gate: a challenger serves only if it is good enough on its own, measurably better than the
champion, and no worse on reviewed feedback.

"Measurably better" is the primary metric by `margin`, or, as a secondary metric, accepted feedback solved
(`FEEDBACK_SOLVED`): a challenger within `margin` of the champion on the frozen set (not worse than that) that
answers correctly more of the accepted corrections than the champion does also wins. A correction a person
accepted is a case the frozen set usually does not ask, so without this a retraining that learns it always
ties and keeps the old model. A module reports the figure in both metric dicts (a share, and the cases in
`FEEDBACK_CASES`); both are recorded with the version's other before/after metrics.

"Good enough on its own" is a per-module floor (`FLOORS`) on the primary metric of the frozen evaluation set:
a model under it is never served automatically, whatever it would replace, and also when there is no earlier
score to compare with (the first retraining of a module).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from suite.training import TrainingOutcome


@dataclass(frozen=True)
class Floor:
    """The least a module's model must score on its frozen evaluation set to be served automatically."""

    metric: str
    limit: float
    higher_is_better: bool = True
    label: str = ""  # how people name the measure ("mAP50")

    def met_by(self, score: float) -> bool:
        return score >= self.limit if self.higher_is_better else score <= self.limit

    def describe(self) -> str:
        return f"{self.label or self.metric} {'at least' if self.higher_is_better else 'at most'} {self.limit:g}"


FEEDBACK_SOLVED = "feedback_solved"  # share of the accepted corrections answered correctly (0..1)
FEEDBACK_CASES = "feedback_cases"  # how many accepted corrections that share is over

# Chosen well under what the default models score on the same sets (benchmarks/RESULTS.md: support MRR 0.98,
# recommend NDCG@10 0.12-0.20, inspect mAP50 0.58-0.80, transcribe WER 0.19-0.25, risk macro-F1 0.86) and well
# above what a broken model scores (an empty index, a detector that finds nothing, chance on three labels).
FLOORS: dict[str, Floor] = {
    "support": Floor("mrr", 0.50, label="MRR"),
    "recommend": Floor("ndcg_at_10", 0.05, label="NDCG@10"),
    "inspect": Floor("map50", 0.30, label="mAP50"),  # issue 19: below 0.30 is never served automatically
    "transcribe": Floor("wer", 0.50, higher_is_better=False, label="WER"),  # a ceiling: lower is better
    "risk": Floor("macro_f1", 0.50, label="macro-F1"),
}


@dataclass
class GateDecision:
    passed: bool
    improvement: float
    margin: float
    reasons: list[str] = field(default_factory=list)
    good_enough: bool = True  # False: under the module's floor, whatever the champion scores

    def as_dict(self) -> dict:
        improvement = None if math.isinf(self.improvement) or math.isnan(self.improvement) else self.improvement
        return {
            "passed": self.passed,
            "improvement": None if improvement is None else round(improvement, 6),
            "margin": self.margin,
            "reasons": self.reasons,
            "good_enough": self.good_enough,
        }


def floor_for(module: str, metric: str) -> Floor | None:
    """The module's floor when it is set on `metric` (a module that reports another measure has none)."""
    floor = FLOORS.get(module)
    return floor if floor is not None and floor.metric == metric else None


def gate(outcome: TrainingOutcome, margin: float, floors: dict[str, Floor] | None = None) -> GateDecision:
    """Pass when the challenger reaches its module's floor, beats the champion on the primary metric of the frozen
    evaluation set by at least `margin` (or stays within `margin` of it and solves more accepted corrections:
    `FEEDBACK_SOLVED`), and does not do worse than the champion on the accepted feedback cases."""
    metric = outcome.primary_metric
    if metric not in outcome.challenger_metrics:
        return GateDecision(False, float("nan"), margin, [f"the challenger reported no {metric!r} score"], False)
    improvement = outcome.improvement()
    reasons: list[str] = []
    passed = good_enough = True
    new = outcome.challenger_metrics[metric]
    old = outcome.champion_metrics.get(metric)
    floor = (floors if floors is not None else FLOORS).get(outcome.module)
    if floor is not None and floor.metric == metric and not floor.met_by(new):
        passed = good_enough = False
        reasons.append(
            f"not good enough to serve: {floor.label or metric} {new:.4f} misses the {outcome.module} floor "
            f"({floor.describe()}), so it is never put to use automatically, whatever it would replace"
        )
    if old is None:
        reasons.append(f"no champion score to compare with; challenger {metric} = {new:.4f}")
    elif improvement >= margin:
        reasons.append(f"{metric} {old:.4f} -> {new:.4f} beats the champion by {improvement:+.4f} (needed {margin})")
    elif improvement >= -margin and _solves_more(outcome):
        reasons.append(
            f"{metric} {old:.4f} -> {new:.4f} ({improvement:+.4f}) is within {margin} of the champion, and "
            f"{_solved_words(outcome)} (secondary metric: accepted feedback solved)"
        )
    else:
        passed = False
        solved = f"; {_solved_words(outcome)}" if _reports_solved(outcome) else ""
        reasons.append(
            f"{metric} {old:.4f} -> {new:.4f} ({improvement:+.4f}) does not beat the champion by {margin}{solved}"
        )
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
    return GateDecision(passed, improvement, margin, reasons, good_enough)


def _reports_solved(outcome: TrainingOutcome) -> bool:
    return FEEDBACK_SOLVED in outcome.challenger_metrics and FEEDBACK_SOLVED in outcome.champion_metrics


def _solves_more(outcome: TrainingOutcome) -> bool:
    """Whether the challenger answers correctly more accepted corrections than the champion (higher is better)."""
    return _reports_solved(outcome) and (
        outcome.challenger_metrics[FEEDBACK_SOLVED] > outcome.champion_metrics[FEEDBACK_SOLVED]
    )


def _solved_words(outcome: TrainingOutcome) -> str:
    cases = int(outcome.challenger_metrics.get(FEEDBACK_CASES) or 0)

    def count(share: float) -> str:
        return f"{round(share * cases)} of {cases}" if cases else f"{share:.0%}"

    old, new = outcome.champion_metrics[FEEDBACK_SOLVED], outcome.challenger_metrics[FEEDBACK_SOLVED]
    return f"accepted corrections answered correctly: {count(old)} -> {count(new)}"

"""The review queue: feedback is accepted, rejected or edited by a person before it is used for training.

`queue.py` (list, count, decide, edit), `media.py` (images and recordings to show beside an item),
`models.py` (the types they take and return).
"""

from suite.review.models import FeedbackItem, Filters, Media, ReviewCounts, ReviewDecision
from suite.review.queue import counts, decide, decide_matching, decisions, edit, list_feedback

__all__ = [
    "FeedbackItem",
    "Filters",
    "Media",
    "ReviewCounts",
    "ReviewDecision",
    "counts",
    "decide",
    "decide_matching",
    "decisions",
    "edit",
    "list_feedback",
]

"""The review queue: feedback is accepted, rejected or edited by a person before it is used for training."""

from suite.review.queue import FeedbackItem, Filters, counts, decide, decide_matching, decisions, edit, list_feedback

__all__ = ["FeedbackItem", "Filters", "counts", "decide", "decide_matching", "decisions", "edit", "list_feedback"]

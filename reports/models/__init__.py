"""The reports app's models, a module per domain. Re-exported here so that
`from reports.models import Report` and the migrations' `reports.models.…`
paths keep working wherever a model lives."""

from reports.models.allowances import Allowance, AllowanceRequest
from reports.models.blockers import Blocker
from reports.models.core import Period, Reply, Report, Review, Revision, Source
from reports.models.github import (
    EvidenceProblem,
    GitHubComment,
    GitHubETag,
    GitHubEvidence,
    GitHubPullRequest,
    GitHubSettings,
    GitHubWrite,
    ReferenceCheck,
    UnmatchedComment,
    UnmatchedCommentManager,
    WebhookDelivery,
)
from reports.models.qa import QAAnswer, QAEntry
from reports.models.reminders import (
    Notification,
    ReminderPolicy,
    default_quiet_end,
    default_quiet_start,
)
from reports.models.search import SearchDocument
from reports.models.similarity import SimilarityBand, SimilarityFlag

__all__ = [
    "Allowance",
    "AllowanceRequest",
    "Blocker",
    "EvidenceProblem",
    "GitHubComment",
    "GitHubETag",
    "GitHubEvidence",
    "GitHubPullRequest",
    "GitHubSettings",
    "GitHubWrite",
    "Notification",
    "Period",
    "QAAnswer",
    "QAEntry",
    "ReferenceCheck",
    "ReminderPolicy",
    "Reply",
    "Report",
    "Review",
    "Revision",
    "SearchDocument",
    "SimilarityBand",
    "SimilarityFlag",
    "Source",
    "UnmatchedComment",
    "UnmatchedCommentManager",
    "WebhookDelivery",
    "default_quiet_end",
    "default_quiet_start",
]

"""The nouns of the tracker (DESIGN.md, "Domain model"), one module per group of nouns.

Integrity lives in the database (constraints), not only in forms. Status is written by
`agreements.workflow` only; visibility is decided by `agreements.policy`. The bottom of the
domain core: imports nothing else of the project. Everything is re-exported here, so code says
`from agreements.models import Agreement` whatever module a model lives in (migrations name
`agreements.models.document_path` and `new_token` this way too).
"""
from agreements.models.agreement import (
    CLOSED_STATUSES,
    IATI_ACTIVITY_STATUS,
    OPEN_STATUSES,
    Agreement,
    AgreementKind,
    AgreementQuerySet,
    Confidence,
    Confidentiality,
    DatePrecision,
    Health,
    Origin,
    Party,
    PercentFrom,
    Status,
)
from agreements.models.confirmations import Confirmation, FocalPoint, Side
from agreements.models.data_version import DataVersion
from agreements.models.followup import AgreementStage, Dependency, Stage
from agreements.models.interop import CalendarFeed, SectorCode, hash_secret
from agreements.models.notifications import Notification
from agreements.models.people import TIME_ZONE_CHOICES, SavedView, User
from agreements.models.record import PublicFact, SourceLink
from agreements.models.reference import FocusArea, Organization, Pillar
from agreements.models.tokens import ApiToken
from agreements.models.reminders import (CONFIRMATION_KINDS, Acknowledgement, AcknowledgementVia, Reminder, ReminderKind,
                                         ReminderPolicy, ReminderState, Weekday, parse_day_list)
from agreements.models.work import (
    DOCUMENT_EXTENSIONS,
    Document,
    Milestone,
    MilestoneQuerySet,
    ProgressUpdate,
    TransitionLog,
    document_path,
    new_token,
)

__all__ = [
    "Acknowledgement", "AcknowledgementVia", "CONFIRMATION_KINDS", "Confirmation", "FocalPoint", "Side", "CLOSED_STATUSES", "CalendarFeed", "SectorCode", "hash_secret", "DOCUMENT_EXTENSIONS", "IATI_ACTIVITY_STATUS", "OPEN_STATUSES", "TIME_ZONE_CHOICES", "Agreement",
    "AgreementKind", "AgreementQuerySet", "AgreementStage", "ApiToken", "Confidence", "DatePrecision", "Origin", "PublicFact", "SourceLink", "Dependency", "Confidentiality", "DataVersion", "Document", "FocusArea", "Health",
    "Milestone", "MilestoneQuerySet", "Notification", "Organization", "Party", "PercentFrom", "Pillar", "ProgressUpdate", "Reminder", "ReminderKind",
    "ReminderPolicy", "ReminderState", "SavedView", "Stage", "Status", "TransitionLog", "User", "Weekday", "document_path", "new_token",
    "parse_day_list",
]

"""ORM models, one table a module. Importing this package registers every table on
`Base.metadata` (Alembic and the tests rely on that)."""

from shiftplanner.models.absence import Absence, AbsenceKind, AbsenceStatus
from shiftplanner.models.alert import OPEN_ALERT_STATUSES, Alert, AlertStatus
from shiftplanner.models.alert_defaults import AlertDefaults
from shiftplanner.models.alert_event import AlertEvent
from shiftplanner.models.alert_rule import AlertRule, AlertSeverity, ComparisonOperator
from shiftplanner.models.analyst import SCREENER_SKILL, Analyst
from shiftplanner.models.api_key import ApiKey
from shiftplanner.models.assignment import Assignment, AssignmentSource
from shiftplanner.models.audit_log import AuditLog, AuditOutcome
from shiftplanner.models.availability_check import AvailabilityCheck
from shiftplanner.models.base import Base
from shiftplanner.models.blackout_date import BlackoutDate
from shiftplanner.models.calendar_feed import CalendarFeed
from shiftplanner.models.coverage_requirement import CoverageRequirement
from shiftplanner.models.data_version import DataVersion
from shiftplanner.models.error_group import ErrorGroup
from shiftplanner.models.escalation_policy import EscalationPolicy
from shiftplanner.models.generation_job import GenerationJob, JobStatus
from shiftplanner.models.holiday import Holiday
from shiftplanner.models.login_throttle import LoginThrottle
from shiftplanner.models.notification import Notification
from shiftplanner.models.notification_channel import ChannelType, NotificationChannel
from shiftplanner.models.notification_delivery import DeliveryStatus, NotificationDelivery
from shiftplanner.models.notification_preference import NotificationPreference
from shiftplanner.models.organization import Organization
from shiftplanner.models.outbox_consumption import ConsumptionStatus, OutboxConsumption
from shiftplanner.models.outbox_event import OutboxEvent
from shiftplanner.models.process_rollup import ProcessRollup
from shiftplanner.models.refresh_token import RefreshToken
from shiftplanner.models.request_rollup import MERGED_SOURCE, RequestRollup, RollupResolution
from shiftplanner.models.shift_request import RequestKind, RequestStatus, ShiftRequest
from shiftplanner.models.shift_type import ShiftType
from shiftplanner.models.team import Team
from shiftplanner.models.team_schedule_settings import TeamScheduleSettings
from shiftplanner.models.token_family import TokenFamily
from shiftplanner.models.user import User
from shiftplanner.models.webhook_attempt import AttemptTrigger, WebhookAttempt
from shiftplanner.models.webhook_delivery import WebhookDelivery, WebhookDeliveryStatus
from shiftplanner.models.webhook_endpoint import WebhookEndpoint
from shiftplanner.models.webhook_message import WebhookMessage
from shiftplanner.roles import Role

__all__ = [
    "MERGED_SOURCE",
    "OPEN_ALERT_STATUSES",
    "SCREENER_SKILL",
    "Absence",
    "AbsenceKind",
    "AbsenceStatus",
    "Alert",
    "AlertDefaults",
    "AlertEvent",
    "AlertRule",
    "AlertSeverity",
    "AlertStatus",
    "Analyst",
    "ApiKey",
    "Assignment",
    "AssignmentSource",
    "AttemptTrigger",
    "AuditLog",
    "AuditOutcome",
    "AvailabilityCheck",
    "Base",
    "BlackoutDate",
    "CalendarFeed",
    "ChannelType",
    "ComparisonOperator",
    "ConsumptionStatus",
    "CoverageRequirement",
    "DataVersion",
    "DeliveryStatus",
    "ErrorGroup",
    "EscalationPolicy",
    "GenerationJob",
    "Holiday",
    "JobStatus",
    "LoginThrottle",
    "Notification",
    "NotificationChannel",
    "NotificationDelivery",
    "NotificationPreference",
    "Organization",
    "OutboxConsumption",
    "OutboxEvent",
    "ProcessRollup",
    "RefreshToken",
    "RequestKind",
    "RequestRollup",
    "RequestStatus",
    "Role",
    "RollupResolution",
    "ShiftRequest",
    "ShiftType",
    "Team",
    "TeamScheduleSettings",
    "TokenFamily",
    "User",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
    "WebhookMessage",
]

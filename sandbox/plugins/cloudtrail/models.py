"""CloudTrail state: trails per account and home region, and the event history LookupEvents reads.

Kept in a LocalStack store (AccountRegionBundle), so awslab's per-account reset clears it like any
other service's state. Trails live in their home region's store; a multi-region trail is seen from
every region of the account (DescribeTrails shows it there as a "shadow trail", as on AWS).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from localstack.services.stores import AccountRegionBundle, BaseStore, LocalAttribute

# Event history: AWS keeps 90 days; a lesson needs far less. Oldest records go first.
MAX_HISTORY_PER_REGION = 10000

# Every reader and writer of trails and history takes this lock (the recorder runs in its own thread).
LOCK = threading.RLock()


@dataclass
class TrailStatus:
    """What GetTrailStatus answers (CloudTrail API Reference, GetTrailStatus)."""

    is_logging: bool = False
    start_logging_time: datetime | None = None
    stop_logging_time: datetime | None = None
    latest_delivery_time: datetime | None = None
    latest_delivery_attempt_time: datetime | None = None
    latest_delivery_attempt_succeeded: datetime | None = None
    latest_delivery_error: str | None = None
    latest_notification_time: datetime | None = None
    latest_notification_attempt_time: datetime | None = None
    latest_notification_attempt_succeeded: datetime | None = None
    latest_notification_error: str | None = None


@dataclass
class Trail:
    name: str
    account_id: str
    home_region: str
    s3_bucket_name: str
    s3_key_prefix: str | None = None
    sns_topic_name: str | None = None
    include_global_service_events: bool = True
    is_multi_region_trail: bool = False
    log_file_validation_enabled: bool = False
    cloud_watch_logs_log_group_arn: str | None = None
    cloud_watch_logs_role_arn: str | None = None
    kms_key_id: str | None = None
    # Basic selectors; a new trail logs all management events and no data events (User Guide,
    # "Logging data events": "By default, trails do not log data events").
    event_selectors: list[dict] = field(
        default_factory=lambda: [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                  "DataResources": [], "ExcludeManagementEventSources": []}]
    )
    advanced_event_selectors: list[dict] | None = None  # set instead of event_selectors
    has_custom_event_selectors: bool = False
    tags: list[dict] = field(default_factory=list)
    status: TrailStatus = field(default_factory=TrailStatus)

    @property
    def arn(self) -> str:
        return f"arn:aws:cloudtrail:{self.home_region}:{self.account_id}:trail/{self.name}"

    @property
    def sns_topic_arn(self) -> str | None:
        if not self.sns_topic_name:
            return None
        if self.sns_topic_name.startswith("arn:"):
            return self.sns_topic_name
        return f"arn:aws:sns:{self.home_region}:{self.account_id}:{self.sns_topic_name}"

    def covers_region(self, region: str) -> bool:
        return self.is_multi_region_trail or self.home_region == region


class CloudTrailStore(BaseStore):
    trails: dict[str, Trail] = LocalAttribute(default=dict)  # by name, in the home region's store
    history: deque = LocalAttribute(default=lambda: deque(maxlen=MAX_HISTORY_PER_REGION))


cloudtrail_stores = AccountRegionBundle("cloudtrail", CloudTrailStore)


def account_trails(account_id: str) -> list[Trail]:
    """Every trail of the account, all home regions (call with LOCK held)."""
    if account_id not in cloudtrail_stores:
        return []
    return [t for store in cloudtrail_stores[account_id].values() for t in store.trails.values()]


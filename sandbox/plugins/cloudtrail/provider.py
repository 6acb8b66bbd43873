"""The CloudTrail API (trails, event selectors, tags, LookupEvents) as a LocalStack provider.

LocalStack community ships no CloudTrail provider and no generated API classes for it, so the
dispatch table maps operation names of botocore's cloudtrail spec to the methods below
(sandbox/plugins/spec_dispatch.py); operations without a method answer 501 as before.

Behaviour and errors follow the CloudTrail API Reference (CreateTrail, UpdateTrail, DeleteTrail,
DescribeTrails, GetTrail, GetTrailStatus, StartLogging, StopLogging, PutEventSelectors,
GetEventSelectors, AddTags, RemoveTags, ListTags, ListTrails, LookupEvents) and the User Guide.
Error texts: "Unknown trail: <name> for the user: <account>" (User Guide, "CloudTrail log file
examples", error example), "Incorrect S3 bucket policy is detected for bucket: <bucket>" and
"Trail <name> already exists for customer: <account>" (AWS answers quoted in public issues:
awsdocs/aws-cloudtrail-user-guide#24, trussworks/terraform-aws-cloudtrail#238), trail-name texts
and "S3 bucket <name> does not exist!" as moto's CloudTrail backend reproduces them, "A max results
value of N is invalid. Specify max results between 1 and 50." (LookupEvents). Where AWS documents
only an exception code, the text says what is wrong in AWS's style.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from datetime import datetime, timezone

from localstack.aws.api import CommonServiceException, RequestContext
from localstack.state import StateVisitable, StateVisitor

from .. import localstack_state
from ..spec_dispatch import spec_dispatch_table
from . import permissions
from .models import LOCK, Trail, account_trails, cloudtrail_stores
from .recorder import RECORDER
from .selectors import SelectorError, validate_advanced, validate_basic

MAX_TRAILS_PER_REGION = 5  # User Guide, "Quotas in AWS CloudTrail": trails per region, 5
MAX_PREFIX = 200
MAX_TAGS = 50
LOOKUP_KEYS = ("EventId", "EventName", "ReadOnly", "Username", "ResourceType", "ResourceName",
               "EventSource", "AccessKeyId")


def _error(code: str, message: str) -> CommonServiceException:
    return CommonServiceException(code, message, status_code=400, sender_fault=True)


def validate_trail_name(name: str) -> None:
    """CloudTrail User Guide, "CloudTrail naming requirements"."""
    if len(name) < 3:
        raise _error("InvalidTrailNameException",
                     f"Trail name too short. Minimum allowed length: 3 characters. Specified name length: {len(name)} characters.")
    if len(name) > 128:
        raise _error("InvalidTrailNameException",
                     f"Trail name too long. Maximum allowed length: 128 characters. Specified name length: {len(name)} characters.")
    if not name[0].isascii() or not name[0].isalnum():
        raise _error("InvalidTrailNameException", "Trail name must starts with a letter or number.")
    if not name[-1].isascii() or not name[-1].isalnum():
        raise _error("InvalidTrailNameException", "Trail name must ends with a letter or number.")
    if not re.fullmatch(r"[A-Za-z0-9._-]+", name):
        raise _error("InvalidTrailNameException",
                     "Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).")
    if re.search(r"[._-]{2}", name):
        raise _error("InvalidTrailNameException", "Trail name must not have adjacent periods, underscores or dashes.")
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return
    raise _error("InvalidTrailNameException", "Trail name must not be formatted as an IP address.")


def _bool(value, default: bool) -> bool:
    return default if value is None else bool(value)


def _trail_info(trail: Trail, with_region: bool = True) -> dict:
    """The Trail structure (API Reference, Trail data type); absent optional fields are left out."""
    info = {
        "Name": trail.name,
        "S3BucketName": trail.s3_bucket_name,
        "S3KeyPrefix": trail.s3_key_prefix,
        "SnsTopicName": trail.sns_topic_name,
        "SnsTopicARN": trail.sns_topic_arn,
        "IncludeGlobalServiceEvents": trail.include_global_service_events,
        "IsMultiRegionTrail": trail.is_multi_region_trail,
        "HomeRegion": trail.home_region if with_region else None,
        "TrailARN": trail.arn,
        "LogFileValidationEnabled": trail.log_file_validation_enabled,
        "CloudWatchLogsLogGroupArn": trail.cloud_watch_logs_log_group_arn,
        "CloudWatchLogsRoleArn": trail.cloud_watch_logs_role_arn,
        "KmsKeyId": trail.kms_key_id,
        "HasCustomEventSelectors": trail.has_custom_event_selectors if with_region else None,
        "HasInsightSelectors": False if with_region else None,
        "IsOrganizationTrail": False,
    }
    return {k: v for k, v in info.items() if v is not None}


class CloudTrailProvider(StateVisitable):
    service = "cloudtrail"

    def accept_state_visitor(self, visitor: StateVisitor):
        visitor.visit(cloudtrail_stores)

    def dispatch_table(self) -> dict:
        return spec_dispatch_table(self, "cloudtrail")

    # ---- look-ups -----------------------------------------------------------------------------

    @staticmethod
    def _parse_name(context: RequestContext, name_or_arn: str) -> tuple[str | None, str]:
        """(home region or None, trail name) from a name or trail ARN."""
        if name_or_arn.startswith("arn:"):
            parts = name_or_arn.split(":", 5)
            if len(parts) == 6 and parts[2] == "cloudtrail" and parts[5].startswith("trail/"):
                if parts[4] != context.account_id:
                    raise _error("TrailNotFoundException", f"Unknown trail: {name_or_arn} for the user: {context.account_id}")
                return parts[3], parts[5][len("trail/"):]
            raise _error("InvalidTrailNameException", f"Trail ARN {name_or_arn} is not valid.")
        validate_trail_name(name_or_arn)
        return None, name_or_arn

    def _find(self, context: RequestContext, name_or_arn: str | None, home_only: bool = False) -> Trail:
        """The trail, seen from the caller's region: its own trails and other regions'
        multi-region trails (shadow trails). `home_only`: changes must be made in the home region;
        calls made before the change are recorded under the old settings first."""
        if home_only:
            RECORDER.drain()
        if not name_or_arn:
            raise _error("InvalidTrailNameException", "Trail name cannot be blank!")
        region, name = self._parse_name(context, name_or_arn)
        with LOCK:
            found = None
            for trail in account_trails(context.account_id):
                if trail.name == name and (region is None or trail.home_region == region):
                    if trail.home_region == context.region or trail.is_multi_region_trail:
                        found = trail
                        break
        if found is None:
            raise _error("TrailNotFoundException", f"Unknown trail: {name_or_arn} for the user: {context.account_id}")
        if home_only and found.home_region != context.region:
            raise _error("InvalidHomeRegionException",
                         f"This operation must be called from the Region in which the trail was created ({found.home_region}).")
        return found

    def _store(self, context: RequestContext):
        return cloudtrail_stores[context.account_id][context.region]

    # ---- validation of the destination --------------------------------------------------------

    def _check_destination(self, context: RequestContext, trail: Trail) -> None:
        bucket = trail.s3_bucket_name
        if not bucket or localstack_state.bucket_owner(bucket) is None:
            raise _error("S3BucketDoesNotExistException", f"S3 bucket {bucket} does not exist!")
        if trail.s3_key_prefix and len(trail.s3_key_prefix) > MAX_PREFIX:
            raise _error("InvalidS3PrefixException",
                         f"S3 key prefix is longer than the maximum length of {MAX_PREFIX}: {trail.s3_key_prefix}")
        probe_key = (f"{permissions.log_prefix(trail.s3_key_prefix, trail.account_id)}CloudTrail/"
                     f"{trail.home_region}/")
        if not permissions.bucket_admits(bucket, trail.arn, trail.account_id, probe_key):
            raise _error("InsufficientS3BucketPolicyException", f"Incorrect S3 bucket policy is detected for bucket: {bucket}")
        if trail.sns_topic_name and not permissions.topic_admits(trail.sns_topic_arn, trail.arn, trail.account_id):
            raise _error("InsufficientSnsTopicPolicyException", "SNS Topic does not exist or the topic policy is incorrect!")
        if bool(trail.cloud_watch_logs_log_group_arn) != bool(trail.cloud_watch_logs_role_arn):
            code = ("InvalidCloudWatchLogsRoleArnException" if trail.cloud_watch_logs_log_group_arn
                    else "InvalidCloudWatchLogsLogGroupArnException")
            raise _error(code, "CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be specified together.")

    # ---- trails -------------------------------------------------------------------------------

    def create_trail(self, context: RequestContext, request: dict) -> dict:
        name = request.get("Name") or ""
        validate_trail_name(name)
        if request.get("IsOrganizationTrail"):
            raise _error("OrganizationsNotInUseException", "This account is not a member of an organization.")
        trail = Trail(
            name=name,
            account_id=context.account_id,
            home_region=context.region,
            s3_bucket_name=request.get("S3BucketName") or "",
            s3_key_prefix=request.get("S3KeyPrefix") or None,
            sns_topic_name=request.get("SnsTopicName") or None,
            include_global_service_events=_bool(request.get("IncludeGlobalServiceEvents"), True),
            is_multi_region_trail=_bool(request.get("IsMultiRegionTrail"), False),
            log_file_validation_enabled=_bool(request.get("EnableLogFileValidation"), False),
            cloud_watch_logs_log_group_arn=request.get("CloudWatchLogsLogGroupArn"),
            cloud_watch_logs_role_arn=request.get("CloudWatchLogsRoleArn"),
            kms_key_id=request.get("KmsKeyId"),
            tags=_validated_tags(request.get("TagsList") or []),
        )
        if trail.is_multi_region_trail and not trail.include_global_service_events:
            raise _error("InvalidParameterCombinationException",
                         "Multi-Region trail must include global service events.")
        with LOCK:
            if any(t.name == name for t in account_trails(context.account_id)):
                raise _error("TrailAlreadyExistsException", f"Trail {name} already exists for customer: {context.account_id}")
            if len(self._store(context).trails) >= MAX_TRAILS_PER_REGION:
                raise _error("MaximumNumberOfTrailsExceededException",
                             f"User: {context.account_id} already has {MAX_TRAILS_PER_REGION} trails in {context.region}.")
        self._check_destination(context, trail)
        with LOCK:
            self._store(context).trails[name] = trail
        return _trail_info(trail, with_region=False)

    def update_trail(self, context: RequestContext, request: dict) -> dict:
        trail = self._find(context, request.get("Name"), home_only=True)
        changed = Trail(**{**trail.__dict__})  # validate on a copy: a refused update changes nothing
        fields = {
            "S3BucketName": "s3_bucket_name", "S3KeyPrefix": "s3_key_prefix", "SnsTopicName": "sns_topic_name",
            "IncludeGlobalServiceEvents": "include_global_service_events",
            "IsMultiRegionTrail": "is_multi_region_trail", "EnableLogFileValidation": "log_file_validation_enabled",
            "CloudWatchLogsLogGroupArn": "cloud_watch_logs_log_group_arn",
            "CloudWatchLogsRoleArn": "cloud_watch_logs_role_arn", "KmsKeyId": "kms_key_id",
        }
        for key, attribute in fields.items():
            if key in request and request[key] is not None:
                value = request[key]
                setattr(changed, attribute, value if value != "" else None)
        if request.get("IsOrganizationTrail"):
            raise _error("OrganizationsNotInUseException", "This account is not a member of an organization.")
        if changed.is_multi_region_trail and not changed.include_global_service_events:
            raise _error("InvalidParameterCombinationException",
                         "Multi-Region trail must include global service events.")
        self._check_destination(context, changed)
        with LOCK:
            trail.__dict__.update(changed.__dict__)
        return _trail_info(trail, with_region=False)

    def delete_trail(self, context: RequestContext, request: dict) -> dict:
        trail = self._find(context, request.get("Name"), home_only=True)
        with LOCK:
            cloudtrail_stores[trail.account_id][trail.home_region].trails.pop(trail.name, None)
        return {}

    def describe_trails(self, context: RequestContext, request: dict) -> dict:
        names = request.get("trailNameList") or []
        shadows = _bool(request.get("includeShadowTrails"), True)
        with LOCK:
            visible = [
                t for t in account_trails(context.account_id)
                if t.home_region == context.region or (shadows and t.is_multi_region_trail)
            ]
        if names:
            visible = [t for t in visible if t.name in names or t.arn in names]
        return {"trailList": [_trail_info(t) for t in visible]}

    def get_trail(self, context: RequestContext, request: dict) -> dict:
        return {"Trail": _trail_info(self._find(context, request.get("Name")))}

    def list_trails(self, context: RequestContext, request: dict) -> dict:
        with LOCK:
            trails = account_trails(context.account_id)
        return {"Trails": [{"TrailARN": t.arn, "Name": t.name, "HomeRegion": t.home_region} for t in trails]}

    def get_trail_status(self, context: RequestContext, request: dict) -> dict:
        trail = self._find(context, request.get("Name"))
        status = trail.status
        answer = {
            "IsLogging": status.is_logging,
            "LatestDeliveryError": status.latest_delivery_error,
            "LatestNotificationError": status.latest_notification_error,
            "LatestDeliveryTime": status.latest_delivery_time,
            "LatestNotificationTime": status.latest_notification_time,
            "StartLoggingTime": status.start_logging_time,
            "StopLoggingTime": status.stop_logging_time,
            "LatestDeliveryAttemptTime": _attempt(status.latest_delivery_attempt_time),
            "LatestNotificationAttemptTime": _attempt(status.latest_notification_attempt_time),
            "LatestNotificationAttemptSucceeded": _attempt(status.latest_notification_attempt_succeeded),
            "LatestDeliveryAttemptSucceeded": _attempt(status.latest_delivery_attempt_succeeded),
            "TimeLoggingStarted": _attempt(status.start_logging_time),
            "TimeLoggingStopped": _attempt(status.stop_logging_time),
        }
        return {k: v for k, v in answer.items() if v is not None}

    def start_logging(self, context: RequestContext, request: dict) -> dict:
        trail = self._find(context, request.get("Name"), home_only=True)
        with LOCK:
            if not trail.status.is_logging:
                trail.status.is_logging = True
                trail.status.start_logging_time = datetime.now(timezone.utc)
        return {}

    def stop_logging(self, context: RequestContext, request: dict) -> dict:
        trail = self._find(context, request.get("Name"), home_only=True)
        with LOCK:
            if trail.status.is_logging:
                trail.status.is_logging = False
                trail.status.stop_logging_time = datetime.now(timezone.utc)
        return {}

    # ---- event selectors ----------------------------------------------------------------------

    def put_event_selectors(self, context: RequestContext, request: dict) -> dict:
        trail = self._find(context, request.get("TrailName"), home_only=True)
        basic = request.get("EventSelectors")
        advanced = request.get("AdvancedEventSelectors")
        if (basic is None) == (advanced is None):
            raise _error("InvalidParameterCombinationException",
                         "Specify either EventSelectors or AdvancedEventSelectors, but not both.")
        try:
            if basic is not None:
                validate_basic(basic)
                basic = [_basic_defaults(s) for s in basic]
            else:
                validate_advanced(advanced)
        except SelectorError as exc:
            raise _error("InvalidEventSelectorsException", str(exc)) from None
        with LOCK:
            trail.event_selectors = basic or []
            trail.advanced_event_selectors = advanced
            trail.has_custom_event_selectors = True
        return self._selectors(trail)

    def get_event_selectors(self, context: RequestContext, request: dict) -> dict:
        return self._selectors(self._find(context, request.get("TrailName")))

    @staticmethod
    def _selectors(trail: Trail) -> dict:
        if trail.advanced_event_selectors is not None:
            return {"TrailARN": trail.arn, "AdvancedEventSelectors": trail.advanced_event_selectors}
        return {"TrailARN": trail.arn, "EventSelectors": trail.event_selectors}

    # ---- tags ---------------------------------------------------------------------------------

    def _tagged(self, context: RequestContext, resource_id: str | None) -> Trail:
        if not resource_id or not resource_id.startswith("arn:"):
            raise _error("InvalidTrailNameException", f"Resource ID {resource_id} is not a valid trail ARN.")
        try:
            return self._find(context, resource_id)
        except CommonServiceException as exc:
            if exc.code == "TrailNotFoundException":
                raise _error("ResourceNotFoundException", f"Resource not found: {resource_id}") from None
            raise

    def add_tags(self, context: RequestContext, request: dict) -> dict:
        trail = self._tagged(context, request.get("ResourceId"))
        new = _validated_tags(request.get("TagsList") or [])
        with LOCK:
            merged = {t["Key"]: t for t in trail.tags}
            merged.update({t["Key"]: t for t in new})
            if len(merged) > MAX_TAGS:
                raise _error("TagsLimitExceededException", f"The number of tags on the trail exceeds the limit of {MAX_TAGS}.")
            trail.tags = list(merged.values())
        return {}

    def remove_tags(self, context: RequestContext, request: dict) -> dict:
        trail = self._tagged(context, request.get("ResourceId"))
        keys = {t.get("Key") for t in request.get("TagsList") or []}
        with LOCK:
            trail.tags = [t for t in trail.tags if t["Key"] not in keys]
        return {}

    def list_tags(self, context: RequestContext, request: dict) -> dict:
        found = []
        for resource_id in request.get("ResourceIdList") or []:
            trail = self._tagged(context, resource_id)
            found.append({"ResourceId": trail.arn, "TagsList": list(trail.tags)})
        return {"ResourceTagList": found}

    # ---- event history ------------------------------------------------------------------------

    def lookup_events(self, context: RequestContext, request: dict) -> dict:
        attributes = request.get("LookupAttributes") or []
        if len(attributes) > 1:
            raise _error("InvalidLookupAttributesException", "You can specify only one lookup attribute.")
        for attribute in attributes:
            if attribute.get("AttributeKey") not in LOOKUP_KEYS:
                raise _error("InvalidLookupAttributesException", "Lookup attribute key is not valid.")
            if not attribute.get("AttributeValue"):
                raise _error("InvalidLookupAttributesException", "Lookup attribute value is not valid.")
        limit = request.get("MaxResults")
        if limit is not None and not 1 <= limit <= 50:
            raise _error("InvalidMaxResultsException",
                         f"A max results value of {limit} is invalid. Specify max results between 1 and 50.")
        start, end = request.get("StartTime"), request.get("EndTime")
        if start and end and start > end:
            raise _error("InvalidTimeRangeException", "Start time must be before end time.")
        offset = _token_offset(request.get("NextToken"))
        if request.get("EventCategory") == "insight":
            return {"Events": []}
        RECORDER.drain()
        with LOCK:
            history = list(self._store(context).history) if context.account_id in cloudtrail_stores else []
        matches = [r for r in reversed(history) if _lookup_matches(r, attributes, start, end)]
        limit = limit or 50
        page = matches[offset:offset + limit]
        answer = {"Events": [_lookup_event(r) for r in page]}
        if offset + limit < len(matches):
            answer["NextToken"] = base64.b64encode(json.dumps({"offset": offset + limit}).encode()).decode()
        return answer


def _attempt(moment: datetime | None) -> str | None:
    # GetTrailStatus reports these as strings, e.g. "2023-07-19T21:33:41Z".
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def _validated_tags(tags: list[dict]) -> list[dict]:
    keys = [t.get("Key") for t in tags]
    if any(not k for k in keys) or len(set(keys)) != len(keys):
        raise _error("InvalidTagParameterException", "Tag keys must be present and unique.")
    if len(tags) > MAX_TAGS:
        raise _error("TagsLimitExceededException", f"The number of tags on the trail exceeds the limit of {MAX_TAGS}.")
    return [{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags]


def _basic_defaults(selector: dict) -> dict:
    """GetEventSelectors shows defaults for what PutEventSelectors left out."""
    return {
        "ReadWriteType": selector.get("ReadWriteType", "All"),
        "IncludeManagementEvents": _bool(selector.get("IncludeManagementEvents"), True),
        "DataResources": selector.get("DataResources") or [],
        "ExcludeManagementEventSources": selector.get("ExcludeManagementEventSources") or [],
    }


def _token_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["offset"])
    except (ValueError, KeyError, TypeError):
        raise _error("InvalidNextTokenException", "The NextToken is not valid.") from None


def _username(identity: dict) -> str:
    kind = identity.get("type")
    if kind == "Root":
        return "root"
    if kind == "AssumedRole":
        return identity.get("arn", "").rsplit("/", 1)[-1]
    return identity.get("userName") or identity.get("principalId", "")


def _lookup_resources(rec: dict) -> list[dict]:
    found = []
    for r in rec.get("resources") or []:
        arn = r.get("ARN") or r.get("ARNPrefix") or ""
        found.append({"ResourceType": r.get("type", ""), "ResourceName": arn.split(":::", 1)[-1] if ":::" in arn else arn})
    for part in ("requestParameters", "responseElements"):
        items = ((rec.get(part) or {}).get("instancesSet") or {}).get("items") or []
        for item in items:
            if isinstance(item, dict) and item.get("instanceId"):
                entry = {"ResourceType": "AWS::EC2::Instance", "ResourceName": item["instanceId"]}
                if entry not in found:
                    found.append(entry)
    return found


def _lookup_matches(rec: dict, attributes: list[dict], start, end) -> bool:
    moment = datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    if start and moment < _aware(start):
        return False
    if end and moment > _aware(end):
        return False
    for attribute in attributes:
        key, value = attribute["AttributeKey"], attribute["AttributeValue"]
        if key == "EventId" and rec["eventID"] != value:
            return False
        if key == "EventName" and rec["eventName"] != value:
            return False
        if key == "ReadOnly" and str(rec.get("readOnly")).lower() != value.lower():
            return False
        if key == "Username" and _username(rec["userIdentity"]) != value:
            return False
        if key == "EventSource" and rec["eventSource"] != value:
            return False
        if key == "AccessKeyId" and rec["userIdentity"].get("accessKeyId") != value:
            return False
        if key in ("ResourceType", "ResourceName"):
            field = key
            if not any(r[field] == value for r in _lookup_resources(rec)):
                return False
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _lookup_event(rec: dict) -> dict:
    event = {
        "EventId": rec["eventID"],
        "EventName": rec["eventName"],
        "ReadOnly": "true" if rec.get("readOnly") else "false",
        "AccessKeyId": rec["userIdentity"].get("accessKeyId") or None,
        "EventTime": datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc),
        "EventSource": rec["eventSource"],
        "Username": _username(rec["userIdentity"]),
        "Resources": _lookup_resources(rec),
        "CloudTrailEvent": json.dumps(rec),
    }
    return {k: v for k, v in event.items() if v is not None}

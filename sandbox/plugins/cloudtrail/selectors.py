"""Which events a trail logs: basic and advanced event selectors, validated and matched as AWS does.

Sources: CloudTrail User Guide, "Logging management events", "Logging data events" (basic
selectors: ReadWriteType, IncludeManagementEvents, ExcludeManagementEventSources, DataResources
with "arn:aws:s3" for all buckets or "arn:aws:s3:::bucket/prefix"; advanced selectors: field
selectors on eventCategory, eventSource, eventName, readOnly, resources.type, resources.ARN,
userIdentity.arn, errorCode with Equals/StartsWith/EndsWith and their Not- forms) and the API
Reference for PutEventSelectors / AdvancedFieldSelector (limits: 1-5 basic selectors, 250 data
resources, 500 condition values). AWS documents the exception codes, not their texts; the texts
below say what is wrong in AWS's style.
"""

from __future__ import annotations

from dataclasses import dataclass, field

READ_WRITE_TYPES = ("ReadOnly", "WriteOnly", "All")
MAX_SELECTORS = 5
MAX_DATA_RESOURCES = 250
MAX_ADVANCED_VALUES = 500
# Data resource types accepted in basic selectors (API Reference, DataResource.Type).
BASIC_DATA_TYPES = ("AWS::S3::Object", "AWS::Lambda::Function", "AWS::DynamoDB::Table")
ADVANCED_FIELDS = (
    "eventCategory", "eventSource", "eventName", "eventType", "readOnly", "resources.type",
    "resources.ARN", "userIdentity.arn", "errorCode", "sessionCredentialFromConsole",
)
OPERATORS = ("Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith")


class SelectorError(ValueError):
    """PutEventSelectors input that AWS refuses (InvalidEventSelectorsException)."""


@dataclass
class Event:
    """The parts of a record that selectors look at."""

    category: str  # Management | Data
    read_only: bool
    event_source: str
    event_name: str
    resources: list[dict] = field(default_factory=list)  # record "resources" entries
    user_arn: str = ""
    error_code: str = ""

    @classmethod
    def of(cls, record: dict) -> "Event":
        return cls(
            category=record.get("eventCategory", "Management"),
            read_only=bool(record.get("readOnly")),
            event_source=record.get("eventSource", ""),
            event_name=record.get("eventName", ""),
            resources=record.get("resources") or [],
            user_arn=(record.get("userIdentity") or {}).get("arn", ""),
            error_code=record.get("errorCode", ""),
        )


# ---- validation -------------------------------------------------------------------------------


def validate_basic(selectors: list[dict]) -> None:
    if not 1 <= len(selectors) <= MAX_SELECTORS:
        raise SelectorError(f"Specify a valid number of event selectors (1 to {MAX_SELECTORS}) for your trail.")
    total = 0
    for selector in selectors:
        rw = selector.get("ReadWriteType", "All")
        if rw not in READ_WRITE_TYPES:
            raise SelectorError(f"Value {rw} for ReadWriteType is invalid. Valid values: {', '.join(READ_WRITE_TYPES)}.")
        for resource in selector.get("DataResources") or []:
            kind = resource.get("Type", "")
            if kind not in BASIC_DATA_TYPES:
                raise SelectorError(f"Value {kind} for DataResources.Type is invalid.")
            values = resource.get("Values") or []
            total += len(values)
            for value in values:
                if kind == "AWS::S3::Object" and not _valid_s3_value(value):
                    raise SelectorError(f"Value {value} for DataResources.Values is invalid.")
    if total > MAX_DATA_RESOURCES:
        raise SelectorError(f"A trail is limited to {MAX_DATA_RESOURCES} data resources; you specified {total}.")


def _valid_s3_value(value: str) -> bool:
    # "arn:aws:s3" (all buckets), "arn:aws:s3:::bucket/" or "arn:aws:s3:::bucket/prefix".
    if value in ("arn:aws:s3", "arn:aws:s3:::"):
        return True
    return value.startswith("arn:aws:s3:::") and "/" in value[len("arn:aws:s3:::"):]


def validate_advanced(selectors: list[dict]) -> None:
    if not selectors:
        raise SelectorError("Specify at least one advanced event selector.")
    total = 0
    for selector in selectors:
        fields = selector.get("FieldSelectors") or []
        names = [f.get("Field") for f in fields]
        for fs in fields:
            name = fs.get("Field")
            if name not in ADVANCED_FIELDS:
                raise SelectorError(f"Invalid field name {name} in FieldSelectors.")
            used = [op for op in OPERATORS if fs.get(op)]
            if not used:
                raise SelectorError(f"Field {name} must have at least one operator with values.")
            total += sum(len(fs[op]) for op in used)
        if "eventCategory" not in names:
            raise SelectorError("Advanced event selectors must include the eventCategory field.")
        categories = next(f for f in fields if f.get("Field") == "eventCategory").get("Equals") or []
        if not categories or any(c not in ("Management", "Data") for c in categories):
            raise SelectorError("eventCategory must use the Equals operator with Management or Data.")
        if "Data" in categories and "resources.type" not in names:
            raise SelectorError("Data event selectors must include the resources.type field.")
    if total > MAX_ADVANCED_VALUES:
        raise SelectorError(f"A trail can have at most {MAX_ADVANCED_VALUES} values for all conditions; you specified {total}.")


# ---- matching ---------------------------------------------------------------------------------


def trail_selects(trail, event: Event) -> bool:
    """Does `trail` (models.Trail) log `event`?"""
    if trail.advanced_event_selectors is not None:
        return any(_advanced_matches(s, event) for s in trail.advanced_event_selectors)
    return any(_basic_matches(s, event) for s in trail.event_selectors)


def _rw_matches(rw: str, read_only: bool) -> bool:
    return rw == "All" or (rw == "ReadOnly") == read_only


def _basic_matches(selector: dict, event: Event) -> bool:
    if not _rw_matches(selector.get("ReadWriteType", "All"), event.read_only):
        return False
    if event.category == "Management":
        return bool(selector.get("IncludeManagementEvents", True)) and event.event_source not in (
            selector.get("ExcludeManagementEventSources") or []
        )
    return any(_data_resource_matches(r, event) for r in selector.get("DataResources") or [])


def _data_resource_matches(resource: dict, event: Event) -> bool:
    kind = resource.get("Type")
    for entry in event.resources:
        if entry.get("type") != kind:
            continue
        arn = entry.get("ARN") or entry.get("ARNPrefix") or ""
        for value in resource.get("Values") or []:
            if value in ("arn:aws:s3", "arn:aws:s3:::") or arn.startswith(value):
                return True
    return False


def _advanced_matches(selector: dict, event: Event) -> bool:
    plain, per_resource = [], []
    for fs in selector.get("FieldSelectors") or []:
        (per_resource if fs.get("Field", "").startswith("resources.") else plain).append(fs)
    values = {
        "eventCategory": event.category,
        "eventSource": event.event_source,
        "eventName": event.event_name,
        "eventType": "AwsApiCall",
        "readOnly": "true" if event.read_only else "false",
        "userIdentity.arn": event.user_arn,
        "errorCode": event.error_code,
        "sessionCredentialFromConsole": "false",
    }
    if not all(_field_holds(fs, values.get(fs["Field"], "")) for fs in plain):
        return False
    if not per_resource:
        return True
    # resources.type and resources.ARN must hold for the same resource of the event.
    return any(
        all(_field_holds(fs, _resource_value(fs["Field"], r)) for fs in per_resource)
        for r in event.resources
    )


def _resource_value(name: str, resource: dict) -> str:
    if name == "resources.type":
        return resource.get("type", "")
    return resource.get("ARN") or resource.get("ARNPrefix") or ""


def _field_holds(fs: dict, value: str) -> bool:
    """Positive operators: any listed value matches; negative operators: none matches; all
    operators present in one field selector must hold."""
    tests = {
        "Equals": lambda v: value == v,
        "StartsWith": lambda v: value.startswith(v),
        "EndsWith": lambda v: value.endswith(v),
    }
    for op in OPERATORS:
        listed = fs.get(op)
        if not listed:
            continue
        negated = op.startswith("Not")
        test = tests[op[3:] if negated else op]
        hit = any(test(v) for v in listed)
        if hit == negated:
            return False
    return True

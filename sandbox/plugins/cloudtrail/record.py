"""Turn one API call into a CloudTrail record in AWS's documented schema.

Sources (CloudTrail User Guide): "CloudTrail record contents" (fields, their order and meaning;
responseElements only for calls that change state), "CloudTrail userIdentity element", "CloudTrail
log file examples" (EC2 StartInstances/StopInstances with instancesSet/items, IAM CreateUser with
createDate "Mar 24, 2014 9:11:59 PM", errorCode/errorMessage, CreateKeyPair keyMaterial
"<sensitiveDataRemoved>"), "Logging data events" (S3 object-level calls are data events).
Amazon S3 User Guide: "Amazon S3 CloudTrail events" (event names that differ from API names,
object-level operations, ListObjects/HeadBucket/DeleteObjects as object-level under conditions) and
"CloudTrail log file entries for Amazon S3" (requestParameters with bucketName, Host, key and the
query subresources such as "acl": "", additionalEventData, resources for object and bucket).

requestParameters / responseElements follow AWS's conventions per protocol family:
- JSON and query services (IAM, STS, Lambda, CloudTrail, ...): member names with a lower-case first
  letter (UserName -> userName), nested the same way; IAM/STS dates as "Mar 24, 2014 9:11:59 PM";
- EC2: the XML wire names (instancesSet, currentState), lists as {"items": [...]}, times in epoch ms;
- S3: bucketName, Host, key, the query string's subresources, x-amz-* request headers, XML bodies as
  their XML element names with xmlns, the bucket policy as JSON; SSE and version-id response headers.
Secrets are never written: secret keys and passwords are left out, other members AWS marks as
sensitive read "HIDDEN_DUE_TO_SECURITY_REASONS".
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache

from botocore.model import OperationModel, Shape

EVENT_VERSION = "1.09"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"
S3_XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"

# Event names that differ from the API operation name (S3 User Guide, "Amazon S3 CloudTrail events").
S3_EVENT_NAMES = {
    "ListObjectsV2": "ListObjects",
    "PutBucketLifecycleConfiguration": "PutBucketLifecycle",
    "GetBucketLifecycleConfiguration": "GetBucketLifecycle",
    "PutBucketNotificationConfiguration": "PutBucketNotification",
    "GetBucketNotificationConfiguration": "GetBucketNotification",
    "PutPublicAccessBlock": "PutBucketPublicAccessBlock",
    "GetPublicAccessBlock": "GetBucketPublicAccessBlock",
    "DeletePublicAccessBlock": "DeleteBucketPublicAccessBlock",
}
# S3 object-level calls: data events (S3 User Guide, "Amazon S3 object-level actions ...").
S3_OBJECT_OPERATIONS = {
    "AbortMultipartUpload", "CompleteMultipartUpload", "DeleteObject", "GetObject", "GetObjectAcl",
    "GetObjectAttributes", "GetObjectTagging", "HeadObject", "CreateMultipartUpload", "ListParts",
    "PostObject", "RestoreObject", "PutObject", "PutObjectAcl", "PutObjectTagging", "CopyObject",
    "UploadPart", "UploadPartCopy", "DeleteObjectTagging", "GetObjectLegalHold", "PutObjectLegalHold",
    "GetObjectRetention", "PutObjectRetention", "SelectObjectContent",
}
# Bucket-level calls that CloudTrail logs as object-level (data) events, with an ARN prefix.
S3_BUCKET_DATA_OPERATIONS = {"ListObjects", "ListObjectsV2", "ListObjectVersions", "HeadBucket", "DeleteObjects"}
DYNAMODB_DATA_OPERATIONS = {
    "GetItem", "PutItem", "UpdateItem", "DeleteItem", "BatchGetItem", "BatchWriteItem", "Query", "Scan",
    "TransactGetItems", "TransactWriteItems",
}
LAMBDA_DATA_OPERATIONS = {"Invoke", "InvokeAsync", "InvokeWithResponseStream"}
# Amazon SQS Developer Guide, "Logging Amazon SQS API calls using AWS CloudTrail": message calls are
# data events of resource type AWS::SQS::Queue (advanced selectors only); SNS Publish likewise.
SQS_DATA_OPERATIONS = {
    "SendMessage", "SendMessageBatch", "ReceiveMessage", "DeleteMessage", "DeleteMessageBatch",
    "ChangeMessageVisibility", "ChangeMessageVisibilityBatch",
}
SNS_DATA_OPERATIONS = {"Publish", "PublishBatch"}
# Services whose events CloudTrail records in us-east-1 (User Guide, "global service events").
GLOBAL_SERVICES = {"iam", "cloudfront", "route53", "organizations"}
EVENT_SOURCE_OVERRIDES = {"email": "ses.amazonaws.com", "streams.dynamodb": "dynamodb.amazonaws.com"}
READ_ONLY_PREFIXES = (
    "Get", "List", "Describe", "Head", "Lookup", "Search", "BatchGet", "Scan", "Query", "Select",
    "Check", "Test", "Decrypt", "Verify", "Estimate", "Preview", "Validate",
)
# Request headers S3 reports among requestParameters (as sent, by header name).
S3_REQUEST_HEADERS = (
    "x-amz-acl", "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-storage-class", "x-amz-copy-source", "x-amz-tagging", "x-amz-website-redirect-location",
    "x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold",
)
S3_RESPONSE_HEADERS = (
    "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id", "x-amz-version-id",
)
SECRET_MEMBERS = {"secretaccesskey", "password", "oldpassword", "newpassword", "privatekey"}
EC2_INSTANCE_OPERATIONS = {
    "StartInstances", "StopInstances", "TerminateInstances", "RebootInstances", "MonitorInstances",
    "UnmonitorInstances",
}
EC2_REQUEST_LISTS = {"InstanceIds": ("instancesSet", "instanceId"), "Resources": ("resourcesSet", "resourceId")}
EC2_RUN_ITEM_MEMBERS = ("ImageId", "MinCount", "MaxCount", "KeyName")
# Parameters EC2 reports with their default when the caller left them out (User Guide example:
# StopInstances with "force": false).
EC2_REQUEST_DEFAULTS = {"StopInstances": {"force": False}}


@dataclass
class Call:
    """One finished API call as the recorder captured it (everything plain or immutable)."""

    time: datetime
    account_id: str
    region: str
    service: str  # botocore service name: s3, ec2, iam, ...
    operation: OperationModel
    request_id: str
    params: dict
    response: dict | None
    error_code: str | None = None
    error_message: str | None = None
    access_key_id: str = ""
    user_agent: str = ""
    source_ip: str = "127.0.0.1"
    host: str = ""
    query: dict = field(default_factory=dict)  # raw query string (S3 subresources)
    auth: str = ""  # "header" or "query" (pre-signed) signature, and its version
    sigv: str = "SigV4"
    request_length: int | None = None
    response_length: int | None = None
    response_headers: dict = field(default_factory=dict)  # only the few S3 reports


# ---- classification ---------------------------------------------------------------------------


def event_name(call: Call) -> str:
    name = call.operation.name
    return S3_EVENT_NAMES.get(name, name) if call.service == "s3" else name


def is_read_only(operation_name: str) -> bool:
    return operation_name.startswith(READ_ONLY_PREFIXES)


def is_data_event(call: Call) -> bool:
    name = call.operation.name
    if call.service == "s3":
        return name in S3_OBJECT_OPERATIONS or name in S3_BUCKET_DATA_OPERATIONS
    if call.service == "dynamodb":
        return name in DYNAMODB_DATA_OPERATIONS
    if call.service == "lambda":
        return name in LAMBDA_DATA_OPERATIONS
    if call.service == "sqs":
        return name in SQS_DATA_OPERATIONS
    if call.service == "sns":
        return name in SNS_DATA_OPERATIONS
    return False


def event_source(call: Call) -> str:
    prefix = call.operation.service_model.endpoint_prefix
    return EVENT_SOURCE_OVERRIDES.get(prefix, f"{prefix}.amazonaws.com")


def event_region(call: Call) -> str:
    return "us-east-1" if call.service in GLOBAL_SERVICES else call.region


def iso_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- the record -------------------------------------------------------------------------------


def build(call: Call, user_identity: dict, bucket_owner=lambda bucket: None) -> dict:
    """The record, fields in the order AWS writes them. `bucket_owner(name)` names the account of
    an S3 bucket for the resources list."""
    name = call.operation.name
    read_only = is_read_only(name)
    data = is_data_event(call)
    record: dict = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity,
        "eventTime": iso_time(call.time),
        "eventSource": event_source(call),
        "eventName": event_name(call),
        "awsRegion": event_region(call),
        "sourceIPAddress": call.source_ip,
        "userAgent": (call.user_agent or "")[:1024],
    }
    if call.error_code:
        record["errorCode"] = call.error_code[:1024]
        record["errorMessage"] = (call.error_message or "")[:1024]
    if call.service == "s3":
        record["requestParameters"] = s3_request_parameters(call)
        record["responseElements"] = None if (read_only or call.error_code) else s3_response_elements(call)
        record["additionalEventData"] = s3_additional_data(call, data)
    else:
        record["requestParameters"] = request_parameters(call)
        record["responseElements"] = None if (read_only or call.error_code) else response_elements(call)
    record["requestID"] = call.request_id
    record["eventID"] = str(uuid.uuid4())
    record["readOnly"] = read_only
    resources = event_resources(call, bucket_owner)
    if resources:
        record["resources"] = resources
    record["eventType"] = "AwsApiCall"
    record["managementEvent"] = not data
    record["recipientAccountId"] = call.account_id
    record["eventCategory"] = "Data" if data else "Management"
    return record


def event_resources(call: Call, bucket_owner) -> list[dict]:
    name = call.operation.name
    params = call.params or {}
    if call.service == "s3" and params.get("Bucket"):
        bucket = params["Bucket"]
        owner = bucket_owner(bucket)
        bucket_entry = {"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}
        if owner:
            bucket_entry = {"accountId": owner, **bucket_entry}
        if name in S3_OBJECT_OPERATIONS and params.get("Key"):
            return [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{params['Key']}"}, bucket_entry]
        if name in S3_BUCKET_DATA_OPERATIONS:
            prefix = params.get("Prefix") or ""
            return [{"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/{prefix}"}, bucket_entry]
        return [bucket_entry]
    if call.service == "dynamodb" and name in DYNAMODB_DATA_OPERATIONS:
        tables = [params["TableName"]] if params.get("TableName") else list((params.get("RequestItems") or {}))
        return [{"accountId": call.account_id, "type": "AWS::DynamoDB::Table",
                 "ARN": t if t.startswith("arn:") else f"arn:aws:dynamodb:{call.region}:{call.account_id}:table/{t}"}
                for t in tables]
    if call.service == "lambda" and name in LAMBDA_DATA_OPERATIONS and params.get("FunctionName"):
        fn = params["FunctionName"]
        arn = fn if fn.startswith("arn:") else f"arn:aws:lambda:{call.region}:{call.account_id}:function:{fn}"
        return [{"accountId": call.account_id, "type": "AWS::Lambda::Function", "ARN": arn}]
    if call.service == "sqs" and name in SQS_DATA_OPERATIONS and params.get("QueueUrl"):
        # https://sqs.<region>.amazonaws.com/<account>/<name> or LocalStack's path form
        parts = params["QueueUrl"].rstrip("/").split("/")
        owner, queue = (parts[-2], parts[-1]) if len(parts) >= 2 else (call.account_id, parts[-1])
        return [{"accountId": owner, "type": "AWS::SQS::Queue", "ARN": f"arn:aws:sqs:{call.region}:{owner}:{queue}"}]
    if call.service == "sns" and name in SNS_DATA_OPERATIONS and params.get("TopicArn"):
        topic = params["TopicArn"]
        return [{"accountId": topic.split(":")[4], "type": "AWS::SNS::Topic", "ARN": topic}]
    return []


# ---- JSON / query / EC2 services --------------------------------------------------------------


def _style(call: Call) -> str:
    if call.service == "ec2":
        return "ec2"
    return "iam" if call.service in ("iam", "sts") else "json"


def request_parameters(call: Call) -> dict | None:
    shape = call.operation.input_shape
    if shape is None or not call.params:
        return None
    style = _style(call)
    params = dict(call.params)
    out: dict = {}
    if style == "ec2":
        out = _ec2_request_lists(call.operation.name, params)
    converted = convert(params, shape, style)
    out.update(converted or {})
    if style == "ec2":
        for key, default in EC2_REQUEST_DEFAULTS.get(call.operation.name, {}).items():
            out.setdefault(key, default)
    return out or None


def response_elements(call: Call) -> dict | None:
    shape = call.operation.output_shape
    response = {k: v for k, v in (call.response or {}).items() if k != "ResponseMetadata"}
    style = _style(call)
    out = convert(response, shape, style) if shape is not None else {}
    if style == "ec2":
        out = {"requestId": call.request_id, **(out or {})}
    return out or None


def _ec2_request_lists(operation: str, params: dict) -> dict:
    """The EC2 instance calls as CloudTrail writes them: {"instancesSet": {"items": [...]}}."""
    out: dict = {}
    for member, (key, item_key) in EC2_REQUEST_LISTS.items():
        if member in params:
            out[key] = {"items": [{item_key: v} for v in params.pop(member) or []]}
    if operation == "RunInstances":
        item = {_lower_first(m): params.pop(m) for m in EC2_RUN_ITEM_MEMBERS if m in params}
        out["instancesSet"] = {"items": [item]}
    return out


def convert(value, shape: Shape | None, style: str):
    """A parsed request/response value rendered the way CloudTrail writes it for `style`."""
    if value is None:
        return None
    if shape is None:
        return _json_safe(value)
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            if name not in value or name.lower() in SECRET_MEMBERS:
                continue
            if member.type_name == "blob" or member.serialization.get("streaming"):
                continue
            key = _member_key(name, member, style)
            if name == "KeyMaterial":
                out[key] = "<sensitiveDataRemoved>"
            elif member.metadata.get("sensitive"):
                out[key] = HIDDEN
            else:
                out[key] = convert(value[name], member, style)
        return out
    if kind == "list":
        items = [convert(v, shape.member, style) for v in value]
        if style == "ec2":
            return {"items": items} if items else {}
        return items
    if kind == "map":
        return {str(k): convert(v, shape.value, style) for k, v in value.items()}
    if kind == "timestamp":
        return _timestamp(value, style)
    if shape.metadata.get("sensitive"):
        return HIDDEN
    return _json_safe(value)


def _member_key(name: str, member: Shape, style: str) -> str:
    if style == "ec2":
        return _lower_first(member.serialization.get("name") or name)
    return _lower_first(name)


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _timestamp(value, style: str):
    if not isinstance(value, datetime):
        return _json_safe(value)
    moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    moment = moment.astimezone(timezone.utc)
    if style == "ec2":
        return int(moment.timestamp() * 1000)
    if style == "iam":
        # "Mar 24, 2014 9:11:59 PM" (User Guide, IAM log examples).
        hour = moment.hour % 12 or 12
        return f"{moment:%b} {moment.day}, {moment.year} {hour}:{moment:%M:%S} {'AM' if moment.hour < 12 else 'PM'}"
    return iso_time(moment)


def _json_safe(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return None
    return str(value)


# ---- S3 ---------------------------------------------------------------------------------------


def s3_request_parameters(call: Call) -> dict:
    params = call.params or {}
    shape = call.operation.input_shape
    out: dict = {}
    if params.get("Bucket"):
        out["bucketName"] = params["Bucket"]
    out["Host"] = call.host
    if params.get("Key"):
        out["key"] = params["Key"]
    # Subresources and list parameters exactly as the query string carried them ("acl": "").
    for key, value in call.query.items():
        lower = key.lower()
        if lower.startswith("x-amz-") or lower == "x-id":
            continue  # pre-signed URL signature fields and the SDK's operation hint
        out[key] = value
    if shape is not None:
        for name, header in _s3_header_members(call.operation.name, shape):
            if name in params:
                out[header] = _json_safe(params[name])
        payload = shape.serialization.get("payload")
        if payload and payload in params and params[payload] is not None:
            member = shape.members[payload]
            if call.operation.name == "PutBucketPolicy":
                out["bucketPolicy"] = _policy_json(params[payload])
            elif member.type_name == "structure":
                body = _xml_style(params[payload], member)
                if isinstance(body, dict):
                    body["xmlns"] = S3_XMLNS
                out[member.serialization.get("name") or payload] = body
    return out


@lru_cache(maxsize=256)
def _s3_header_members(operation: str, shape: Shape) -> tuple[tuple[str, str], ...]:
    """(member, header) pairs of the request headers S3 reports, per operation (computed once)."""
    return tuple(
        (name, member.serialization["name"]) for name, member in shape.members.items()
        if member.serialization.get("location") == "header" and member.serialization.get("name") in S3_REQUEST_HEADERS
    )


def _policy_json(policy):
    if isinstance(policy, bytes):
        policy = policy.decode("utf-8", "replace")
    try:
        return json.loads(policy)
    except (TypeError, ValueError):
        return policy


def _xml_style(value, shape: Shape):
    """An S3 XML body as CloudTrail renders it: XML element names, one-element lists collapsed."""
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            if name not in value or member.serialization.get("xmlAttribute"):
                continue
            key = member.serialization.get("name") or name
            rendered = _xml_style(value[name], member)
            if member.type_name == "list" and not member.serialization.get("flattened"):
                rendered = {shape_member_name(member): rendered}
            out[key] = rendered
        return out
    if kind == "list":
        items = [_xml_style(v, shape.member) for v in value]
        return items[0] if len(items) == 1 else items
    return _json_safe(value)


def shape_member_name(list_shape: Shape) -> str:
    return list_shape.member.serialization.get("name") or "member"


def s3_response_elements(call: Call) -> dict | None:
    found = {h: call.response_headers[h] for h in S3_RESPONSE_HEADERS if call.response_headers.get(h)}
    return found or None


def s3_additional_data(call: Call, data_event: bool) -> dict:
    extra: dict = {"SignatureVersion": call.sigv}
    if data_event:
        extra["bytesTransferredIn"] = call.request_length or 0
    extra["AuthenticationMethod"] = "QueryString" if call.auth == "query" else "AuthHeader"
    if call.response_headers.get("x-amz-id-2"):
        extra["x-amz-id-2"] = call.response_headers["x-amz-id-2"]
    if data_event:
        extra["bytesTransferredOut"] = call.response_length or 0
    return extra

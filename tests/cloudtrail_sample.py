"""CloudTrail-shaped log files for Athena tests and benchmarks (until trails deliver real ones).

Records follow the S3 data event example of the AWS CloudTrail User Guide ("CloudTrail record
contents", "Amazon S3 data events" examples): camel-case keys such as sourceIPAddress, requestID
and eventID, objects in requestParameters / responseElements / additionalEventData, resources
with an upper-case `ARN`. Files are `{"Records": [...]}` gzip, under AWSLogs/<account>/CloudTrail/
<region>/YYYY/MM/DD/ as CloudTrail delivers them ("Finding your CloudTrail log files").
"""

from __future__ import annotations

import gzip
import json
import uuid
from datetime import datetime, timedelta, timezone

EVENTS = ["PutObject", "GetObject", "ListObjects", "DeleteObject", "HeadObject"]
USERS = ["alice", "bob", "carol"]


def record(account: str, region: str, i: int, bucket: str, when: datetime, user: str | None = None,
           event: str | None = None, key: str | None = None) -> dict:
    user = user or USERS[i % len(USERS)]
    event = event or EVENTS[i % len(EVENTS)]
    key = key or f"data/file-{i}.txt"
    return {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": f"AIDA{user.upper():0<16}",
            "arn": f"arn:aws:iam::{account}:user/{user}",
            "accountId": account,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
            "userName": user,
        },
        "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": "s3.amazonaws.com",
        "eventName": event,
        "awsRegion": region,
        "sourceIPAddress": f"192.0.2.{i % 250}",
        "userAgent": "[aws-cli/2.7.20 Python/3.9.11]",
        "requestParameters": {"bucketName": bucket, "Host": f"{bucket}.s3.{region}.amazonaws.com", "key": key},
        "responseElements": None if event != "PutObject" else {"x-amz-server-side-encryption": "AES256"},
        "additionalEventData": {"SignatureVersion": "SigV4", "bytesTransferredIn": i % 1000,
                                "AuthenticationMethod": "AuthHeader", "bytesTransferredOut": 0},
        "requestID": f"REQ{i:013d}",
        "eventID": str(uuid.UUID(int=i)),
        "readOnly": event in ("GetObject", "ListObjects", "HeadObject"),
        "resources": [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
            {"accountId": account, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
        ],
        "eventType": "AwsApiCall",
        "managementEvent": False,
        "recipientAccountId": account,
        "eventCategory": "Data",
        "tlsDetails": {"tlsVersion": "TLSv1.2", "cipherSuite": "ECDHE-RSA-AES128-GCM-SHA256",
                       "clientProvidedHostHeader": f"{bucket}.s3.{region}.amazonaws.com"},
    }


def log_files(account: str, region: str, bucket: str, count: int, per_file: int = 500,
              start: datetime | None = None, prefix: str = "") -> dict[str, bytes]:
    """key -> gzip body: `count` records spread over files of `per_file`, one minute apart."""
    start = start or datetime(2022, 8, 10, tzinfo=timezone.utc)
    files = {}
    for first in range(0, count, per_file):
        when = start + timedelta(minutes=first)
        records = [record(account, region, i, "20220810-test-bucket", start + timedelta(minutes=i))
                   for i in range(first, min(count, first + per_file))]
        key = (f"{prefix}AWSLogs/{account}/CloudTrail/{region}/{when:%Y/%m/%d}/"
               f"{account}_CloudTrail_{region}_{when:%Y%m%dT%H%MZ}_{uuid.UUID(int=first).hex[:16]}.json.gz")
        files[key] = gzip.compress(json.dumps({"Records": records}).encode())
    return files


def console_ddl(table: str, bucket: str, account: str) -> str:
    """The CREATE EXTERNAL TABLE the CloudTrail console generates, as the scenario's reference
    solution writes it (one copy of the DDL)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scenarios" / "cloudtrail-athena" / "solution.py"
    spec = importlib.util.spec_from_file_location("cloudtrail_athena_solution", path)
    solution = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(solution)
    return solution.TABLE_DDL.format(table=table, bucket=bucket, account=account)

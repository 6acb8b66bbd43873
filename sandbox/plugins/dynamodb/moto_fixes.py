"""Where moto's DynamoDB differs from AWS in what a learner sees, fixed at moto's own seams.

- Stream records (moto.dynamodb.models.table.StreamRecord): moto writes awsRegion "us-east-1"
  whatever the table's region, eventVersion "1.0", and an empty OldImage on INSERT (NewImage on
  REMOVE). AWS's records carry the table's region, eventVersion "1.1", and no OldImage for a new
  item nor NewImage for a deleted one (Amazon DynamoDB Developer Guide, "Change data capture for
  DynamoDB Streams"; DynamoDB Streams API Reference, "Record" and "StreamRecord").
- PartiQL (moto.dynamodb.parsing.partiql): py-partiql-parser 0.6.3 (the newest) needs blanks
  around comparison operators; `WHERE pk='a'` or `SET v=5`, which DynamoDB accepts, failed with
  an InternalError. Blanks are put around them outside quoted strings and identifiers.
"""

from __future__ import annotations

import re

from moto.dynamodb.models import table as moto_table
from moto.dynamodb.models.utilities import dynamo_json_dump
from moto.dynamodb.parsing import partiql

_QUOTED = re.compile(r"('(?:[^']|'')*'|\"(?:[^\"]|\"\")*\")")
_OPERATOR = re.compile(r"\s*(<=|>=|<>|!=|=|<|>)\s*")


def spaced_operators(statement: str) -> str:
    """`a=1 AND b<>'x=y'` -> `a = 1 AND b <> 'x=y'`: quoted parts (odd indexes) stay as they are."""
    parts = _QUOTED.split(statement)
    return "".join(part if i % 2 else _OPERATOR.sub(r" \1 ", part) for i, part in enumerate(parts))


def install() -> None:
    record_cls = moto_table.StreamRecord
    if getattr(record_cls.__init__, "_awslab", False):
        return
    original_init = record_cls.__init__

    def __init__(self, table, stream_type, event_name, old, new, seq):
        original_init(self, table, stream_type, event_name, old, new, seq)
        self.record["awsRegion"] = table.region_name
        self.record["eventVersion"] = "1.1"
        image = self.record["dynamodb"]
        if old is None:
            image.pop("OldImage", None)
        if new is None:
            image.pop("NewImage", None)
        image.pop("SizeBytes", None)
        image["SizeBytes"] = len(dynamo_json_dump(image))  # moto's own estimate, without the dropped image

    __init__._awslab = True
    record_cls.__init__ = __init__

    query, metadata = partiql.query, partiql.get_query_metadata
    partiql.query = lambda statement, source_data, parameters: query(spaced_operators(statement), source_data, parameters)
    partiql.get_query_metadata = lambda statement: metadata(spaced_operators(statement))

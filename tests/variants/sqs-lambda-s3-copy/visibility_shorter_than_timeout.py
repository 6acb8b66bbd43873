"""Wrong: the function's timeout (60 s) exceeds the queue's visibility timeout (30 s, the
default): AWS refuses to create such a trigger. If the emulator refuses it too, the mapping is
missing; either way the trigger check fails."""

from _common import NOOP_HANDLER, build_with
from botocore.exceptions import ClientError

EXPECT = {"trigger-configured": ""}


def build(learner):
    try:
        build_with(learner, ["s3:GetObject", "s3:PutObject"], NOOP_HANDLER, timeout=60)
    except ClientError as exc:  # the emulator refusing the mapping, as AWS does
        assert exc.response["Error"]["Code"] == "InvalidParameterValueException", exc

"""Wrong: the role may read hane.jpg but not write objects: on AWS the function's write is
refused."""

from _common import NOOP_HANDLER, build_with

EXPECT = {"role-can-copy-objects": "s3:PutObject"}


def build(learner):
    build_with(learner, ["s3:GetObject"], NOOP_HANDLER)

"""Wrong: the trigger's FilterCriteria only lets notifications about other.jpg through, so S3's
notification about hane.jpg never reaches the function."""

import json

from _common import build_with

EXPECT = {"upload-makes-copy": "the trigger's filter"}

HANDLER = '''def lambda_handler(event, context):
    print(event)
'''

def build(learner):
    pattern = {"body": {"Records": {"s3": {"object": {"key": ["other.jpg"]}}}}}
    build_with(learner, ["s3:GetObject", "s3:PutObject"], HANDLER,
               FilterCriteria={"Filters": [{"Pattern": json.dumps(pattern)}]})

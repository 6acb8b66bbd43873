"""Wrong (gaming): the reference build, but the function only logs; a script of the learner's
own, with the account's credentials, writes hane2.jpg whenever hane.jpg changes."""

import time

from tests.lambda_functions import zip_source

EXPECT = {"upload-makes-copy": "was written by root, not by"}

HANDLER = '''def lambda_handler(event, context):
    print(len(event["Records"]), "messages")
'''


def build(learner):
    learner.solve()
    lam = learner.client("lambda")
    lam.update_function_code(FunctionName=learner.names["function"], ZipFile=zip_source(HANDLER))
    lam.get_waiter("function_updated_v2").wait(FunctionName=learner.names["function"],
                                               WaiterConfig={"Delay": 0.2, "MaxAttempts": 100})


def background(learner, stop):
    s3, bucket = learner.client("s3"), learner.names["bucket"]
    seen = None
    while not stop.is_set():
        try:
            etag = s3.head_object(Bucket=bucket, Key=learner.names["source_key"])["ETag"]
        except s3.exceptions.ClientError:
            etag = None
        if etag and etag != seen:
            s3.copy_object(Bucket=bucket, Key=learner.names["copy_key"],
                           CopySource={"Bucket": bucket, "Key": learner.names["source_key"]})
            seen = etag
        time.sleep(0.05)

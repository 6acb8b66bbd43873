"""Wrong (gaming): the reference build, but S3's s3:TestEvent message was purged, and the learner
sent a look-alike s3:TestEvent body to the queue with their own credentials."""

import json
import time

EXPECT = {"test-event-delivered": "sent by root, not by S3"}


def build(learner):
    learner.solve()
    sqs = learner.client("sqs")
    url = sqs.get_queue_url(QueueName=learner.names["queue"])["QueueUrl"]
    time.sleep(1)  # S3's own test message first, then it goes
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({
        "Service": "Amazon S3", "Event": "s3:TestEvent", "Time": "2026-12-02T00:00:00.000Z",
        "Bucket": learner.names["bucket"], "RequestId": "X", "HostId": "Y"}))

"""`awslab start sqs-lambda-s3-copy`: the blog continues from its previous post, so the end state
of s3-sqs-notification is the starting point. Its own reference solution builds it (bucket, queue
with policy, notification; S3 then leaves its s3:TestEvent message in the queue), run exactly as
`awslab solve s3-sqs-notification` runs it."""

import os
import subprocess

from grader import scenario as scenarios

PREVIOUS = "s3-sqs-notification"


def setup(env):
    previous = scenarios.get(PREVIOUS)
    names = {key: env.names[key] for key in previous.names}
    done = subprocess.run(previous.solution_args(names), env={**os.environ, **env.account.env()},
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit code %d" % done.returncode])[-1]
        raise RuntimeError(f"{PREVIOUS} solution failed: {last}")

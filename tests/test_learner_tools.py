"""A learner who builds with the aws CLI (a shell script, the way the blog clicks through the console)
gets full marks: the sandbox works with learners' own tools, not only with boto3."""

import os
import subprocess
import sys
from pathlib import Path

from grader import engine
from grader import scenario as scenarios

AWS_CLI_SCRIPT = r"""
set -euo pipefail
# The aws CLI in .venv is v1: it ignores AWS_ENDPOINT_URL for SQS (README, "aws CLI v1").
E="--endpoint-url $AWS_ENDPOINT_URL"
aws s3 mb "s3://$BUCKET"
Q=$(aws sqs create-queue $E --queue-name TestQueue --query QueueUrl --output text)
ARN=$(aws sqs get-queue-attributes $E --queue-url "$Q" --attribute-names QueueArn --query Attributes.QueueArn --output text)
POLICY=$(printf '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"sqs:SendMessage","Resource":"%s","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:s3:::%s"}}}]}' "$ARN" "$BUCKET")
aws sqs set-queue-attributes $E --queue-url "$Q" --attributes "$(python -c 'import json,sys; print(json.dumps({"Policy": sys.argv[1]}))' "$POLICY")"
aws s3api put-bucket-notification-configuration --bucket "$BUCKET" --notification-configuration \
  "{\"QueueConfigurations\":[{\"Id\":\"SQS-Event\",\"QueueArn\":\"$ARN\",\"Events\":[\"s3:ObjectCreated:*\"]}]}"
echo jpeg > hane.jpg
aws s3 cp hane.jpg "s3://$BUCKET/hane.jpg"
aws sqs receive-message $E --queue-url "$Q" --max-number-of-messages 10 --query 'Messages[].Body' --output text
"""


def test_aws_cli_solution_gets_full_marks(account, tmp_path):
    sc = scenarios.get("s3-sqs-notification")
    names = sc.render_names(account.account_id)
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, **account.env(), "BUCKET": names["bucket"],
           "PATH": venv_bin + os.pathsep + os.environ["PATH"]}
    out = subprocess.run(["bash", "-c", AWS_CLI_SCRIPT], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=180)
    assert out.returncode == 0, out.stderr
    assert "ObjectCreated:Put" in out.stdout and "s3:TestEvent" in out.stdout
    result = engine.grade(sc, account, "en")
    assert result.passed, [(c.id, c.message) for c in result.checks if c.status != "pass"]

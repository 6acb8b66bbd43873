"""Learner accounts: a 12-digit access key id is the account id (LocalStack maps it so).

DESIGN.md section 4. In single-learner mode any secret is accepted; the classroom mode of a later
issue will register a real secret per learner.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from . import config

DEFAULT_SECRET = "awslab"

# Marks the User-Agent of awslab's own inspection calls (grader checks, scenario setup): the
# CloudTrail recorder leaves them out of the learner's trail (sandbox/plugins/cloudtrail/recorder.py).
GRADER_USER_AGENT = "awslab-grader"

# Bounded waits: a grader or CLI must never hang on a dead emulator.
CLIENT_CONFIG = {"connect_timeout": 3, "read_timeout": 20, "retries": {"max_attempts": 2, "mode": "standard"}}


@dataclass(frozen=True)
class Account:
    account_id: str
    region: str
    endpoint: str
    secret: str = DEFAULT_SECRET

    def env(self) -> dict[str, str]:
        """The variables that point boto3, the aws CLI and Terraform at this account."""
        return {
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_ACCESS_KEY_ID": self.account_id,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_REGION": self.region,
        }

    def export_lines(self) -> str:
        return export_lines(self.env())

    def session(self):
        import boto3  # imported on use: commands such as `awslab env` start faster without it

        return boto3.session.Session(
            aws_access_key_id=self.account_id,
            aws_secret_access_key=self.secret,
            region_name=self.region,
        )

    def client(self, service: str, session=None, user_agent_extra: str | None = None):
        from botocore.config import Config

        return (session or self.session()).client(
            service, endpoint_url=self.endpoint, config=Config(**CLIENT_CONFIG, user_agent_extra=user_agent_extra)
        )


def export_lines(variables: dict[str, str]) -> str:
    """`export NAME=value` lines for a shell's eval (values quoted)."""
    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in variables.items())


def resolve(account: str | None = None, region: str | None = None, endpoint: str | None = None) -> Account:
    return Account(
        account_id=config.account(account),
        region=config.region(region),
        endpoint=config.endpoint(endpoint),
    )

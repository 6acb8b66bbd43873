"""Wrong: the IdP's AWS app sends a role pair naming another role, so nobody can sign in to
the scenario's role."""

import subprocess
import sys

EXPECT = {"app-sends-role-pair": "role/someone-else"}


def build(learner):
    learner.solve()
    other = (f"arn:aws:iam::{learner.account_id}:role/someone-else,"
             f"arn:aws:iam::{learner.account_id}:saml-provider/{learner.names['provider']}")
    subprocess.run([sys.executable, "-m", "sandbox.cli", "idp", "app", "set", "--role", other,
                    "--endpoint", learner.account.endpoint, "--account", learner.account_id],
                   check=True, capture_output=True, text=True)

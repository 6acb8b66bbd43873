"""Timings of SAML single sign-on, each the median of several runs (issue target in brackets):

- sign / verify:   sandbox.saml.build_response and verify() alone, in this process
- IdP SSO:         POST /_awslab/idp/<account>/sso (the IdP signs a SAMLResponse)
- AssumeRoleWithSAML: the verified STS call with that response (signature, trust policy, session)
- login round trip: both, as `awslab idp login` does them, without the CLI's start-up   [< 50 ms]
- awslab idp login: the whole command (Python start-up included)
- grade saml-sso:  the scenario's grading in one process (ten checks, three sign-in flows)

Runs its own emulator in a private AWSLAB_HOME on a free port, so it can run beside a learner's
sandbox or the tests. Usage: python bench/bench_saml.py [--runs N]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import benchlib

REPO = benchlib.REPO
ACCOUNT = "246813579246"



def ms_line(name: str, samples: list[float], target: str = "") -> None:
    benchlib.line(name, samples, target, unit="ms")


def timed(fn, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return samples


def main() -> None:
    args = benchlib.start(__doc__, default_runs=20)
    from grader import engine
    from grader import scenario as scenarios
    from sandbox import accounts, federation, runtime, saml
    from sandbox.emulator import EmulatorClient

    identity = saml.new_signing_identity("bench")
    metadata = saml.parse_metadata(saml.idp_metadata("urn:bench", identity.cert_pem, "http://x/sso"))
    attributes = {saml.ATTR_SESSION_NAME: ["taro"], saml.ATTR_ROLE: [
        "arn:aws:iam::246813579246:role/saml-role,arn:aws:iam::246813579246:saml-provider/sanvarie_test"]}
    saml.build_response(identity, "urn:bench", "_s", attributes)  # first use loads the key
    ms_line("sign (build_response)", timed(lambda: saml.build_response(identity, "urn:bench", "_s", attributes),
                                        args.runs))
    encoded = saml.encode(saml.build_response(identity, "urn:bench", "_s", attributes))
    ms_line("verify", timed(lambda: saml.verify(encoded, metadata), args.runs))

    info, _ = runtime.start(port=0)
    try:
        acct = accounts.Account(ACCOUNT, "ap-northeast-1", info.endpoint)
        sc = scenarios.get("saml-sso")
        em = EmulatorClient(acct.endpoint)
        em.reset_account(ACCOUNT)
        subprocess.run([sys.executable, "-m", "sandbox.cli", "solve", sc.id, "--account", ACCOUNT],
                       check=True, capture_output=True, cwd=REPO)
        names = sc.render_names(ACCOUNT)
        role = f"arn:aws:iam::{ACCOUNT}:role/{names['role']}"
        provider = f"arn:aws:iam::{ACCOUNT}:saml-provider/{names['provider']}"

        def sso():
            return em.idp_sso(ACCOUNT, names["user1"])["SAMLResponse"]

        def login():
            return federation.sign_in(acct, sso(), role, provider)

        login()  # warm-up: loads STS and IAM into the emulator
        ms_line("IdP SSO (HTTP)", timed(sso, args.runs))
        responses = [sso() for _ in range(args.runs)]
        ms_line("AssumeRoleWithSAML (HTTP)", timed(
            lambda: federation.sign_in(acct, responses.pop(), role, provider), args.runs))
        ms_line("login round trip", timed(login, args.runs), "[target < 50 ms]")

        command = [sys.executable, "-m", "sandbox.cli", "idp", "login", "--user", names["user1"],
                   "--account", ACCOUNT, "--endpoint", acct.endpoint]
        runs = max(3, args.runs // 4)
        ms_line("awslab idp login (CLI)", timed(lambda: subprocess.run(command, check=True, capture_output=True,
                                                                   cwd=REPO), runs))
        grades = []
        for _ in range(runs):
            result = engine.grade(sc, acct, "en")
            if not result.passed:
                raise SystemExit(json.dumps([(c.id, c.message) for c in result.checks if c.status != "pass"]))
            grades.append(result.duration_s)
        ms_line("grade saml-sso (in process)", grades)
    finally:
        runtime.stop()


if __name__ == "__main__":
    main()

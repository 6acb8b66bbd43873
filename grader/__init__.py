"""The grader: loads a scenario, runs its checks against one account, scores and reports.

It reaches the emulator only over HTTP (boto3 and /_awslab/ routes), so it grades the embedded
emulator and a docker-compose one alike.
"""

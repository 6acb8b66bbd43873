"""Classroom mode: one shared emulator, one account per learner (issue 8).

- registry.py   the class registry in SQLite under AWSLAB_HOME (learners, secrets, grades, hints);
- sheet.py      the printable credentials sheet (HTML or text, one card per learner);
- batch.py      `awslab class grade`: every learner graded concurrently with the grader's engine;
- exports.py    gradebook CSV, JUnit XML per learner, Gradescope results.json;
- submission.py `awslab grade-submission`: a learner's scripts run in a fresh account, then graded;
- server.py     `awslab serve`: the class registry and grading API over HTTP (docker-compose service).

The emulator side (the SigV4 check that keeps learners out of each other's accounts) is the
plugin sandbox/plugins/sigv4; it reads the secrets from the same registry file.
"""

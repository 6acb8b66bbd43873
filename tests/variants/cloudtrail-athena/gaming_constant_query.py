"""Wrong (gaming): the named query does not read the logs at all; it returns the expected text."""

from _common import replace_named_query

EXPECT = {"named-query-finds-upload": "returns it too"}


def build(learner):
    learner.solve()
    replace_named_query(learner, """select '2026-12-02T00:00:00Z' as eventtime, '{user}' as username,
       'PutObject' as eventname, 's3.amazonaws.com' as eventsource""".replace("{user}", learner.names["user"]))

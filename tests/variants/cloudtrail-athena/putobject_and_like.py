"""Correct, unlike the reference: the query also narrows to PutObject events and names the
columns in upper case, with the table unqualified."""

from _common import replace_named_query

EXPECT = "full"


def build(learner):
    learner.solve()
    replace_named_query(learner, """SELECT EVENTTIME, USERIDENTITY.USERNAME, EVENTNAME, EVENTSOURCE
FROM {table}
WHERE EVENTNAME = 'PutObject' AND REQUESTPARAMETERS LIKE '%hane.jpg%'
LIMIT 10""")

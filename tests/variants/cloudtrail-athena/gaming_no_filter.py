"""Wrong: the blog's query saved without its `requestparameters like '%hane.jpg%'` filter: it
lists every event, not the upload of hane.jpg. (Whether the learner's own PutObject is among its
first 10 rows depends on what else was logged, so only the failure is expected, not its message.)"""

from _common import replace_named_query

EXPECT = {"named-query-finds-upload": ""}


def build(learner):
    learner.solve()
    replace_named_query(learner, """select eventTime, userIdentity.userName, eventName, eventSource
  from "default"."{table}"
 limit 10""")

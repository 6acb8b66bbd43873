"""Correct, unlike the reference: advanced event selectors (management events plus all S3 object
data events), and a named query written differently: a table alias, strpos() instead of LIKE, an
ORDER BY, no LIMIT."""

from _common import replace_named_query

EXPECT = "full"


def build(learner):
    learner.solve()
    learner.client("cloudtrail").put_event_selectors(TrailName=learner.names["trail"], AdvancedEventSelectors=[
        {"Name": "management", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]},
        {"Name": "s3 objects", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]},
                                                  {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}])
    replace_named_query(learner, """SELECT t.eventtime, t.useridentity.username AS who, t.eventname, t.eventsource
FROM default.{table} AS t
WHERE strpos(t.requestparameters, 'hane.jpg') > 0
ORDER BY t.eventtime DESC""")

"""Wrong: the trail records only the writes of S3 objects; the task asks for reads and writes."""

EXPECT = {"trail-records-s3-data-events": "WriteOnly"}


def build(learner):
    learner.solve()
    learner.client("cloudtrail").put_event_selectors(TrailName=learner.names["trail"], EventSelectors=[{
        "ReadWriteType": "WriteOnly", "IncludeManagementEvents": True,
        "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}])

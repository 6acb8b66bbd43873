"""Wrong: the distribution's default behaviour no longer requires signed URLs (no trusted key
group), so anyone with the URL gets the object."""

EXPECT = {"viewer-access-restricted": "viewer access is not restricted"}


def build(learner):
    learner.solve()
    cloudfront = learner.client("cloudfront")
    dist = cloudfront.list_distributions()["DistributionList"]["Items"][0]
    current = cloudfront.get_distribution_config(Id=dist["Id"])
    config = current["DistributionConfig"]
    config["DefaultCacheBehavior"]["TrustedKeyGroups"] = {"Enabled": False, "Quantity": 0}
    cloudfront.update_distribution(Id=dist["Id"], IfMatch=current["ETag"], DistributionConfig=config)

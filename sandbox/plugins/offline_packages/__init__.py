"""No downloads at run time: a LocalStack package that is not installed fails at once, in one line.

LocalStack installs some services' engines at their first use (Kinesis: kinesis-local from npm;
OpenSearch/Elasticsearch: their server archives; Step Functions JSONata: a Maven jar and a Java;
Transcribe: speech models; DynamoDB Local and Java before awslab's dynamodb plugin). Offline each
download was retried for about a minute and the call ended in an InternalError. Here the installer
refuses instead, so the first call answers within a second with the reason. See
sandbox/plugins/README.md, section offline_packages. AWSLAB_ALLOW_DOWNLOADS=1 leaves it out (a
machine with internet that wants LocalStack's behaviour).
"""

import os

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_offline_packages():
    if os.environ.get("AWSLAB_ALLOW_DOWNLOADS") == "1":
        return
    from .. import LOADED
    from .refuse import install

    install()
    LOADED.append("offline_packages")

"""Give each emulator its own folder for S3 object bytes.

LocalStack's S3 provider keeps object bytes under a fixed folder (/tmp/localstack-s3-storage,
one sub-folder per bucket name), shared by every LocalStack on the host. Two sandboxes on one
machine (tests beside a benchmark, two AWSLAB_HOMEs) would then delete each other's files. The
provider reads the module constant when it is created, which happens on the first S3 request,
after this hook has run.
"""

import os
from pathlib import Path


def isolate_s3_storage() -> None:
    home = os.environ.get("AWSLAB_HOME")
    if not home:
        return
    from localstack.services.s3 import provider

    root = Path(home) / "s3-storage"
    root.mkdir(parents=True, exist_ok=True)
    provider.DEFAULT_S3_TMP_DIR = str(root)

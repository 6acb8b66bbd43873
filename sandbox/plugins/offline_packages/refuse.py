"""The patch on PackageInstaller.install (every LocalStack installer goes through it; the composite
installer calls it for each part)."""

from __future__ import annotations

from localstack.aws.api import CommonServiceException
from localstack.packages.api import PackageException, PackageInstaller

REASON = ("awslab: {name} {version} is not installed and LocalStack would download it now; "
          "this offline sandbox does not download at run time (sandbox/plugins/README.md, offline_packages)")


class DownloadRefused(CommonServiceException, PackageException):
    """Answered as is to the caller: 501, which SDKs and the CLI do not retry (botocore retries 500,
    502, 503 and 504), so the learner reads the reason at once instead of after their retries."""

    def __init__(self, message: str):
        super().__init__("NotImplemented", message, status_code=501, sender_fault=False)


def install() -> None:
    original = PackageInstaller.install
    if getattr(original, "_awslab", False):
        return

    def refusing_install(self, target=None):
        if not self.is_installed():
            raise DownloadRefused(REASON.format(name=self.name, version=self.version))
        return original(self, target)

    refusing_install._awslab = True
    PackageInstaller.install = refusing_install

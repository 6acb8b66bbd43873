"""awslab's internal routes under /_awslab/ (info, per-account reset, SQS probe cleanup).

Registered on LocalStack's edge ROUTER by an `on_infra_start` hook, the plugin point probed in
DESIGN.md section 3. Community LocalStack has no state reset route (/_localstack/state/reset is 404).
"""

import threading

from localstack.runtime import hooks


def _warm_up() -> None:
    """Build LocalStack's service catalog now instead of on the learner's first AWS call: in a fresh
    AWSLAB_HOME it takes 2-3 s (10 s under load), which the first `aws s3 ls` would otherwise wait."""
    from localstack.aws.spec import get_service_catalog

    get_service_catalog()


@hooks.on_infra_start()
def awslab_admin_routes():
    from localstack.services.edge import ROUTER

    from .. import LOADED
    from .routes import AdminRoutes
    from .s3_storage import isolate_s3_storage

    isolate_s3_storage()
    ROUTER.add(AdminRoutes())
    threading.Thread(target=_warm_up, name="awslab-warm-up", daemon=True).start()
    LOADED.append("admin")

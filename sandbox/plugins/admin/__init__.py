"""awslab's internal routes under /_awslab/ (info, per-account reset, SQS probe cleanup).

Registered on LocalStack's edge ROUTER by an `on_infra_start` hook, the plugin point probed in
DESIGN.md section 3. Community LocalStack has no state reset route (/_localstack/state/reset is 404).
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_admin_routes():
    from localstack.services.edge import ROUTER

    from .. import LOADED
    from .routes import AdminRoutes
    from .s3_storage import isolate_s3_storage

    isolate_s3_storage()
    ROUTER.add(AdminRoutes())
    LOADED.append("admin")

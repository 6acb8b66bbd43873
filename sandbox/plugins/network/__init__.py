"""Network plugin: where a request comes from.

- instances.py: the instance metadata service (IMDS) for `awslab exec` and the grader: the
  credentials of an instance profile's role, remembered as belonging to that instance;
- paths.py: the network path of an instance's request to a service (gateway endpoint, internet
  gateway, NAT gateway or none), from its subnet's route table;
- endpoints.py: gateway endpoints keep their prefix-list routes in step with the route tables chosen
  for them (LocalStack adds them only on CreateVpcEndpoint);
- routes.py: /_awslab/imds/... and /_awslab/network/... .
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_network():
    from localstack.aws.handlers import run_custom_response_handlers
    from localstack.services.edge import ROUTER

    from .. import ACCOUNT_RESET_HOOKS, LOADED, changes
    from .endpoints import keep_endpoint_routes
    from .instances import forget_account
    from .routes import NetworkRoutes

    changes.install()  # write counters behind the enforcement's caches
    ROUTER.add(NetworkRoutes())
    run_custom_response_handlers.append(keep_endpoint_routes)
    ACCOUNT_RESET_HOOKS.append(forget_account)
    LOADED.append("network")

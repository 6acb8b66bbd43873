"""The gateway listens only on the address GATEWAY_LISTEN names.

LocalStack 4.14's twisted server (localstack/runtime/server/twisted.py, `TwistedRuntimeServer.register`)
creates `TCP4ServerEndpoint(reactor, port)` without `interface` ("TODO: interface = host?"), so an
emulator told `127.0.0.1:4566` accepts connections on every IPv4 address of the machine: anyone on the
network reaches a learner's sandbox (measured, DESIGN.md section 7). This hook runs before the runtime
registers its server (on_infra_start hooks run in `LocalstackRuntime._on_starting`, before
`_init_gateway_server`) and replaces `register` with one that passes the host as the interface. IPv6
addresses were already bound to their host by LocalStack; that path is unchanged.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_gateway_listen():
    from localstack.runtime.server import twisted as server

    from .. import LOADED

    server.TwistedRuntimeServer.register = _register
    LOADED.append("gateway_listen")


def _interface(host: str) -> str:
    """An IPv4 address for twisted (which binds addresses, not names); '' means every address."""
    import socket

    if host in ("", "0.0.0.0"):
        return ""
    return socket.gethostbyname(host)


def _register(self, gateway, listen, ssl_creds=None):
    # LocalStack's register (4.14.0) with the interface passed for IPv4; everything else as there.
    from localstack import config
    from localstack.aws.serving.twisted import TLSMultiplexerFactory
    from rolo.serving.twisted import TwistedGateway
    from twisted.internet import endpoints, reactor, ssl

    site = TwistedGateway(gateway)
    if ssl_creds:
        cert_file_name, key_file_name = ssl_creds
        context_factory = ssl.DefaultOpenSSLContextFactory(key_file_name, cert_file_name)
        context_factory.getContext().use_certificate_chain_file(cert_file_name)
        protocol_factory = TLSMultiplexerFactory(context_factory, False, site)
    else:
        protocol_factory = site
    for host_and_port in listen:
        if config.is_ipv6_address(host_and_port.host):
            endpoint = endpoints.TCP6ServerEndpoint(reactor, host_and_port.port, interface=host_and_port.host)
        else:
            endpoint = endpoints.TCP4ServerEndpoint(
                reactor, host_and_port.port, interface=_interface(host_and_port.host))
        endpoint.listen(protocol_factory)

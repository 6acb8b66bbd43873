"""Routes of the network plugin.

/_awslab/imds/<account>/<region>/<instance-id>/latest/...  the instance metadata service of one
    instance: `awslab exec` points AWS_EC2_METADATA_SERVICE_ENDPOINT here, so SDKs and the CLI
    fetch the role's credentials themselves, as on the instance (IMDSv2 token or not). Served paths:
    api/token (PUT), meta-data/iam/security-credentials/[<role>], meta-data/iam/info,
    meta-data/instance-id, meta-data/local-ipv4, meta-data/public-ipv4,
    meta-data/placement/availability-zone, meta-data/placement/region,
    dynamic/instance-identity/document (Amazon EC2 User Guide, "Instance metadata categories").
/_awslab/network/<account>/<region>/<instance-id>?service=s3[&service_region=...]  the network path
    of the instance's requests to that service and to the internet (paths.NetworkPath).
POST /_awslab/network/<account>/<region>/<instance-id>/imds-session -> {"path": "/_awslab/imds-session/<token>/"}:
    the same metadata service under a token instead of the account, for SDKs that call IMDS unsigned
    (in classroom mode the sigv4 plugin lets only the account's own signed calls reach routes that
    name an account, and the token is handed out by such a call).
"""

from __future__ import annotations

import json
import secrets

from localstack.http import Request, Response, route

from sandbox.plugins.http import bad_account, error_response, json_response

from . import instances
from .paths import path_of

TOKEN_TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"


def _text(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype="text/plain")


def _not_found() -> Response:
    # IMDS answers an unknown path with a 404 HTML page; SDKs only look at the status.
    return Response("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<title>404 - Not Found</title>",
                    status=404, mimetype="text/html")


class NetworkRoutes:
    @route("/_awslab/imds/<account_id>/<region>/<instance_id>/<path:path>", methods=["GET", "PUT"])
    def imds(self, request: Request, account_id: str, region: str, instance_id: str, path: str) -> Response:
        if bad_account(account_id):
            return _not_found()
        return self._imds(request, account_id, region, instance_id, path)

    @route("/_awslab/imds-session/<token>/<path:path>", methods=["GET", "PUT"])
    def imds_session(self, request: Request, token: str, path: str) -> Response:
        target = instances.imds_target(token)
        return self._imds(request, *target, path) if target else _not_found()

    @route("/_awslab/network/<account_id>/<region>/<instance_id>/imds-session", methods=["POST"])
    def open_imds_session(self, request: Request, account_id: str, region: str, instance_id: str) -> Response:
        refused = bad_account(account_id)
        if refused:
            return refused
        try:
            token = instances.open_imds(account_id, region, instance_id)
        except instances.NoInstance:
            return error_response("InvalidInstanceID.NotFound", f"The instance ID '{instance_id}' does not exist", 404)
        return json_response({"path": f"/_awslab/imds-session/{token}/"})

    def _imds(self, request: Request, account_id: str, region: str, instance_id: str, path: str) -> Response:
        path = path.strip("/")
        if path == "latest/api/token":
            if request.method != "PUT":
                return Response("", status=405)
            ttl = request.headers.get(TOKEN_TTL_HEADER, "21600")
            response = _text(secrets.token_urlsafe(32))
            response.headers[TOKEN_TTL_HEADER] = ttl
            return response
        if request.method != "GET":
            return Response("", status=405)
        try:
            return self._metadata(account_id, region, instance_id, path)
        except (instances.NoInstance, instances.NoRole):
            return _not_found()

    def _metadata(self, account_id: str, region: str, instance_id: str, path: str) -> Response:
        found = instances.instance(account_id, region, instance_id)
        zone = getattr(getattr(found, "_placement", None), "zone", None) or f"{region}a"
        simple = {
            "latest/meta-data/instance-id": instance_id,
            "latest/meta-data/local-ipv4": found.private_ip,
            "latest/meta-data/public-ipv4": found.public_ip,
            "latest/meta-data/placement/availability-zone": zone,
            "latest/meta-data/placement/region": region,
        }
        if path in simple:
            return _text(simple[path]) if simple[path] else _not_found()
        if path == "latest/dynamic/instance-identity/document":
            return json_response({
                "accountId": account_id, "architecture": "x86_64", "availabilityZone": zone,
                "imageId": found.image_id, "instanceId": instance_id, "instanceType": found.instance_type,
                "privateIp": found.private_ip, "region": region, "version": "2017-09-30"})
        if path == "latest/meta-data/iam/info":
            profile, _role = instances.profile_of(account_id, region, instance_id)
            return Response(json.dumps({"Code": "Success", "LastUpdated": instances._stamp(instances._now()),
                                        "InstanceProfileArn": profile.arn, "InstanceProfileId": profile.id},
                                       indent=2), mimetype="text/plain")
        if path == "latest/meta-data/iam/security-credentials":
            _profile, role = instances.profile_of(account_id, region, instance_id)
            return _text(role.name)
        prefix = "latest/meta-data/iam/security-credentials/"
        if path.startswith(prefix):
            _profile, role = instances.profile_of(account_id, region, instance_id)
            if path[len(prefix):] != role.name:
                return _not_found()
            served = instances.credentials(account_id, region, instance_id)
            return Response(json.dumps(served.document(), indent=2), mimetype="text/plain")
        return _not_found()

    @route("/_awslab/network/<account_id>/<region>/<instance_id>", methods=["GET"])
    def network(self, request: Request, account_id: str, region: str, instance_id: str) -> Response:
        refused = bad_account(account_id)
        if refused:
            return refused
        service = request.args.get("service", "s3")
        service_region = request.args.get("service_region") or region
        try:
            found = path_of(account_id, region, instance_id, service, service_region)
            internet = path_of(account_id, region, instance_id, "internet", service_region)
        except KeyError:
            return error_response("InvalidInstanceID.NotFound",
                                  f"The instance ID '{instance_id}' does not exist", 404)
        return json_response({"service": found.as_dict(), "internet": internet.as_dict(),
                              "state": instances.instance(account_id, region, instance_id).state})

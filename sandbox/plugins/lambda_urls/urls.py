"""Serving Lambda function URLs (Lambda Developer Guide: "Lambda function URLs", "Invoking Lambda
function URLs", "Security and auth model for Lambda function URLs", "CORS").

LocalStack 4.14 routes `<url-id>.lambda-url.<region>.*` Hosts to its own handler, which answers
every caller (no AuthType check, no resource policy), ignores the Cors settings, leaves cookies in
the headers, sets accountId "anonymous", and uses a response's `body` even without statusCode. This
handler runs first (preprocess_request) and keeps LocalStack's event builder and invoke path,
fixing what differs from the documented shapes.
"""

from __future__ import annotations

import base64
import json
import logging
import re

from localstack import config as ls_config
from localstack.aws.protocol.serializer import gen_amzn_requestid
from localstack.http import Request, Response
from localstack.services.lambda_ import api_utils
from localstack.services.lambda_.api_utils import FULL_FN_ARN_PATTERN
from localstack.services.lambda_.invocation.models import lambda_stores
from localstack.services.lambda_.urlrouter import event_for_lambda_url
from localstack.utils.strings import long_uid
from rolo.request import get_raw_path

from sandbox import iam_policy
from sandbox.plugins.cloudfront.edge import host_of

LOG = logging.getLogger(__name__)

PATH_PREFIX = "/_awslab/lambda-url/"
_HOST = re.compile(r"^([a-z0-9]+)\.lambda-url\.([a-z0-9-]+)\.")
_FORBIDDEN = '{"Message":"Forbidden"}'
_DROPPED_HEADERS = {"cookie", "x-localstack-tgt-api", "x-localstack-request-url", "x-localstack-edge"}


# ---- the URL returned by the API ---------------------------------------------------------------

def offline_url(url_id: str, region: str) -> str:
    """`*.localhost` resolves to loopback in curl and browsers (RFC 6761); the port is the gateway's."""
    return f"http://{url_id}.lambda-url.{region}.localhost:{ls_config.GATEWAY_LISTEN[0].port}/"


def install_offline_urls() -> None:
    """Create/Get/List/UpdateFunctionUrlConfig all answer through api_utils.map_function_url_config."""
    original = api_utils.map_function_url_config
    if getattr(original, "awslab", False):
        return

    def mapped(model):
        answer = original(model)
        answer["FunctionUrl"] = offline_url(model.url_id, model.function_arn.split(":")[3])
        return answer

    mapped.awslab = True
    api_utils.map_function_url_config = mapped


# ---- finding the URL --------------------------------------------------------------------------

def find_url(url_id: str, region: str | None = None):
    url_id = url_id.lower()
    for account_id in list(lambda_stores.keys()):
        regions = [region] if region else list(lambda_stores[account_id].keys())
        for name in regions:
            store = lambda_stores[account_id][name]
            for fn in list(store.functions.values()):
                for qualifier, url_config in list(fn.function_url_configs.items()):
                    if url_config.url_id.lower() == url_id:
                        return fn, qualifier, url_config
    return None


def serve(chain, context, response) -> None:
    """Request handler (front of the chain): a function URL by Host or by the path form."""
    request = context.request
    path = request.path
    if path.startswith(PATH_PREFIX):
        rest = get_raw_path(request)[len(PATH_PREFIX):].split("/", 1)
        url_id, raw_path, region = rest[0], "/" + (rest[1] if len(rest) > 1 else ""), None
    else:
        match = _HOST.match(host_of(request))
        if match is None:
            return
        url_id, region, raw_path = match.group(1), match.group(2), None
    response.update_from(handle(request, url_id, region, raw_path))
    chain.stop()


def _forbidden(request_id: str) -> Response:
    return Response(_FORBIDDEN, status=403, mimetype="application/json",
                    headers={"x-amzn-RequestId": request_id, "x-amzn-ErrorType": "AccessDeniedException"})


def handle(request: Request, url_id: str, region: str | None, raw_path: str | None) -> Response:
    request_id = gen_amzn_requestid()
    found = find_url(url_id, region)
    if found is None:
        return _forbidden(request_id)
    fn, qualifier, url_config = found
    parts = FULL_FN_ARN_PATTERN.search(url_config.function_arn).groupdict()
    cors = url_config.cors or {}
    origin = request.headers.get("Origin")
    if cors and request.method == "OPTIONS" and origin and request.headers.get("Access-Control-Request-Method"):
        return preflight(cors, origin, request_id)

    authorizer = None
    if url_config.auth_type == "AWS_IAM":
        from .auth import authenticate

        caller = authenticate(request)
        if caller is None:
            return _forbidden(request_id)
        authorizer = caller
    if not allowed(fn, qualifier, url_config, authorizer):
        return _forbidden(request_id)

    event = build_event(request, url_id, parts, url_config, raw_path, authorizer, request_id)
    from localstack.services.plugins import SERVICE_PLUGINS

    service = SERVICE_PLUGINS.get_service("lambda")._provider.lambda_service
    result = service.invoke(
        function_name=parts["function_name"], qualifier=parts.get("qualifier"),
        account_id=parts["account_id"], region=parts["region_name"],
        invocation_type="RequestResponse", client_context="{}",
        payload=json.dumps(event).encode(), request_id=request_id)
    if result.is_error:
        answer = Response('{"Message":"Internal Server Error"}', status=502, mimetype="application/json")
    else:
        answer = map_response(result.payload)
    answer.headers["x-amzn-RequestId"] = request_id
    answer.headers.setdefault("X-Amzn-Trace-Id", f"Root=1-{long_uid()[:8]}-{long_uid().replace('-', '')[:24]}")
    if cors and origin:
        add_cors(answer, cors, origin)
    return answer


# ---- authorization ----------------------------------------------------------------------------

def allowed(fn, qualifier: str, url_config, caller) -> bool:
    """AuthType NONE: the function's resource policy must allow lambda:InvokeFunctionUrl to "*";
    AWS_IAM: the caller's identity policies or the resource policy (same account), or the resource
    policy (other account), with lambda:FunctionUrlAuthType as condition key."""
    policy = fn.permissions.get(qualifier) or fn.permissions.get("$LATEST")
    document = None
    if policy is not None:
        document = {"Version": policy.policy.Version, "Statement": policy.policy.Statement}
    arn = url_config.function_arn
    owner = arn.split(":")[4]
    context = {"lambda:FunctionUrlAuthType": url_config.auth_type, "aws:SecureTransport": "false"}
    if caller is None:
        if document is None:
            return False
        decision = iam_policy.evaluate(document, iam_policy.Request(
            "lambda:InvokeFunctionUrl", arn, None, context))
        return decision.allowed
    from sandbox.plugins.identity.policies import policies_of

    context.update(iam_policy.principal_keys(caller.arn, caller.principal_id, caller.role_arn))
    found = policies_of(caller)
    try:
        decision = iam_policy.authorize(
            iam_policy.Request("lambda:InvokeFunctionUrl", arn, {"AWS": caller.arn}, context),
            identity=found.identity, resource=document, resource_account=owner,
            boundary=found.boundary, session=found.session)
    except iam_policy.PolicyError as exc:
        LOG.warning("awslab: cannot evaluate a policy for the function URL of %s: %s", arn, exc)
        return False
    return decision.allowed


# ---- the event (payload format 2.0) -----------------------------------------------------------

def build_event(request: Request, url_id: str, parts: dict, url_config, raw_path: str | None,
                caller, request_id: str) -> dict:
    event = event_for_lambda_url(url_id, request)
    domain = offline_url(url_id, parts["region_name"]).split("//", 1)[1].split(":", 1)[0]
    if raw_path is not None:  # the path form: the function sees the path after the URL id
        event["rawPath"] = raw_path
        event["requestContext"]["http"]["path"] = raw_path
    cookie = request.headers.get("Cookie")
    if cookie:
        event["cookies"] = [c.strip() for c in cookie.split(";") if c.strip()]
    headers = {k: v for k, v in event["headers"].items() if k not in _DROPPED_HEADERS}
    headers["host"] = domain
    source_ip = request.remote_addr or "127.0.0.1"
    headers["x-forwarded-for"] = source_ip
    event["headers"] = headers
    if not event["queryStringParameters"]:
        event.pop("queryStringParameters")
    context = event["requestContext"]
    context.update({"domainName": domain, "domainPrefix": url_id, "requestId": request_id})
    context["http"]["sourceIp"] = source_ip
    context["accountId"] = "anonymous"
    if caller is not None:
        context["accountId"] = caller.account_id
        context["authorizer"] = {"iam": {
            "accessKey": caller.access_key_id, "accountId": caller.account_id,
            "callerId": caller.principal_id, "cognitoIdentity": None, "principalOrgId": None,
            "userArn": caller.arn, "userId": caller.principal_id.split(":", 1)[0]}}
    return event


# ---- the response -----------------------------------------------------------------------------

def map_response(payload: bytes | None) -> Response:
    """"Invoking Lambda function URLs", response format: a JSON object with statusCode is mapped
    (headers, body, isBase64Encoded, cookies → Set-Cookie); any other valid JSON is the body of a 200
    application/json answer (a JSON string: its text)."""
    text = (payload or b"").decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except ValueError:
        return Response(text, status=200, mimetype="application/json")
    if isinstance(value, str):
        return Response(value, status=200, mimetype="application/json")
    if not isinstance(value, dict) or "statusCode" not in value:
        return Response(text, status=200, mimetype="application/json")
    answer = Response(status=int(value["statusCode"]))
    answer.headers["Content-Type"] = "application/json"
    for name, content in (value.get("headers") or {}).items():
        answer.headers[name] = str(content)
    for cookie in value.get("cookies") or []:
        answer.headers.add("Set-Cookie", str(cookie))
    body = value.get("body")
    if body is None:
        answer.data = b""
    elif value.get("isBase64Encoded"):
        answer.data = base64.b64decode(str(body))
    elif isinstance(body, str):
        answer.data = body.encode()
    else:
        answer.data = json.dumps(body).encode()
    return answer


# ---- CORS -------------------------------------------------------------------------------------

def _origin_allowed(cors: dict, origin: str) -> str | None:
    origins = cors.get("AllowOrigins") or []
    if "*" in origins:
        return "*" if not cors.get("AllowCredentials") else origin
    return origin if origin.lower() in {o.lower() for o in origins} else None


def preflight(cors: dict, origin: str, request_id: str) -> Response:
    """A preflight OPTIONS is answered from the URL's Cors settings, without invoking the function."""
    answer = Response(status=200, headers={"x-amzn-RequestId": request_id})
    allow = _origin_allowed(cors, origin)
    if allow is None:
        return answer
    answer.headers["Access-Control-Allow-Origin"] = allow
    if cors.get("AllowMethods"):
        answer.headers["Access-Control-Allow-Methods"] = ",".join(cors["AllowMethods"])
    if cors.get("AllowHeaders"):
        answer.headers["Access-Control-Allow-Headers"] = ",".join(cors["AllowHeaders"])
    if cors.get("MaxAge"):
        answer.headers["Access-Control-Max-Age"] = str(cors["MaxAge"])
    if cors.get("AllowCredentials"):
        answer.headers["Access-Control-Allow-Credentials"] = "true"
    answer.headers["Vary"] = "Origin"
    return answer


def add_cors(answer: Response, cors: dict, origin: str) -> None:
    """The URL's Cors settings replace any Access-Control-* headers the function returned."""
    for name in [n for n in answer.headers.keys() if n.lower().startswith("access-control-")]:
        del answer.headers[name]
    allow = _origin_allowed(cors, origin)
    if allow is None:
        return
    answer.headers["Access-Control-Allow-Origin"] = allow
    if cors.get("ExposeHeaders"):
        answer.headers["Access-Control-Expose-Headers"] = ",".join(cors["ExposeHeaders"])
    if cors.get("AllowCredentials"):
        answer.headers["Access-Control-Allow-Credentials"] = "true"
    answer.headers["Vary"] = "Origin"

"""Lambda function URLs that work offline, and Lambda's invocation payload limits.

- CreateFunctionUrlConfig (and Get/List/Update) return `http://<url-id>.lambda-url.<region>.localhost:<port>/`
  instead of LocalStack's `...<region>.127.0.0.1:<port>/`, which no resolver knows;
- requests with such a Host, and the path form `/_awslab/lambda-url/<url-id>/<path>`, are served
  here (front of the chain) with AWS's auth model (AuthType NONE / AWS_IAM), CORS, payload format 2.0
  and the response mapping: urls.py;
- Invoke requests over the payload quota answer 413 RequestEntityTooLargeException: limits.py.
See sandbox/plugins/README.md, section lambda_urls.
"""

from localstack.runtime import hooks


@hooks.on_infra_start()
def awslab_lambda_urls():
    from localstack.aws.handlers import preprocess_request, serve_custom_service_request_handlers

    from .. import LOADED
    from . import limits, urls

    urls.install_offline_urls()
    preprocess_request.append(urls.serve)
    serve_custom_service_request_handlers.append(limits.check_invoke_payload)
    LOADED.append("lambda_urls")

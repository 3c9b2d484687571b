"""APIGateway.9: HTTP and WebSocket API stages have access logging configured.

Security Hub control APIGateway.9, "Access logging should be configured for API Gateway V2
Stages" (severity Medium; AWS Config rule api-gwv2-access-logs-enabled; resource type
AWS::ApiGatewayV2::Stage; no parameters). The rule is NON_COMPLIANT when the stage has no
accessLogSettings. We also fail settings without a DestinationArn (nothing is delivered, so no
false PASS). One finding per stage of every HTTP and WebSocket API; an API whose GetStages failed
is ERROR on the API, the others are still judged. REST API stages are not in this control.
"""

from __future__ import annotations

from collections.abc import Iterator

from checks.lib.service_resources import apigateway_arn, regional_resource
from scanner.core.check import Check
from scanner.core.dataset import Scope
from scanner.core.datasets.apigateway import APIGW_V2_APIS
from scanner.core.model import Result, Severity, Status
from scanner.core.view import DataUnavailable, View, error_result


def evaluate(view: View) -> Iterator[Result]:
    """One result per HTTP or WebSocket API stage in this account and region."""
    for api in view.get(APIGW_V2_APIS):
        api_res = regional_resource(
            view, "AwsApiGatewayV2Api", apigateway_arn(view, f"/apis/{api.api_id}")
        )
        try:
            stages = api.stages
        except DataUnavailable as exc:  # GetStages failed for this API: ERROR on the API
            yield error_result(api_res, exc.errors)
            continue
        for stage in stages:
            evidence = {
                "api": ["apigateway:GET /apis", "apigateway:GET /apis/{id}/stages"],
                "apiId": api.api_id,
                "protocolType": api.protocol_type,
                "stageName": stage.name,
                "AccessLogSettings.DestinationArn": stage.access_log_destination,
                "AccessLogSettings.Format": stage.access_log_format,
            }
            if stage.access_log_destination:
                status = Status.PASS
                reason = f"Access logs are delivered to {stage.access_log_destination}."
            else:
                status, reason = Status.FAIL, "The stage has no access log destination."
            resource = regional_resource(
                view,
                "AwsApiGatewayV2Stage",
                apigateway_arn(view, f"/apis/{api.api_id}/stages/{stage.name}"),
            )
            yield Result(status=status, resource=resource, reason=reason, evidence=evidence)


CHECK = Check(
    id="apigateway_v2_access_logging",
    control_id="APIGateway.9",
    title="Access logging should be configured for API Gateway V2 Stages",
    severity=Severity.MEDIUM,
    resource_type="AwsApiGatewayV2Stage",
    scope=Scope.REGION,
    requires=(APIGW_V2_APIS,),
    evaluate=evaluate,
    rationale="Access logs record who called the API, from where and with what result: the "
    "record security and access audits and forensic investigations start from.",
    remediation="aws apigatewayv2 update-stage --api-id <id> --stage-name <stage> "
    "--access-log-settings DestinationArn=<log-group-arn>,Format='$context.requestId ...'",
    remediation_url="https://docs.aws.amazon.com/securityhub/latest/userguide/apigateway-controls.html#apigateway-9",
)

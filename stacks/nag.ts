import { NagSuppressions, type NagPackSuppression, type NagPackSuppressionAppliesTo } from "cdk-nag";
import type { IConstruct } from "constructs";
import { Script, Stack, type App } from "sst/constructs";

/**
 * Records why a cdk-nag (AwsSolutions) finding does not apply to a construct and its children.
 * Every suppression names one rule and gives a reason specific to this app; the stack tests
 * fail on a suppression without one.
 */
export function suppress(construct: IConstruct, suppressions: NagPackSuppression[]) {
  NagSuppressions.addResourceSuppressions(construct, suppressions, true);
}

const LAMBDA_MANAGED_POLICIES = [
  "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
  "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
];

const runtimeChoice: NagPackSuppression = {
  id: "AwsSolutions-L1",
  reason: "nodejs22.x on purpose: the same Node line as the worker images (node:22) and the one the code is tested on; move both together.",
};

const managedExecutionPolicies: NagPackSuppression = {
  id: "AwsSolutions-IAM4",
  reason: "AWS managed Lambda execution policies grant only log delivery (and ENI management for functions in the VPC).",
  appliesTo: LAMBDA_MANAGED_POLICIES,
};

/** Findings every Lambda of the app shares, with the reason each is accepted. */
export function functionSuppressions(): NagPackSuppression[] {
  return [
    managedExecutionPolicies,
    {
      id: "AwsSolutions-IAM5",
      reason: "X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.",
      appliesTo: ["Resource::*"],
    },
    runtimeChoice,
  ];
}

/** A wildcard over the objects of one bucket, whose keys are made per video at run time. */
export function objectsOf(bucketLogicalIdPrefix: string): NagPackSuppressionAppliesTo[] {
  return [{ regex: `/^Resource::<${bucketLogicalIdPrefix}[0-9A-F]{8}\\.Arn>\\/\\*$/g` }];
}

/**
 * Findings on the helpers SST and CDK add: the per-stack custom-resource handler, the handler
 * behind each Script, and CDK's log-retention handler. Call once all stacks exist.
 */
export function suppressPlatformFindings(app: App) {
  for (const stack of app.node.children) {
    if (!(stack instanceof Stack)) continue;
    suppress(stack.customResourceHandler, [
      { ...managedExecutionPolicies, reason: "SST's custom-resource handler (site uploads, script runs) uses the AWS managed execution policy for its logs only." },
      { ...runtimeChoice, reason: "SST's own custom-resource handler: its runtime is pinned by SST 2 (nodejs22.x)." },
    ]);
    for (const logRetention of stack.node.children.filter((c) => c.node.id.startsWith("LogRetention"))) {
      suppress(logRetention, [
        { ...managedExecutionPolicies, reason: "CDK's log-retention handler uses the AWS managed execution policy for its own logs only." },
        {
          id: "AwsSolutions-IAM5",
          reason: "CDK's log-retention handler sets the retention of the functions' log groups, which Lambda names at run time; it may only put and delete retention policies.",
          appliesTo: ["Resource::*"],
        },
      ]);
    }
    for (const script of stack.node.findAll().filter((c): c is Script => c instanceof Script)) {
      suppress(script, [
        { ...managedExecutionPolicies, reason: "SST's Script runner uses the AWS managed execution policy for its logs only." },
        { ...runtimeChoice, reason: "SST's Script runner: its runtime is pinned by SST 2 (nodejs22.x)." },
        {
          id: "AwsSolutions-IAM5",
          reason: "The Script runner may invoke the script's function and its versions (<function ARN>:*), nothing else.",
          appliesTo: [{ regex: "/^Resource::<.+\\.Arn>:\\*$/g" }],
        },
      ]);
    }
  }
}

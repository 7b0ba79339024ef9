import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import type { StackContext } from "sst/constructs";

/** PostgreSQL's port; the database secret carries it too, so clients never hard-code it. */
export const DATABASE_PORT = 5432;

/**
 * One VPC over two availability zones:
 * - public subnets hold only the NAT gateways;
 * - private subnets with egress hold the worker tasks, the GPU instances and the Lambdas that
 *   reach the database (they still need the internet for Pinecone and AWS APIs, through NAT);
 * - isolated subnets hold the database, which has no route out at all.
 * prod gets a NAT gateway per zone; other stages share one to keep them cheap. S3 traffic (video
 * downloads, frame uploads) goes through a free gateway endpoint instead of the NAT.
 */
export function Network({ stack, app }: StackContext) {
  const prod = app.stage === "prod";

  const vpc = new ec2.Vpc(stack, "Vpc", {
    ipAddresses: ec2.IpAddresses.cidr("10.20.0.0/16"),
    maxAzs: 2,
    natGateways: prod ? 2 : 1,
    subnetConfiguration: [
      { name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
      { name: "private", subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
      { name: "database", subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
    ],
    gatewayEndpoints: {
      S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
    },
  });

  const flowLogs = new logs.LogGroup(stack, "FlowLogs", {
    retention: prod ? logs.RetentionDays.ONE_MONTH : logs.RetentionDays.ONE_WEEK,
  });
  vpc.addFlowLog("RejectedTraffic", {
    destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
    trafficType: ec2.FlowLogTrafficType.REJECT,
  });

  const privateSubnets: ec2.SubnetSelection = { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS };

  const functionsSecurityGroup = new ec2.SecurityGroup(stack, "FunctionsSecurityGroup", {
    vpc,
    description: "Lambda functions that use the database",
    allowAllOutbound: true,
  });
  const tasksSecurityGroup = new ec2.SecurityGroup(stack, "TasksSecurityGroup", {
    vpc,
    description: "Worker tasks (Fargate and GPU)",
    allowAllOutbound: true,
  });
  const databaseSecurityGroup = new ec2.SecurityGroup(stack, "DatabaseSecurityGroup", {
    vpc,
    description: "PostgreSQL: reachable only from the functions and the worker tasks",
    allowAllOutbound: false,
  });
  for (const [client, name] of [
    [functionsSecurityGroup, "functions"],
    [tasksSecurityGroup, "worker tasks"],
  ] as const) {
    databaseSecurityGroup.addIngressRule(client, ec2.Port.tcp(DATABASE_PORT), `PostgreSQL from the ${name}`);
  }

  // `sst dev` runs the functions on the developer's machine, outside the VPC. A small bastion
  // (no inbound rules; reached through SSM) lets them tunnel in to the private database: see
  // docs/deploy-aws.md. Deployed stages never get one.
  if (app.mode === "dev") {
    const bastion = new ec2.BastionHostLinux(stack, "DevBastion", {
      vpc,
      subnetSelection: privateSubnets,
      instanceType: ec2.InstanceType.of(ec2.InstanceClass.BURSTABLE4_GRAVITON, ec2.InstanceSize.NANO),
      machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
      requireImdsv2: true,
      blockDevices: [{ deviceName: "/dev/xvda", volume: ec2.BlockDeviceVolume.ebs(8, { encrypted: true }) }],
    });
    for (const securityGroup of bastion.connections.securityGroups) {
      databaseSecurityGroup.addIngressRule(securityGroup, ec2.Port.tcp(DATABASE_PORT), "PostgreSQL from the sst dev bastion");
    }
    stack.addOutputs({ DevBastionId: bastion.instanceId, VpcCidr: vpc.vpcCidrBlock });
  }

  return { vpc, privateSubnets, functionsSecurityGroup, tasksSecurityGroup, databaseSecurityGroup };
}

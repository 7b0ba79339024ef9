/**
 * Where GPU worker tasks run: an Auto Scaling group of GPU instances (its launch template, instance
 * role and security group) behind an ECS capacity provider that scales it from zero and back. Part
 * of the Workers stack: the constructs are made in its scope with the ids it always used, so their
 * CloudFormation logical ids do not change.
 */
import * as autoscaling from "aws-cdk-lib/aws-autoscaling";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as ecs from "aws-cdk-lib/aws-ecs";
import { use, type Stack } from "sst/constructs";
import { suppress } from "../nag.js";
import { Network } from "../Network.js";
import { Secrets } from "../Secrets.js";

/** Adds the GPU capacity provider to the cluster; the dispatcher places GPU tasks on it by name. */
export function gpuCapacity(stack: Stack, cluster: ecs.Cluster): ecs.AsgCapacityProvider {
  const { settings } = use(Secrets);
  const network = use(Network);

  const gpuInstancesSecurityGroup = new ec2.SecurityGroup(stack, "GpuInstancesSecurityGroup", {
    vpc: network.vpc,
    description: "GPU container instances: outbound only (tasks have their own ENIs)",
    allowAllOutbound: true,
  });
  const gpuInstances = new autoscaling.AutoScalingGroup(stack, "GpuInstances", {
    vpc: network.vpc,
    vpcSubnets: network.privateSubnets,
    securityGroup: gpuInstancesSecurityGroup,
    instanceType: new ec2.InstanceType(settings.gpuInstanceType),
    machineImage: ecs.EcsOptimizedImage.amazonLinux2023(ecs.AmiHardwareType.GPU),
    minCapacity: 0,
    maxCapacity: settings.maxTasks,
    requireImdsv2: true,
    blockDevices: [
      {
        deviceName: "/dev/xvda",
        volume: autoscaling.BlockDeviceVolume.ebs(100, { encrypted: true, volumeType: autoscaling.EbsDeviceVolumeType.GP3 }),
      },
    ],
  });
  const capacity = new ecs.AsgCapacityProvider(stack, "GpuCapacity", {
    autoScalingGroup: gpuInstances,
    enableManagedScaling: true,
    enableManagedTerminationProtection: true,
    // With no GPU task placed, ECS scales the group to zero instances.
    targetCapacityPercent: 100,
  });
  cluster.addAsgCapacityProvider(capacity);
  suppress(gpuInstances, [
    { id: "AwsSolutions-AS3", reason: "ECS managed scaling drives this group; a launch that fails leaves the GPU task in PROVISIONING, which the reconciler times out and re-queues." },
    {
      id: "AwsSolutions-IAM5",
      reason: "The ECS container agent's own calls (ecs:Poll, ecs:Submit*, ecs:StartTelemetrySession, ecr:GetAuthorizationToken) support no resource-level permissions; cluster calls are scoped to this cluster.",
      appliesTo: ["Resource::*", "Action::ecs:Submit*"],
    },
  ]);
  return capacity;
}

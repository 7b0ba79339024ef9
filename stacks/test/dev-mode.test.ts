import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resourceNamed, resourcesOf, synthesizeForTest, type SynthesizedApp } from "./support/synth.js";

// `sst dev`: the functions are Live Lambda stubs that run the handlers on the developer's machine.
let app: SynthesizedApp;
beforeAll(async () => {
  app = await synthesizeForTest("alice", { mode: "dev", nag: false });
}, 300_000);
afterAll(() => app?.cleanup());

describe("sst dev", () => {
  it("adds a bastion the local functions can tunnel through to the private database", () => {
    const network = app.stack("Network");
    const bastion = resourceNamed(network, "AWS::EC2::Instance", "DevBastion");
    expect(bastion.resource.Properties.InstanceType).toBe("t4g.nano");
    const bastionGroup = resourceNamed(network, "AWS::EC2::SecurityGroup", "DevBastion");
    const database = resourceNamed(network, "AWS::EC2::SecurityGroup", "DatabaseSecurityGroup");
    const ingress = resourcesOf(app, "AWS::EC2::SecurityGroupIngress").filter(
      (r) =>
        JSON.stringify(r.resource.Properties.GroupId) === JSON.stringify({ "Fn::GetAtt": [database.logicalId, "GroupId"] }) &&
        JSON.stringify(r.resource.Properties.SourceSecurityGroupId) === JSON.stringify({ "Fn::GetAtt": [bastionGroup.logicalId, "GroupId"] }),
    );
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.resource.Properties).toMatchObject({ IpProtocol: "tcp", FromPort: 5432, ToPort: 5432 });
    expect(bastionGroup.resource.Properties.SecurityGroupIngress).toBeUndefined();
  });

  it("keeps the same settings on the live functions, and deploys no site", () => {
    const dispatch = resourceNamed(app.stack("Workers"), "AWS::Lambda::Function", "Dispatch");
    expect(Object.keys(dispatch.resource.Properties.Environment.Variables)).toEqual(expect.arrayContaining(["VOS_ECS_CLUSTER", "VOS_DATABASE_SECRET_ARN"]));
    expect(resourcesOf(app, "AWS::CloudFront::Distribution")).toEqual([]);
  });
});

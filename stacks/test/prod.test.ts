import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nagErrors, resourceNamed, resourcesOf, staleSuppressions, suppressionsOf, type SynthesizedApp } from "./support/synth.js";
import { sharedSynthesis } from "./support/shared.js";

// The prod stage: what differs from development stages.
let app: SynthesizedApp;
beforeAll(async () => {
  app = await sharedSynthesis("prod");
}, 300_000);
afterAll(() => app?.cleanup());

describe("prod", () => {
  it("runs the database Multi-AZ, protected from deletion, backed up, and kept when the stack goes", () => {
    const instance = resourceNamed(app.stack("Database"), "AWS::RDS::DBInstance", "Postgres").resource;
    expect(instance.Properties).toMatchObject({
      MultiAZ: true,
      DeletionProtection: true,
      StorageEncrypted: true,
      PubliclyAccessible: false,
      DBInstanceClass: "db.t4g.medium",
    });
    expect(instance.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
    expect(instance.DeletionPolicy).toBe("Retain");
    expect(instance.UpdateReplacePolicy).toBe("Retain");
  });

  it("keeps the uploads and frames buckets when the stack goes", () => {
    const storage = app.stack("Storage");
    for (const name of ["Uploads", "Frames"]) {
      const bucket = resourceNamed(storage, "AWS::S3::Bucket", name).resource;
      expect(bucket.DeletionPolicy, name).toBe("Retain");
    }
    expect(resourcesOf(app, "Custom::S3AutoDeleteObjects").filter((r) => r.stack === storage)).toEqual([]);
  });

  it("protects the user pool from deletion and keeps it when the stack goes", () => {
    const pool = resourceNamed(app.stack("Auth"), "AWS::Cognito::UserPool", "Users").resource;
    expect(pool.Properties.DeletionProtection).toBe("ACTIVE");
    expect(pool.DeletionPolicy).toBe("Retain");
    expect(pool.UpdateReplacePolicy).toBe("Retain");
  });

  it("keeps the functions' logs for a month", () => {
    const retention = resourcesOf(app, "Custom::LogRetention").map((r) => r.resource.Properties.RetentionInDays);
    expect(retention.length).toBeGreaterThan(5);
    expect(new Set(retention)).toEqual(new Set([30]));
  });

  it("has a NAT gateway per availability zone", () => {
    app.stack("Network").template.resourceCountIs("AWS::EC2::NatGateway", 2);
  });

  it("allows more worker tasks at once", () => {
    const dispatch = resourceNamed(app.stack("Workers"), "AWS::Lambda::Function", "Dispatch");
    expect((dispatch.resource.Properties.Environment as { Variables: Record<string, string> }).Variables.VOS_MAX_TASKS).toBe("8");
  });

  it("passes the cdk-nag AwsSolutions checks with reasoned suppressions only", () => {
    for (const stack of app.stacks) expect(nagErrors(stack), stack.name).toEqual([]);
    // prod needs none of the development-stage exemptions.
    const ids = app.stacks.flatMap(suppressionsOf).map((s) => s.id);
    expect(ids).not.toContain("AwsSolutions-RDS3");
    expect(ids).not.toContain("AwsSolutions-RDS10");
    expect(staleSuppressions(app)).toEqual([]);
  });
});

import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import type { StackContext } from "sst/constructs";
import { suppress } from "./nag.js";

/**
 * Who may use the app: a Cognito user pool of people an administrator adds (no self sign-up),
 * signing in by email, and the public client the web app signs in with. Each user's tenant is the
 * immutable `custom:tenant` an administrator may set when creating them (else their own `sub`).
 */
export function Auth({ stack, app }: StackContext) {
  const prod = app.stage === "prod";

  const userPool = new cognito.UserPool(stack, "Users", {
    signInAliases: { email: true },
    selfSignUpEnabled: false,
    standardAttributes: { email: { required: true, mutable: true } },
    customAttributes: { tenant: new cognito.StringAttribute({ minLen: 1, maxLen: 63, mutable: false }) },
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(3),
    },
    mfa: cognito.Mfa.OPTIONAL,
    mfaSecondFactor: { otp: true, sms: false },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    deletionProtection: prod,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  suppress(userPool, [
    {
      id: "AwsSolutions-COG2",
      reason: "TOTP MFA is offered to every user but not forced: videos are the only data, and admins add users by hand; make it REQUIRED per stage when policy asks for it.",
    },
    {
      id: "AwsSolutions-COG3",
      reason: "Threat protection (advanced security) needs the Plus feature plan, billed per monthly active user; the app relies on strong passwords, optional TOTP and admin-only accounts instead.",
    },
  ]);

  // A browser app cannot keep a secret: a public client, tokens refreshed by the web app.
  const webClient = userPool.addClient("Web", {
    generateSecret: false,
    authFlows: { userPassword: true, userSrp: true },
    // The app signs in through the JSON API; no hosted UI, no redirect flows to abuse.
    disableOAuth: true,
    accessTokenValidity: Duration.hours(1),
    idTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.days(30),
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    // Users may read their tenant but never write it (it is immutable as well).
    writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ email: true }),
  });

  const issuer = `https://cognito-idp.${stack.region}.amazonaws.com/${userPool.userPoolId}`;
  stack.addOutputs({ UserPoolId: userPool.userPoolId, UserPoolClientId: webClient.userPoolClientId });

  return { userPool, webClient, issuer };
}

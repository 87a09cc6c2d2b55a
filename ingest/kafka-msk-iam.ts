import type { BearerToken } from './kafka-oauthbearer.js';

/** Where MSK IAM tokens are signed for, and with whose credentials (absent: the AWS SDK's default chain). */
export type MskIamSettings = { region: string; profile?: string | undefined; roleArn?: string | undefined };

/** What the cluster's log shows for an assumed role's session. */
const roleSessionName = 'hopwatch';

/**
 * Amazon MSK's IAM authentication, which travels as an OAUTHBEARER token: a request to
 * `kafka-cluster:Connect` presigned (SigV4) with AWS credentials and valid for 15 minutes, made anew at
 * every authentication (kafkajs re-authenticates before the broker's session ends), so that rotating
 * credentials (a pod's web identity, an instance role) are followed. AWS's signer is loaded only when
 * a configuration asks for it.
 */
export function mskIamTokenProvider(settings: MskIamSettings): () => Promise<BearerToken> {
  const { region, profile, roleArn } = settings;
  return async () => {
    const signer = await import('aws-msk-iam-sasl-signer-js');
    try {
      // generateAuthToken takes a profile's or a role's name too, but signs with the default chain's credentials.
      const { token } =
        profile !== undefined
          ? await signer.generateAuthTokenFromProfile({ region, awsProfileName: profile })
          : roleArn !== undefined
            ? await signer.generateAuthTokenFromRole({
                region,
                awsRoleArn: roleArn,
                awsRoleSessionName: roleSessionName,
              })
            : await signer.generateAuthToken({ region });
      return { value: token };
    } catch (error) {
      throw new Error(`aws-msk-iam: no token signed for ${region}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  };
}

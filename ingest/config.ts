import { z } from 'zod';
import { compressionNames } from './compression-names.js';
import { formatNames } from './normalize.js';

/**
 * A topic of OTLP trace exports in protobuf, one per message: what the OpenTelemetry Collector's
 * `kafka` exporter writes by default (`encoding: otlp_proto`). Read as the `otlp` format.
 */
export const otlpProtoFormat = 'otlp-proto';
/** A typo here would dead-letter every record of the topic: it stops start-up instead. */
const topicFormat = z.enum([otlpProtoFormat, ...formatNames]);

const passwordMechanisms = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/** TLS to the brokers: `true` trusts the system's CAs; the object adds CAs, a client certificate (mTLS), a name. */
const kafkaTlsSchema = z.union([
  z.boolean(),
  z
    .object({
      /** PEM file of the CAs that sign the brokers' certificates (instead of the system's). */
      caFile: z.string().min(1).optional(),
      /** PEM client certificate and its private key, for brokers that ask for one (mTLS). */
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      /** The passphrase of an encrypted keyFile: from this environment variable, or from a file. */
      keyPassphraseEnv: z.string().min(1).optional(),
      keyPassphraseFile: z.string().min(1).optional(),
      /** The name the brokers' certificates are checked against, when it is not the address dialled. */
      servername: z.string().min(1).optional(),
    })
    .strict()
    .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), {
      message: 'set both certFile and keyFile, or neither',
      path: ['certFile'],
    })
    .refine((tls) => tls.keyPassphraseEnv === undefined || tls.keyPassphraseFile === undefined, {
      message: 'set one of keyPassphraseEnv or keyPassphraseFile, not both',
      path: ['keyPassphraseEnv'],
    })
    .refine(
      (tls) => tls.keyFile !== undefined || (tls.keyPassphraseEnv ?? tls.keyPassphraseFile) === undefined,
      { message: 'a key passphrase needs keyFile', path: ['keyPassphraseEnv'] },
    ),
]);

/**
 * SASL authentication. A password (PLAIN, SCRAM) comes from an environment variable
 * (KAFKA_SASL_PASSWORD unless `passwordEnv` names another) or a file, never from the config; an
 * OAUTHBEARER token from a file, read again at every authentication, so that whatever refreshes it
 * (an identity provider's agent or sidecar) is followed without a restart. Amazon MSK's IAM
 * authentication (`aws-msk-iam`) signs a token with the AWS credentials the SDK's default chain finds
 * (or a profile's, or a role's it assumes) at every authentication.
 */
const kafkaSaslSchema = z
  .object({
    mechanism: z.enum([...passwordMechanisms, 'oauthbearer', 'aws-msk-iam']),
    username: z.string().min(1).optional(),
    passwordEnv: z.string().min(1).optional(),
    passwordFile: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    /**
     * OAUTHBEARER's SASL extensions, sent beside the token: Confluent Cloud's `logicalCluster` and
     * `identityPoolId`. Kafka takes letters only in their names, and reserves `auth`.
     */
    extensions: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z]+$/, 'an extension name is letters only')
          .refine((name) => name !== 'auth', {
            message: 'auth is the token itself, not an extension',
          }),
        z.string().regex(/^[\x21-\x7E \t\r\n]+$/, 'an extension value is printable ASCII'),
      )
      .optional(),
    /** aws-msk-iam: the cluster's region (default AWS_REGION, else AWS_DEFAULT_REGION). */
    region: z.string().min(1).optional(),
    /** aws-msk-iam: credentials of this profile of the shared AWS files, instead of the default chain. */
    profile: z.string().min(1).optional(),
    /** aws-msk-iam: a role the credentials assume, whose identity the cluster sees. */
    roleArn: z.string().min(1).optional(),
  })
  .strict()
  .refine((sasl) => sasl.passwordEnv === undefined || sasl.passwordFile === undefined, {
    message: 'set one of passwordEnv or passwordFile, not both',
    path: ['passwordEnv'],
  })
  .refine((sasl) => (sasl.mechanism === 'oauthbearer') === (sasl.tokenFile !== undefined), {
    message: 'oauthbearer takes its token from tokenFile, and only oauthbearer does',
    path: ['tokenFile'],
  })
  .refine((sasl) => sasl.mechanism === 'oauthbearer' || sasl.extensions === undefined, {
    message: 'only oauthbearer sends extensions',
    path: ['extensions'],
  })
  .refine((sasl) => isPasswordMechanism(sasl.mechanism) === (sasl.username !== undefined), {
    message: 'plain and the scram mechanisms need a username; oauthbearer and aws-msk-iam take none',
    path: ['username'],
  })
  .refine(
    (sasl) => isPasswordMechanism(sasl.mechanism) || (sasl.passwordEnv ?? sasl.passwordFile) === undefined,
    { message: 'oauthbearer and aws-msk-iam take no password', path: ['passwordEnv'] },
  )
  .refine(
    (sasl) => sasl.mechanism === 'aws-msk-iam' || (sasl.region ?? sasl.profile ?? sasl.roleArn) === undefined,
    { message: 'region, profile and roleArn are for aws-msk-iam', path: ['region'] },
  )
  .refine((sasl) => sasl.profile === undefined || sasl.roleArn === undefined, {
    message: 'set one of profile or roleArn, not both',
    path: ['profile'],
  })
  .transform((sasl) =>
    isPasswordMechanism(sasl.mechanism) && sasl.passwordFile === undefined
      ? { ...sasl, passwordEnv: sasl.passwordEnv ?? 'KAFKA_SASL_PASSWORD' }
      : sasl,
  );

function isPasswordMechanism(mechanism: string): mechanism is (typeof passwordMechanisms)[number] {
  return (passwordMechanisms as readonly string[]).includes(mechanism);
}

export const kafkaConfigSchema = z
  .object({
    brokers: z.array(z.string().min(1)).default([]),
    tls: kafkaTlsSchema.default(false),
    sasl: kafkaSaslSchema.optional(),
    clientId: z.string().default('hopwatch'),
    groupId: z.string().default('hopwatch'),
    topics: z.array(z.string().min(1)).min(1).default(['hopwatch.access-logs']),
    deadLetterTopic: z.string().min(1).default('hopwatch.dead-letter'),
    /**
     * Findings and incident versions the Kafka lane raises go through this topic (keyed by id) to the
     * store and webhooks of whichever instance holds their partition, so that a finding two instances
     * raise around a rebalance is stored and delivered once.
     */
    findingsTopic: z.string().min(1).default('hopwatch.findings'),
    /**
     * Resolved hops of a pipeline split over Kafka (roles ingest, detect, sink), keyed by origin
     * credential: the detect stage sees every hop of a credential whatever input partition it came from.
     */
    hopsTopic: z.string().min(1).default('hopwatch.hops'),
    /** How far back (broker time) a member newly holding a findings partition looks for what was taken already. */
    findingsDedupMs: z.number().int().min(60_000).default(86_400_000),
    /**
     * A message larger than this is not decoded: it goes to the dead-letter topic cut to
     * deadLetterMaxBytes (with its size and sha256 in headers), and the partition goes on.
     */
    maxRecordBytes: z.number().int().positive().default(1_048_576),
    /** What a dead letter of an oversized message keeps; below the dead-letter topic's max.message.bytes. */
    deadLetterMaxBytes: z.number().int().positive().max(900_000).default(65_536),
    /** How hopwatch compresses what it writes (dead letters); any codec is read. */
    compression: z.enum(compressionNames).default('none'),
    /** Format per topic; topics not listed are auto-detected per record. */
    formatByTopic: z.record(z.string(), topicFormat).default({}),
    /**
     * How often hopwatch checks whether a checkpoint is due (the engine state and the consumed offsets
     * to `<dataDir>/kafka-checkpoint.json`, then the offset commit): once the records read since the
     * last are as many bytes as it was, or once consumption went quiet. Findings do not wait for it.
     */
    checkpointIntervalMs: z.number().int().min(100).default(5_000),
    /** Partitions of the input, dead-letter, findings and hops topics when hopwatch has to create them. */
    topicPartitions: z.number().int().min(1).default(6),
    /**
     * How long the findings and hops topics keep records when hopwatch creates them (7 days, Kafka's
     * default); the findings topic keeps at least findingsDedupMs. A detect or sink stage stopped
     * for longer loses what expired meanwhile.
     */
    internalTopicRetentionMs: z.number().int().min(60_000).default(604_800_000),
    /**
     * How long the group waits for a member that stopped heartbeating (a crashed instance) before its
     * partitions go to the others or to its restarted self. The broker bounds it (6–300 s by default).
     */
    sessionTimeoutMs: z.number().int().min(1_000).default(30_000),
    /** Where a group with no committed offset starts: the oldest record (true) or new records only. */
    fromBeginning: z.boolean().default(true),
  })
  .refine((kafka) => kafka.sasl?.mechanism !== 'aws-msk-iam' || kafka.tls !== false, {
    message: "aws-msk-iam needs tls (MSK's IAM listeners, ports 9098 and 9198, take TLS only): tls: true",
    path: ['tls'],
  });

export type KafkaConfig = z.infer<typeof kafkaConfigSchema>;
export type KafkaSasl = z.infer<typeof kafkaSaslSchema>;

import kafkajs, { type Mechanism } from 'kafkajs';

/** What is sent: the token, and the SASL extensions beside it. */
export type BearerToken = { value: string; extensions?: Record<string, string> | undefined };

/** SASL OAUTHBEARER with the token `token` gives at each authentication, which tests read too. */
export type OauthbearerMechanism = Mechanism & { token: () => Promise<BearerToken> };

// kafkajs's errors are no named exports to ES modules (it spreads them into its exports), and its types
// give them no constructor arguments; they take a message (its SCRAM failures are made so).
const SaslAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (
  message: string,
) => Error;

const separator = '\u0001';

/** A SASL message as kafkajs's requests carry it: BYTES, its length (32 bits) before it. */
function saslBytes(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const bytes = Buffer.alloc(4 + body.length);
  bytes.writeInt32BE(body.length, 0);
  body.copy(bytes, 4);
  return bytes;
}

/**
 * OAUTHBEARER (RFC 7628) as Kafka speaks it, with what kafkajs's own leaves out: a broker that refuses
 * the token does not fail the exchange at once but answers with an error status (KIP-255) and waits
 * for the client's acknowledgement. kafkajs took that status for success, the broker then closed the
 * connection, and the refusal surfaced as "No brokers in the broker pool". Here the status is read, the
 * acknowledgement sent, and the failure says that the brokers refused the token, and why.
 */
export function oauthbearerMechanism(token: () => Promise<BearerToken>): OauthbearerMechanism {
  return {
    mechanism: 'oauthbearer',
    token,
    authenticationProvider: ({ saslAuthenticate }) => ({
      authenticate: async () => {
        const { value, extensions } = await token();
        const named = Object.entries(extensions ?? {}).map(([name, text]) => `${separator}${name}=${text}`);
        const answer = await saslAuthenticate({
          request: {
            encode: () =>
              saslBytes(`n,,${separator}auth=Bearer ${value}${named.join('')}${separator}${separator}`),
          },
          // The broker's bytes come back with their length before them, as the request's went.
          response: { decode: (raw) => raw.subarray(4), parse: (bytes) => bytes.toString('utf8') },
        });
        if (answer === undefined || answer === '') return;
        let refusal = `the brokers refused the token (${errorStatus(answer)})`;
        try {
          await saslAuthenticate({ request: { encode: () => saslBytes(separator) } });
        } catch (error) {
          // Its reason, when it says more than the status (Kafka's own repeats the status's JSON).
          const reason = (error as Error).message;
          if (reason !== answer) refusal += `: ${reason}`;
        }
        throw new SaslAuthenticationError(`SASL OAUTHBEARER authentication failed: ${refusal}`);
      },
    }),
  };
}

/** The error status of the broker's answer: `{"status":"invalid_token", …}`. */
function errorStatus(answer: string): string {
  try {
    const { status } = JSON.parse(answer) as { status?: unknown };
    if (typeof status === 'string') return status;
  } catch {
    // Not the JSON the RFC asks for: said as such below.
  }
  return 'an answer that is not an error status';
}

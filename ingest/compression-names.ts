/**
 * The Kafka compression codecs hopwatch writes, by name: apart from the codecs themselves
 * (kafka-codecs.ts), so that reading a configuration does not load kafkajs and the codec libraries.
 */
export const compressionNames = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type CompressionName = (typeof compressionNames)[number];

export function isCompressionName(name: string): name is CompressionName {
  return (compressionNames as readonly string[]).includes(name);
}

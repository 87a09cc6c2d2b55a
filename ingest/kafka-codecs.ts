import { init as initZstd, compress as zstdCompress, decompress as zstdDecompress } from '@bokuweb/zstd-wasm';
import kafkajs from 'kafkajs';
import SnappyCodec from 'kafkajs-snappy';
import lz4Napi from 'lz4-napi';
import type { CompressionName } from './compression-names.js';

// Both are CommonJS: Node's ESM loader does not see these names as named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;
const { compressFrameSync, decompressFrameSync } = lz4Napi;

/** What kafkajs calls a codec: it hands `compress` an encoder whose `buffer` is the raw record batch. */
type Codec = () => {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
};

// LZ4 in Kafka is the LZ4 frame format; lz4-napi ships prebuilt binaries per platform as npm packages.
const lz4: Codec = () => ({
  compress: async (encoder) => compressFrameSync(encoder.buffer),
  decompress: async (buffer) => decompressFrameSync(buffer),
});

// zstd through WebAssembly: nothing to build, the same on every platform.
const zstdLevel = 3;
const zstd: Codec = () => ({
  compress: async (encoder) => Buffer.from(zstdCompress(encoder.buffer, zstdLevel)),
  decompress: async (buffer) => Buffer.from(zstdDecompress(buffer)),
});

let registered: Promise<void> | undefined;

/**
 * Teaches kafkajs (which has none and gzip built in) snappy, lz4 and zstd, for reading and writing.
 * kafkajs keeps codecs in one table per process, so this fills it once.
 */
export function registerCodecs(): Promise<void> {
  registered ??= initZstd().then(() => {
    CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec;
    CompressionCodecs[CompressionTypes.LZ4] = lz4;
    CompressionCodecs[CompressionTypes.ZSTD] = zstd;
  });
  return registered;
}

const compressionTypes: Record<CompressionName, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

export function compressionType(name: CompressionName): kafkajs.CompressionTypes {
  return compressionTypes[name];
}

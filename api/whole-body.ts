/** A body read whole, or how far reading got before it passed the limit (it stops there). */
export type WholeBody = { ok: true; bytes: Buffer } | { ok: false; bytes: number };

/** For bodies that cannot be read piece by piece (a JSON document, a protobuf message). */
export async function readWholeBody(
  body: AsyncIterable<Buffer | string>,
  maxBytes: number,
): Promise<WholeBody> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of body) {
    const piece = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    bytes += piece.length;
    if (bytes > maxBytes) return { ok: false, bytes };
    chunks.push(piece);
  }
  return { ok: true, bytes: Buffer.concat(chunks, bytes) };
}

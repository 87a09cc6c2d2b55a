import { describe, expect, it } from 'vitest';
import { parseB3Single, parseTraceparent, traceContextFromHeaders } from './trace-context.js';

describe('W3C traceparent', () => {
  it('gives the trace and the caller span as the parent of the hop', () => {
    expect(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
    });
  });

  it('lowercases upper-case hex', () => {
    expect(parseTraceparent('00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01')?.traceId).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it.each([
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['forbidden version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['extra field in version 00', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xx'],
    ['non-hex', '00-4bf92f3577b34da6a3ce929d0e0e473z-00f067aa0ba902b7-01'],
    ['missing marker', '-'],
  ])('ignores an invalid value (%s)', (_, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('reads a value with spaces around its fields as splitting it would', () => {
    expect(parseTraceparent(' 00-4bf92f3577b34da6a3ce929d0e0e4736- 00f067aa0ba902b7-01')?.parentSpanId).toBe(
      '00f067aa0ba902b7',
    );
  });

  it('accepts a future version with extra fields', () => {
    expect(
      parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra')?.parentSpanId,
    ).toBe('00f067aa0ba902b7');
  });
});

describe('B3', () => {
  it('reads the single header: its span is the hop (shared span), its parent the caller', () => {
    expect(parseB3Single('80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90')).toEqual({
      traceId: '80f198ee56343ba864fe8b2a57d3eff7',
      spanId: 'e457b5a2e4d86bd1',
      parentSpanId: '05e3ac9a4f6e3b90',
    });
  });

  it('pads a 64-bit trace id to 128 bits so that both spellings match', () => {
    expect(parseB3Single('a3ce929d0e0e4736-00f067aa0ba902b7')).toEqual({
      traceId: '0000000000000000a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
  });

  it('reads the parent only from the fourth field', () => {
    const trace = '80f198ee56343ba864fe8b2a57d3eff7';
    expect(parseB3Single(`${trace}-e457b5a2e4d86bd1-1`)).toEqual({
      traceId: trace,
      spanId: 'e457b5a2e4d86bd1',
    });
    expect(parseB3Single(`${trace}-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90-x`)?.parentSpanId).toBe(
      '05e3ac9a4f6e3b90',
    );
    expect(parseB3Single(`${trace}-e457b5a2e4d86bd1--`)).toEqual({
      traceId: trace,
      spanId: 'e457b5a2e4d86bd1',
    });
  });

  it('gives nothing for a bare sampling decision', () => {
    expect(parseB3Single('0')).toBeUndefined();
    expect(parseB3Single('d')).toBeUndefined();
  });

  it('reads the x-b3-* set with its parent', () => {
    expect(
      traceContextFromHeaders({
        b3TraceId: '80f198ee56343ba864fe8b2a57d3eff7',
        b3SpanId: 'e457b5a2e4d86bd1',
        b3ParentSpanId: '05e3ac9a4f6e3b90',
      }),
    ).toEqual({
      traceId: '80f198ee56343ba864fe8b2a57d3eff7',
      spanId: 'e457b5a2e4d86bd1',
      parentSpanId: '05e3ac9a4f6e3b90',
    });
  });
});

describe('ids from headers as proxies pass them', () => {
  it('trims and lower-cases the x-b3-* ids, and refuses characters just outside hex', () => {
    const headers = { b3TraceId: ' 80F198EE56343BA8 ', b3SpanId: 'E457b5a2e4d86bd1' };
    expect(traceContextFromHeaders(headers)).toEqual({
      traceId: '000000000000000080f198ee56343ba8',
      spanId: 'e457b5a2e4d86bd1',
    });
    for (const outside of [':', '@', 'G', '`', 'g', '/']) {
      expect(traceContextFromHeaders({ ...headers, b3SpanId: `e457b5a2e4d86bd${outside}` })).toEqual({});
    }
  });
});

describe('header precedence', () => {
  it('prefers traceparent over B3 and falls back when traceparent is invalid', () => {
    const b3 = '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1';
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(traceContextFromHeaders({ traceparent, b3 }).traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(traceContextFromHeaders({ traceparent: 'garbage', b3 }).traceId).toBe(
      '80f198ee56343ba864fe8b2a57d3eff7',
    );
  });

  it('gives an empty context when no header is usable', () => {
    expect(traceContextFromHeaders({ b3TraceId: '80f198ee56343ba864fe8b2a57d3eff7' })).toEqual({});
  });
});

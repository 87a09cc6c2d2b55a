import { describe, expect, it } from 'vitest';
import { type HeaderKeys, headerReader } from './headers.js';

const keys: HeaderKeys = {
  traceparent: ['traceparent'],
  b3: [],
  b3TraceId: [],
  b3SpanId: [],
  b3ParentSpanId: [],
  authorization: ['authorization', 'http_authorization'],
  apiKey: [],
  agent: ['agent', 'x-hopwatch-agent', 'x-agent-id'],
  onBehalfOf: [],
  mcpMethod: [],
  mcpName: [],
  mcpSession: [],
  contentType: [],
};

describe('headerReader', () => {
  const read = headerReader(keys);

  it('takes the key listed first, wherever the record puts it', () => {
    const headers = read({ 'x-agent-id': 'late', 'x-hopwatch-agent': 'middle', agent: 'first' });
    expect(headers.agent).toBe('first');
    expect(read({ 'x-agent-id': 'late', 'x-hopwatch-agent': 'middle' }).agent).toBe('middle');
    expect(read({ 'x-hopwatch-agent': 'middle', 'x-agent-id': 'late' }).agent).toBe('middle');
  });

  it('passes over absent, empty and redacted values to the next key', () => {
    const headers = read({ authorization: 'REDACTED', http_authorization: 'Bearer abc', agent: '' });
    expect(headers.authorization).toBe('Bearer abc');
    expect(headers.agent).toBeUndefined();
  });

  it('reads arrays of values (Kong) by their first, and knows nothing of one record in the next', () => {
    expect(read({ traceparent: ['00-a-b-01', '00-c-d-01'] }).traceparent).toBe('00-a-b-01');
    expect(read({}).traceparent).toBeUndefined();
  });

  it('refuses a key listed for two headers', () => {
    expect(() => headerReader({ ...keys, apiKey: ['authorization'] })).toThrow(/authorization/);
  });
});

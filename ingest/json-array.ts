import { parsedOrUndefined } from '../common/json.js';

const byteOrderMark = '\uFEFF';

/**
 * The records of a JSON document read whole: an array's elements, a string element being a log line
 * as it is (shippers' JSON bodies, the JSON arrays of `gcloud logging read` and the AWS CLI), else the
 * document as one record, for the pipeline to judge and keep as a dead letter, with its reason, if
 * it must.
 */
export function jsonDocumentRecords(document: string): string[] {
  const text = (document.startsWith(byteOrderMark) ? document.slice(1) : document).trim();
  if (text === '') return [];
  const value = parsedOrUndefined(text);
  if (!Array.isArray(value)) return [text];
  return value.map((element: unknown) => (typeof element === 'string' ? element : JSON.stringify(element)));
}

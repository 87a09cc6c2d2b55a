import type { DeadLetter, Page } from './api.js';
import { Loading, time, useApi } from './ui.js';

/** Where a record came from: a Kafka partition and offset, or a line of an HTTP body or a file. */
function whence(letter: DeadLetter): string {
  if (letter.topic !== undefined) return `${letter.topic}/${letter.partition ?? '?'}@${letter.offset ?? '?'}`;
  return letter.line === undefined ? letter.source : `${letter.source}, line ${letter.line}`;
}

const utf8 = new TextEncoder();

/** Whether the store kept only the first part of the record. */
const cut = (letter: DeadLetter): boolean => utf8.encode(letter.raw).length < letter.rawBytes;

/** The records hopwatch could not read, and why: what to look at first when a gateway's logs are rejected. */
export function DeadLettersPage() {
  const loaded = useApi<Page<DeadLetter>>('/v1/dead-letters?limit=100', 10_000);
  return (
    <section>
      <h1>Rejected records</h1>
      <Loading loaded={loaded}>
        {(page) =>
          page.items.length === 0 ? (
            <p class="muted">No rejected records.</p>
          ) : (
            <table class="dead-letters">
              <thead>
                <tr>
                  <th>received</th>
                  <th>from</th>
                  <th>format</th>
                  <th>reason</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((letter) => (
                  <tr key={letter.id} data-dead-letter-id={letter.id}>
                    <td>{time(letter.receivedAt)}</td>
                    <td>{whence(letter)}</td>
                    <td>{letter.format ?? '—'}</td>
                    <td>
                      {letter.reason}
                      <details>
                        <summary>
                          record
                          {cut(letter) ? ` (the first part of ${letter.rawBytes} bytes)` : ''}
                        </summary>
                        <pre>{letter.raw}</pre>
                      </details>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loading>
    </section>
  );
}

/**
 * A separate hopwatch process that writes through the store and exits: `node
 * dist/test/helpers/store-writer-child.js <first> <count> <base>` writes findings first … first+count−1
 * and a three-hop trace for each (timestamps from `base`), with the store configured from the environment (HOPWATCH_DATA_DIR,
 * CLICKHOUSE_URL, CLICKHOUSE_DATABASE …), then closes the store.
 */
import { createLogger } from '../../common/logger.js';
import { loadConfig } from '../../pipeline/load-config.js';
import { openStore } from '../../store/index.js';
import { childFindings, childHops } from './store-child-data.js';

const first = Number(process.argv[2]);
const count = Number(process.argv[3]);
const base = Number(process.argv[4]);
const loaded = loadConfig(undefined, process.env);
if (!loaded.ok) {
  process.stderr.write(`${loaded.reason}\n`);
  process.exit(2);
}
const store = await openStore(loaded.config, createLogger('silent'));
await store.writer.write({ findings: childFindings(first, count), hops: childHops(first, count, base) });
await store.close();
process.stdout.write(`wrote ${count} findings\n`);
// The embedded engine's native handles would otherwise keep the process alive.
process.exit(0);

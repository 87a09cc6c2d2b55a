/**
 * Case 4 in a process of its own, as users run hopwatch: in the bench's process every full
 * collection also marked the corpora and results it holds, which lengthened the pauses the tail of
 * this case measures. Arguments: events per second, seconds, and optionally the Kafka brokers
 * (comma-separated). Prints the case's results and note as one JSON line; progress goes to stderr.
 */
import { latencyCase } from './latency-case.js';

const [eventsPerSecond, seconds, brokers] = process.argv.slice(2);
const measured = await latencyCase(Number(eventsPerSecond), Number(seconds), brokers?.split(','));
process.stdout.write(`${JSON.stringify(measured)}\n`);
// chDB's engine keeps the process alive once its work is done.
process.exit(0);

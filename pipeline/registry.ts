import { alertsSink } from './sinks/alerts.js';
import { stdoutSink } from './sinks/stdout.js';
import { storeSink } from './sinks/store.js';
import { httpSource } from './sources/http.js';
import { kafkaSource } from './sources/kafka.js';

/**
 * The sources and sinks a pipeline can run; which of them run is `sources:` and `sinks:` in the
 * config. Adding one = its file under sources/ or sinks/ and one line here. Formats are registered in
 * ingest/formats/index.ts, detectors in detectors/index.ts.
 */
export const sourceRegistry = [httpSource, kafkaSource] as const;
export const sinkRegistry = [storeSink, alertsSink, stdoutSink] as const;

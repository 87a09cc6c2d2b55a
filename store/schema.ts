import type { StoreTables } from './tables.js';

/** What the DDL depends on besides the table names: retention from the config. */
export type SchemaSettings = { tables: StoreTables; hopsTtlDays: number; deadLettersTtlDays: number };

/**
 * Column names follow the schemas' field names, so that a Finding or DeadLetter is inserted as it is
 * (JSONEachRow) and read back with few changes; a hop's nested objects are flattened into prefixed
 * columns (credentialId, destinationService …). Timestamps are DateTime64(3, 'UTC'): an integer in
 * JSON input is epoch milliseconds. `evidence` is a String column:
 * `input_format_json_read_objects_as_strings` keeps the object's JSON text.
 */

export function findingsTable({ tables }: SchemaSettings): string {
  // ReplacingMergeTree deduplicates rows with the same sorting key; every key column is an input of
  // the finding id (detector, window start) or the id itself, so one id is one key. Of two versions,
  // the one detected last stays.
  return `CREATE TABLE IF NOT EXISTS ${tables.findings} (
    id String,
    detector LowCardinality(String),
    rule LowCardinality(String),
    severity LowCardinality(String),
    score Float64,
    originCredential String,
    credential Nullable(String),
    traceIds Array(String),
    windowStart DateTime64(3, 'UTC'),
    windowEnd DateTime64(3, 'UTC'),
    detectedAt DateTime64(3, 'UTC'),
    summary String,
    evidence String,
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 1,
    INDEX origin_bloom originCredential TYPE bloom_filter GRANULARITY 1,
    INDEX window_end_minmax windowEnd TYPE minmax GRANULARITY 1
  )
  ENGINE = ReplacingMergeTree(detectedAt)
  PARTITION BY toYYYYMM(windowStart)
  ORDER BY (detector, windowStart, id)`;
}

/** The layout of migration 1 (named tuples, a projection per origin credential), flattened by migration 4. */
export function hopsTable({ tables, hopsTtlDays }: SchemaSettings): string {
  // Sorted by trace for lineage lookups; the projection serves per-origin-credential summaries.
  // (traceId, id) comes from the record itself, so a replayed hop lands on the same key and merges away.
  return `CREATE TABLE IF NOT EXISTS ${tables.hops} (
    id String,
    ts DateTime64(3, 'UTC'),
    durationMs Nullable(Float64),
    traceId String DEFAULT '',
    spanId Nullable(String),
    parentSpanId Nullable(String),
    requestId Nullable(String),
    credential Tuple(
      id String, kind LowCardinality(String), subject Nullable(String), issuer Nullable(String),
      scopes Array(String), jti Nullable(String)),
    delegation Array(String),
    source Tuple(workload Nullable(String), agent Nullable(String), ip Nullable(String)),
    destination Tuple(
      service LowCardinality(String), host Nullable(String), method LowCardinality(String), path String,
      route Nullable(String), tool Nullable(String), protocol LowCardinality(String)),
    status UInt32,
    rawStatus Nullable(String),
    bytesIn Nullable(Float64),
    bytesOut Nullable(Float64),
    origin Tuple(format LowCardinality(String), topic Nullable(String), partition Nullable(UInt32), offset Nullable(String)),
    originCredential String,
    originConfidence LowCardinality(String),
    parentId Nullable(String),
    parentInferred Bool,
    depth UInt16,
    path Array(Tuple(hopId String, service String, workload Nullable(String), credential String)),
    -- A projection cannot hold a tuple element; this copy is what per-credential summaries group by.
    destinationService LowCardinality(String) MATERIALIZED destination.service,
    PROJECTION by_origin_credential (
      SELECT originCredential, ts, id, destinationService ORDER BY originCredential, ts
    )
  )
  ENGINE = ReplacingMergeTree
  PARTITION BY toYYYYMMDD(ts)
  ORDER BY (traceId, id)
  ${ttlClause('ts', hopsTtlDays)}
  SETTINGS deduplicate_merge_projection_mode = 'rebuild'`;
}

/**
 * Hops as flat columns (migration 4): chDB parses these about 1.4 times faster than the named tuples
 * of the first layout, and the lineage path is one JSON text column (`[[hopId, service, workload, credential], …]`)
 * instead of an array of tuples. Sorted by trace for lineage lookups; per-origin-credential summaries
 * skip granules through a bloom filter, which costs inserts about 4 % where the former projection cost 20 %.
 */
export function flatHopsTable({ tables, hopsTtlDays }: SchemaSettings, table = tables.hops): string {
  return `CREATE TABLE IF NOT EXISTS ${table} (
    ${flatHopColumns.map(([name, type]) => `${name} ${type}`).join(',\n    ')},
    INDEX origin_bloom originCredential TYPE bloom_filter GRANULARITY 1
  )
  ENGINE = ReplacingMergeTree
  PARTITION BY toYYYYMMDD(ts)
  ORDER BY (traceId, id)
  ${ttlClause('ts', hopsTtlDays)}`;
}

/** The flat hop columns, in insert order, each with its type and its expression over the first layout. */
export const flatHopColumns: ReadonlyArray<readonly [name: string, type: string, fromTuples: string]> = [
  ['id', 'String', 'id'],
  ['ts', "DateTime64(3, 'UTC')", 'ts'],
  ['durationMs', 'Nullable(Float64)', 'durationMs'],
  ['traceId', "String DEFAULT ''", 'traceId'],
  ['spanId', 'Nullable(String)', 'spanId'],
  ['parentSpanId', 'Nullable(String)', 'parentSpanId'],
  ['requestId', 'Nullable(String)', 'requestId'],
  ['sessionId', 'Nullable(String)', 'sessionId'],
  ['credentialId', 'String', 'credential.id'],
  ['credentialKind', 'LowCardinality(String)', 'credential.kind'],
  ['credentialSubject', 'Nullable(String)', 'credential.subject'],
  ['credentialIssuer', 'Nullable(String)', 'credential.issuer'],
  ['credentialScopes', 'Array(String)', 'credential.scopes'],
  ['credentialJti', 'Nullable(String)', 'credential.jti'],
  ['delegation', 'Array(String)', 'delegation'],
  ['sourceWorkload', 'Nullable(String)', 'source.workload'],
  ['sourceAgent', 'Nullable(String)', 'source.agent'],
  ['sourceIp', 'Nullable(String)', 'source.ip'],
  ['destinationService', 'LowCardinality(String)', 'destination.service'],
  ['destinationHost', 'Nullable(String)', 'destination.host'],
  ['destinationMethod', 'LowCardinality(String)', 'destination.method'],
  ['destinationPath', 'String', 'destination.path'],
  ['destinationRoute', 'Nullable(String)', 'destination.route'],
  ['destinationTool', 'Nullable(String)', 'destination.tool'],
  ['destinationProtocol', 'LowCardinality(String)', 'destination.protocol'],
  ['status', 'UInt32', 'status'],
  ['rawStatus', 'Nullable(String)', 'rawStatus'],
  ['bytesIn', 'Nullable(Float64)', 'bytesIn'],
  ['bytesOut', 'Nullable(Float64)', 'bytesOut'],
  ['originFormat', 'LowCardinality(String)', 'origin.format'],
  ['originTopic', 'Nullable(String)', 'origin.topic'],
  ['originPartition', 'Nullable(UInt32)', 'origin.partition'],
  ['originOffset', 'Nullable(String)', 'origin.offset'],
  ['originCredential', 'String', 'originCredential'],
  ['originConfidence', 'LowCardinality(String)', 'originConfidence'],
  ['parentId', 'Nullable(String)', 'parentId'],
  ['parentInferred', 'Bool', 'parentInferred'],
  ['depth', 'UInt16', 'depth'],
  [
    'path',
    'String',
    'toJSONString(arrayMap(step -> [step.hopId, step.service, step.workload, step.credential], path))',
  ],
  ['observedAs', 'Array(String)', 'observedAs'],
];

/**
 * Hop columns added after the flat layout, in insert order after `flatHopColumns`, each by a migration.
 * `pathOmitsHop` (6): the stored path ends at the hop's parent, the hop's own step (its id, service,
 * caller and credential, which the row holds already) left out; false in rows written before.
 * `observer` (7): where the record was logged (HopEvent.observer), null in rows written before.
 */
export const laterHopColumns = [
  ['pathOmitsHop', 'Bool DEFAULT false'],
  ['observer', 'Nullable(String)'],
] as const satisfies ReadonlyArray<readonly [name: string, type: string]>;

/** The migration that adds one of `laterHopColumns`, as the list declares it. */
export function addLaterHopColumn(
  { tables }: SchemaSettings,
  column: (typeof laterHopColumns)[number][0],
): string {
  const [name, type] = laterHopColumns.find(([name]) => name === column)!;
  return `ALTER TABLE ${tables.hops} ADD COLUMN IF NOT EXISTS ${name} ${type}`;
}

export function deadLettersTable({ tables, deadLettersTtlDays }: SchemaSettings): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.deadLetters} (
    receivedAt DateTime64(3, 'UTC'),
    reason String,
    raw String,
    rawBytes UInt32,
    format LowCardinality(Nullable(String)),
    source LowCardinality(String),
    topic Nullable(String),
    partition Nullable(UInt32),
    offset Nullable(String),
    line Nullable(UInt32)
  )
  ENGINE = MergeTree
  PARTITION BY toYYYYMMDD(receivedAt)
  ORDER BY (receivedAt)
  ${ttlClause('receivedAt', deadLettersTtlDays)}`;
}

/**
 * A part is written compact (one file for every column) below `min_bytes_for_wide_part`, wide (files
 * per column) above. ClickHouse's 10 MB made the writer's larger inserts under a backlog (about 10,000
 * rows, 10 MB) and the first merges of its smaller ones wide: 51k hops through the writer into chDB,
 * alternating runs, 74–80k rows/s → 84–92k with 64 MB (migration 5). Merged parts past it stay wide
 * for reads of a few columns.
 */
export function compactHopParts({ tables }: SchemaSettings): string {
  return `ALTER TABLE ${tables.hops} MODIFY SETTING min_bytes_for_wide_part = ${64 * 1024 * 1024}`;
}

/** Findings gained the incident they joined and the silence that matched them (migration 2). */
export function findingIncidentColumns({ tables }: SchemaSettings): string[] {
  return [
    `ALTER TABLE ${tables.findings} ADD COLUMN IF NOT EXISTS incidentId Nullable(String)`,
    `ALTER TABLE ${tables.findings} ADD COLUMN IF NOT EXISTS silencedBy Nullable(String)`,
  ];
}

export function hopObservationColumns({ tables }: SchemaSettings): string[] {
  return [
    `ALTER TABLE ${tables.hops} ADD COLUMN IF NOT EXISTS sessionId Nullable(String)`,
    `ALTER TABLE ${tables.hops} ADD COLUMN IF NOT EXISTS observedAs Array(String) DEFAULT []`,
  ];
}

export function incidentsTable({ tables }: SchemaSettings): string {
  // One row per version: (id, version) is the key, so a replayed version merges away and every earlier
  // version stays for the timeline. The latest version is the incident as it stands.
  return `CREATE TABLE IF NOT EXISTS ${tables.incidents} (
    id String,
    originCredential String,
    state LowCardinality(String),
    severity LowCardinality(String),
    firstSeenAt DateTime64(3, 'UTC'),
    lastSeenAt DateTime64(3, 'UTC'),
    resolvedAt Nullable(DateTime64(3, 'UTC')),
    findingCount UInt32,
    detectors Array(LowCardinality(String)),
    rules Array(String),
    highlights String,
    version UInt32,
    change LowCardinality(String),
    changedAt DateTime64(3, 'UTC'),
    findingId Nullable(String),
    INDEX origin_bloom originCredential TYPE bloom_filter GRANULARITY 1
  )
  ENGINE = ReplacingMergeTree
  PARTITION BY toYYYYMM(firstSeenAt)
  ORDER BY (id, version)`;
}

export function migrationsTable({ tables }: SchemaSettings): string {
  return `CREATE TABLE IF NOT EXISTS ${tables.migrations} (
    version UInt32,
    name String,
    appliedAt DateTime64(3, 'UTC') DEFAULT now64(3)
  )
  ENGINE = ReplacingMergeTree
  ORDER BY version`;
}

/** Days come from the validated config (a bounded integer); DDL takes no query parameters. */
export function ttlClause(column: string, days: number): string {
  return `TTL toDateTime(${column}) + INTERVAL ${Math.trunc(days)} DAY`;
}

/** Fully qualified table names: the embedded engine ignores a client-level database, so every statement names it. */
export type StoreTables = {
  database: string;
  findings: string;
  hops: string;
  deadLetters: string;
  incidents: string;
  migrations: string;
};

/** `database` is validated as a plain identifier by the config schema, which is what makes it safe to name here. */
export function storeTables(database: string): StoreTables {
  return {
    database,
    findings: `${database}.findings`,
    hops: `${database}.hops`,
    deadLetters: `${database}.dead_letters`,
    incidents: `${database}.incidents`,
    migrations: `${database}.schema_migrations`,
  };
}

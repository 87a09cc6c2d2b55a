import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { openInputFile, readLines } from '../ingest/lines.js';
import { defaultMaxRecordBytes, formatNames } from '../ingest/normalize.js';
import { type Explanation, explainRecord, type HopAccount } from '../pipeline/explain.js';
import { loadConfig } from '../pipeline/load-config.js';

type ExplainFlags = { line: string; format: string; config?: string; json?: boolean };

async function explainCommand(file: string, flags: ExplainFlags): Promise<number> {
  const fail = (message: string) => {
    process.stderr.write(`hopwatch explain: ${message}\n`);
    return 2;
  };
  if (!formatNames.includes(flags.format))
    return fail(`unknown format "${flags.format}" (one of: ${formatNames.join(', ')})`);
  const line = Number(flags.line);
  if (!Number.isSafeInteger(line) || line < 1)
    return fail(`--line must be a line number from 1, got ${flags.line}`);
  if (file !== '-' && !existsSync(file)) return fail(`no such file: ${file}`);
  const loaded = loadConfig(flags.config);
  if (!loaded.ok) return fail(loaded.reason);
  const records: string[] = [];
  const input = file === '-' ? process.stdin : openInputFile(file);
  for await (const entry of readLines(input, { maxLineBytes: defaultMaxRecordBytes }))
    records.push(entry.line);
  if (line > records.length)
    return fail(`${file} has ${records.length} line(s); --line ${line} is past its end`);
  const { lineage, detectors, incidents } = loaded.config;
  const result = explainRecord(
    records,
    line - 1,
    { lineage, detectors, incidents },
    { format: flags.format },
  );
  if (!result.ok) return fail(`line ${line}: ${result.reason}`);
  process.stdout.write(
    flags.json === true ? `${JSON.stringify(result.explanation, null, 2)}\n` : render(result.explanation),
  );
  return 0;
}

function render(explanation: Explanation): string {
  const { format, hops, findings } = explanation;
  const lines = [`format   ${format.name} — ${format.chosen}: ${format.why}`];
  hops.forEach((hop, index) => {
    if (hops.length > 1) lines.push('', `hop ${index + 1} of ${hops.length}`);
    lines.push(...renderHop(hop));
  });
  lines.push('', findings.length === 0 ? 'findings none for this hop' : 'findings');
  for (const finding of findings)
    lines.push(`  ${finding.detector}/${finding.rule} ${finding.severity}: ${finding.summary}`);
  return `${lines.join('\n')}\n`;
}

function renderHop({ fieldsRead, identity, lineage, detectors }: HopAccount): string[] {
  const lines: string[] = [];
  if (fieldsRead !== undefined) {
    lines.push('read');
    for (const [field, value] of Object.entries(fieldsRead))
      lines.push(`  ${field}: ${JSON.stringify(value)}`);
  }
  lines.push(
    `identity ${identity.credential.id} (${identity.credential.kind}) — ${identity.basis}`,
    `  scopes: ${identity.credential.scopes.join(' ') || '(none)'}`,
    `  caller: ${identity.caller.name ?? '(none)'} — ${identity.caller.from}`,
  );
  if (identity.delegation !== undefined) lines.push(`  delegation: ${identity.delegation.join(' → ')}`);
  if (lineage === null) {
    lines.push('lineage  not resolved (a copy of a hop already seen)');
  } else {
    lines.push(
      `lineage  ${lineage.parentBasis}: ${lineage.why}`,
      `  origin: ${lineage.originCredential} (${lineage.originConfidence}) — ${lineage.originWhy}`,
      `  path: ${lineage.path.map((step) => step.service).join(' → ')} (depth ${lineage.depth})`,
    );
    if (lineage.observedAs.length > 0) {
      const { credential, caller } = lineage.judgedAs;
      lines.push(
        `  also logged as: ${lineage.observedAs.join(', ')}`,
        `  judged, with every observation point merged, as credential ${credential}, caller ${caller ?? '(none)'}`,
      );
    }
  }
  lines.push('detectors');
  for (const [name, note] of Object.entries(detectors)) {
    lines.push(`  ${name}: ${note.counted ? '' : '(not counted) '}${note.note}`);
    if (note.key !== undefined) lines.push(`    key ${note.key}`);
  }
  return lines;
}

export function register(program: Command): void {
  program
    .command('explain')
    .description(
      'Explain one record: the format chosen and why, the fields read, the identity decision, its ' +
        'parent and origin, and what each detector counted for it. The other lines of the file are ' +
        'its context (the rest of its trace), run through the pipeline as `hopwatch detect` would. ' +
        'Never prints a secret.',
    )
    .argument('[file]', 'a log file (any supported format); standard input when "-" or none', '-')
    .option('--line <n>', 'the line to explain (from 1)', '1')
    .option('--format <format>', `input format: ${formatNames.join(', ')}`, 'auto')
    .option('--config <file>', 'configuration file (default: ./hopwatch.yaml when present)')
    .option('--json', 'the explanation as JSON')
    .action(async (file: string, flags: ExplainFlags) => {
      process.exitCode = await explainCommand(file, flags);
    });
}

import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { detectorNames } from '../detectors/index.js';

/** One expected finding: `detector` (and `rule`, when given) should fire for this origin credential within [from, to]. */
export const scenarioLabelSchema = z
  .object({
    originCredential: z.string().min(1),
    detector: z.enum(detectorNames as [string, ...string[]]),
    rule: z.string().min(1).optional(),
    from: z.number().int().nonnegative(),
    to: z.number().int().nonnegative(),
    /** What the traffic of this credential is, for a reader of the file. */
    note: z.string().optional(),
  })
  .refine((label) => label.to >= label.from, { message: '`to` must not be before `from`', path: ['to'] });

/**
 * An origin credential whose traffic should raise nothing. The object form carries a note, e.g.
 * for slow-and-low attacks that stay under the default thresholds on purpose (benign by threshold).
 */
export const benignEntrySchema = z.union([
  z.string().min(1),
  z.object({ originCredential: z.string().min(1), note: z.string().optional() }),
]);

export const scenarioLabelsSchema = z.object({
  /** Provenance, for a reader: which scenario, seed and format produced the traffic file. */
  scenario: z.string().optional(),
  summary: z.string().optional(),
  format: z.string().optional(),
  seed: z.number().int().optional(),
  labels: z.array(scenarioLabelSchema).default([]),
  benign: z.array(benignEntrySchema).default([]),
});

export type ScenarioLabel = z.infer<typeof scenarioLabelSchema>;
export type BenignEntry = z.infer<typeof benignEntrySchema>;
export type ScenarioLabels = z.infer<typeof scenarioLabelsSchema>;

export type LabelsResult = { ok: true; labels: ScenarioLabels } | { ok: false; reason: string };

/** `traffic/x.ndjson` → `traffic/x.labels.json` (whatever the traffic file's extension). */
export function labelsPathFor(trafficPath: string): string {
  const slash = trafficPath.lastIndexOf('/');
  const dot = trafficPath.lastIndexOf('.');
  const stem = dot > slash + 1 ? trafficPath.slice(0, dot) : trafficPath;
  return `${stem}.labels.json`;
}

export function benignCredential(entry: BenignEntry): string {
  return typeof entry === 'string' ? entry : entry.originCredential;
}

export function readLabels(path: string): LabelsResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return {
      ok: false,
      reason: `labels file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `labels file ${path}: not valid JSON: ${(error as Error).message}` };
  }
  const parsed = scenarioLabelsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    return { ok: false, reason: `labels file ${path}: field ${field}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, labels: parsed.data };
}

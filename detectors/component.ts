import { z } from 'zod';
import { isObject } from '../common/json.js';
import type { JsonOut } from '../common/json-slices.js';
import { firstIssue } from '../common/zod.js';
import type { RootAnchors } from './root-actions.js';
import { PerCredentialSettings } from './settings.js';
import type { Detector, DetectorContext, SharedDetectorSettings } from './types.js';
import type { WindowLimit } from './window.js';

/** A detector as the registry holds it: its name, its config section with defaults, and how to build it. */
export interface DetectorComponent<Key extends string = string, Section extends object = object> {
  readonly kind: 'detector';
  /** The `detector` of its findings. */
  readonly name: string;
  /** Its section under `detectors:` and in each per-credential override. */
  readonly configKey: Key;
  /** The section with every default filled in. */
  readonly configSchema: z.ZodType<Section, Partial<Section> | undefined>;
  /** The same fields, all optional, for `detectors.overrides[]`. */
  readonly overrideSchema: z.ZodType<Partial<Section>>;
  /**
   * A fresh detector, or one restored from its `snapshot()`: a snapshot that does not match the
   * detector's snapshot schema is refused with an Error naming the field.
   */
  build(build: DetectorBuild): Detector;
}

/** What the engine hands every detector: the whole `detectors:` section, read only through the component's key. */
export type DetectorBuild = {
  sections: Readonly<Record<string, unknown>>;
  overrides: ReadonlyArray<{ match: string } & Readonly<Record<string, unknown>>>;
  shared: SharedDetectorSettings;
  rootAnchors: RootAnchors;
  windowLimit: WindowLimit;
  now: () => number;
  snapshot?: unknown;
};

/** A restorable detector: the snapshot it takes is what `snapshotSchema` reads back. */
export interface RestorableDetector<Snapshot> extends Detector {
  snapshot(): JsonOut<Snapshot>;
  restore(snapshot: Snapshot): void;
}

type ComponentSpec<Key extends string, Fields extends z.ZodRawShape, Snapshot> = {
  name: string;
  configKey: Key;
  /** The section's fields without defaults: the same object serves, all optional, as an override. */
  fields: z.ZodObject<Fields>;
  defaults: z.output<z.ZodObject<Fields>>;
  snapshotSchema: z.ZodType<Snapshot>;
  create(context: DetectorContext<z.output<z.ZodObject<Fields>>>): RestorableDetector<Snapshot>;
};

/**
 * Builds a registry entry from a detector's fields, defaults, snapshot schema and constructor. Nested
 * object fields (a baseline) are partial in overrides too, and merged one level deep.
 */
export function detectorComponent<Key extends string, Fields extends z.ZodRawShape, Snapshot>(
  spec: ComponentSpec<Key, Fields, Snapshot>,
): DetectorComponent<Key, z.output<z.ZodObject<Fields>>> {
  type Section = z.output<z.ZodObject<Fields>>;
  const overrideSchema = overrideOf(spec.fields) as z.ZodType<Partial<Section>>;
  const configSchema = overrideSchema
    .transform((given) => mergeSection(spec.defaults, given))
    .prefault({}) as unknown as z.ZodType<Section, Partial<Section> | undefined>;
  return {
    kind: 'detector',
    name: spec.name,
    configKey: spec.configKey,
    configSchema,
    overrideSchema,
    build({ sections, overrides, shared, rootAnchors, windowLimit, now, snapshot }) {
      // The top-level schema parsed this section with `configSchema`, so it has this shape.
      const section = sections[spec.configKey] as Section;
      const patches = overrides.flatMap(({ match, [spec.configKey]: patch }) =>
        patch === undefined ? [] : [{ match, patch: patch as Partial<Section> }],
      );
      const settings = new PerCredentialSettings(section, patches, mergeSection);
      const settingsFor = (id: string) => settings.for(id);
      const detector = spec.create({ config: section, shared, rootAnchors, windowLimit, now, settingsFor });
      if (snapshot !== undefined) detector.restore(readSnapshot(spec.name, spec.snapshotSchema, snapshot));
      return detector;
    },
  };
}

function overrideOf(fields: z.ZodObject<z.ZodRawShape>): z.ZodType {
  const shape = Object.fromEntries(
    Object.entries(fields.shape).map(([key, field]) => [
      key,
      field instanceof z.ZodObject ? field.partial().strict() : field,
    ]),
  );
  return z.object(shape).partial().strict();
}

/** `patch` over `base`; a nested object field is merged, not replaced. */
function mergeSection<Section extends object>(base: Section, patch: Partial<Section>): Section {
  const merged: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = merged[key];
    merged[key] = isObject(current) && isObject(value) ? { ...current, ...value } : value;
  }
  return merged as Section;
}

function readSnapshot<Snapshot>(name: string, schema: z.ZodType<Snapshot>, snapshot: unknown): Snapshot {
  const parsed = schema.safeParse(snapshot);
  if (parsed.success) return parsed.data;
  throw new Error(`${name} snapshot: ${firstIssue(parsed.error)}`);
}

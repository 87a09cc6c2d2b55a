import type { Finding } from '../schemas/finding.js';
import type { ResolvedHop } from '../schemas/resolved-hop.js';
import type { RootAnchors } from './root-actions.js';
import type { WindowLimit } from './window.js';

/**
 * What `advance` returns when no window closed, as it does on almost every watermark move: one shared
 * empty list instead of a new one per detector per hop.
 */
export const noFindings: readonly Finding[] = Object.freeze([]);

/** One detector: a pure event-time state machine. */
export interface Detector {
  /** The `detector` of its findings. */
  readonly name: string;
  observe(hop: ResolvedHop): void;
  /** Closes every window whose end the watermark has passed and returns their findings. */
  advance(watermark: number): readonly Finding[];
  /** JSON-serialisable state, enough to rebuild the detector (its component's snapshot schema reads it). */
  snapshot(): unknown;
  /** Entries held (open windows, tracked keys): what bounded state is measured by. */
  stateSize(): number;
  /** What it made of a hop it has just observed, read from its state without changing it (`hopwatch explain`). */
  explain(hop: ResolvedHop): DetectorNote;
}

/** One detector's account of one hop: the key and window it was counted under, and the counts there so far. */
export type DetectorNote = {
  counted: boolean;
  /** One sentence: what the hop was counted as, or why it was not. */
  note: string;
  key?: string;
  window?: { start: number; end: number };
  counts?: Record<string, unknown>;
};

/** Settings of the `detectors:` section every detector shares. */
export type SharedDetectorSettings = {
  /** Keys tracked per detector (baselines, learned destinations, root actions); least recently used evicted past it. */
  maxTrackedKeys: number;
  /** Sample hop ids and trace ids kept in a finding's evidence. */
  maxSamples: number;
};

/** What a detector is built with: only its own section, per-credential overrides applied, and the clock. */
export type DetectorContext<Section> = {
  /** The section as configured (what sizes state: windows, retention). */
  config: Section;
  /** The section for one credential id, with the matching overrides applied. */
  settingsFor(credentialId: string): Section;
  shared: SharedDetectorSettings;
  /** Where each root action started, one for every detector (see RootAnchors.require). */
  rootAnchors: RootAnchors;
  /** How many windows each of its window sets holds open, one for every detector (see KeyedWindows). */
  windowLimit: WindowLimit;
  /** Stamps `detectedAt`; injected so that tests and replays control it. */
  now: () => number;
};

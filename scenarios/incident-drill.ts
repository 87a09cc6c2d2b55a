import { busyAgent, minutes } from './attack-scenario.js';
import { lineageAttacks } from './attacks-lineage.js';
import { mutateUnderReadOnly, privilegeAttacks } from './attacks-privilege.js';
import { volumeAttacks } from './attacks-volume.js';
import { researchAgent } from './benign-research.js';
import { runBackground } from './schedule.js';
import type { Scenario, ScenarioContext } from './traffic.js';

/** About one probe in this many milliseconds: 40 minutes of it are ~190 findings of one credential. */
const probeEveryMs = 12_500;

/**
 * A research agent that keeps deleting documents under its read-only token, a new trace each time:
 * one `write_under_read_only` finding per probe, what buries an analyst without incidents.
 */
function persistentProber(ctx: ScenarioContext): void {
  const rng = ctx.rng.fork('prober');
  const agent = busyAgent(ctx, researchAgent, 70);
  const mark = ctx.traffic.mark;
  for (let start = ctx.start + rng.int(5_000, 20_000); start < ctx.end - 30_000; ) {
    mutateUnderReadOnly(ctx, rng, start, agent, false);
    start += rng.int(probeEveryMs / 2, (probeEveryMs * 3) / 2);
  }
  ctx.traffic.label(
    agent.credential.id,
    mark,
    [{ detector: 'scope_expansion', rule: 'write_under_read_only' }],
    'a read-only agent deleting documents every ~12 s, each time in a new trace',
  );
}

/**
 * What a pager sees on a busy day: the background crowd, every attack of the scenario set that does not
 * need a day of history (their attackers as in their own scenarios), and a persistent prober. Not in
 * `--scenario all` (the labelled set); `hopwatch generate --scenario incident-drill`.
 */
export const incidentDrill: Scenario = {
  name: 'incident-drill',
  summary: 'the background crowd, seven attacks at once and an agent probing every ~12 s for 40 minutes',
  defaultDurationMs: minutes(40),
  mixedFormat: 'canonical',
  build(ctx) {
    runBackground(ctx);
    const staged = [...lineageAttacks, ...privilegeAttacks, ...volumeAttacks].filter(
      (scenario) => scenario.defaultDurationMs <= minutes(10),
    );
    for (const scenario of staged) scenario.stageAttack(ctx, ctx.rng.fork(`attack:${scenario.name}`));
    persistentProber(ctx);
  },
};

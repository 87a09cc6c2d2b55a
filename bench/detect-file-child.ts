/**
 * A child process of the detect-file case: `detect FILE` runs `hopwatch detect FILE` (the CLI, as a
 * user starts it); `parse FILE` reads the file line by line and JSON.parse-s each line. Either way the
 * whole process's CPU time (start-up and module loading included) is written to `$BENCH_CPU_FILE`
 * as it exits.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [mode, file] = process.argv.slice(2);
const out = process.env.BENCH_CPU_FILE;
if (file === undefined || out === undefined || (mode !== 'detect' && mode !== 'parse')) {
  process.stderr.write('usage: BENCH_CPU_FILE=… detect-file-child.js detect|parse FILE\n');
  process.exit(2);
}
process.on('exit', () => {
  const { user, system } = process.cpuUsage();
  writeFileSync(out, JSON.stringify({ cpuSeconds: (user + system) / 1e6 }));
});

if (mode === 'detect') {
  process.argv = [process.argv[0]!, 'hopwatch', 'detect', file];
  // The bundle bin/hopwatch.js starts (cli/bundle.mjs), beside dist/bench.
  await import(new URL('../bundle/hopwatch.js', import.meta.url).href);
} else {
  let lines = 0;
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    JSON.parse(line);
    lines += 1;
  }
  process.stdout.write(`${lines}\n`);
}

// Before 20.19, and from 21 to 22.11, Node cannot require() an ES module (the console's static file
// server does, for content-disposition): hopwatch would fail to load with an error that names neither
// it nor the versions it needs. Imported first by bin/hopwatch.js; `.ci/run` runs it on its own.
const [major, minor] = process.versions.node.split('.').map(Number);
if (!((major === 20 && minor >= 19) || (major === 22 && minor >= 12) || major >= 23)) {
  process.stderr.write(`hopwatch: Node.js 20.19+ or 22.12+ is required; this is ${process.versions.node}\n`);
  process.exit(2);
}

// Writes the inputs of bench/validation/whole_process.sh from the R4 package folder:
//   node r4_examples.mjs PACKAGE_DIR FILES_DIR NDJSON_FILE COPIES
// The examples are the package's top-level JSON files that are not conformance resources (the
// Conformance and Terminology modules of R4's resource list) nor Bundles of them: 705 files in
// 4.0.1, the set the peer benchmark (shared/peer-bench) uses. FILES_DIR gets a copy of each;
// NDJSON_FILE gets them COPIES times over, one resource a line.
import fs from 'node:fs';
import path from 'node:path';

const [packageDir, filesDir, ndjsonFile, copiesText] = process.argv.slice(2);
const copies = Number(copiesText);
if (!packageDir || !filesDir || !ndjsonFile || !(copies >= 1)) {
  console.error('usage: r4_examples.mjs PACKAGE_DIR FILES_DIR NDJSON_FILE COPIES');
  process.exit(2);
}

const CONFORMANCE = new Set([
  'CapabilityStatement', 'StructureDefinition', 'ImplementationGuide', 'SearchParameter',
  'MessageDefinition', 'OperationDefinition', 'CompartmentDefinition', 'StructureMap',
  'GraphDefinition', 'ExampleScenario', 'CodeSystem', 'ValueSet', 'ConceptMap', 'NamingSystem',
  'TerminologyCapabilities',
]);

function isExample(resource) {
  if (CONFORMANCE.has(resource.resourceType)) return false;
  if (resource.resourceType !== 'Bundle') return true;
  const types = (resource.entry ?? []).map((e) => e.resource?.resourceType).filter(Boolean);
  return !(types.length > 0 && types.every((t) => CONFORMANCE.has(t)));
}

fs.mkdirSync(filesDir, { recursive: true });
const lines = [];
const names = fs.readdirSync(packageDir)
  .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
  .sort();
for (const name of names) {
  const text = fs.readFileSync(path.join(packageDir, name), 'utf8').replace(/^\uFEFF/, '');
  if (!isExample(JSON.parse(text))) continue;
  fs.writeFileSync(path.join(filesDir, name), text);
  // A line end cannot occur inside a JSON string, so removing each one with the indentation
  // after it joins the file into one line and changes no value (numbers keep their spelling,
  // which a parse and re-serialisation would not promise).
  lines.push(text.replace(/\r?\n[ \t]*/g, '').trim());
}
const block = lines.join('\n') + '\n';
fs.writeFileSync(ndjsonFile, block.repeat(copies));
console.log(`${lines.length} example files; ${lines.length * copies} resources, ` +
            `${Buffer.byteLength(block) * copies} bytes of NDJSON`);

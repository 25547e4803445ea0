// Medplum's validator (@medplum/core validateResource) as a command like `silta validate`, so
// that bench/validation/whole_process.sh times both as whole processes on the same inputs:
//   node --experimental-websocket validate.mjs DEFINITIONS_DIR INPUT...
// DEFINITIONS_DIR holds R4's Bundle-types.json and Bundle-resources.json (the hl7.fhir.r4.core
// 4.0.1 package folder has them). An INPUT is an NDJSON file (one resource a line), a JSON file
// or a folder of JSON files. Prints one line: resources, resources with errors, error count.
import fs from 'node:fs';
import path from 'node:path';

if (typeof globalThis.WebSocket === 'undefined') {
  console.error('@medplum/core 5.x needs a global WebSocket: run with node --experimental-websocket');
  process.exit(2);
}
const [definitions, ...inputs] = process.argv.slice(2);
if (!definitions || inputs.length === 0) {
  console.error('usage: validate.mjs DEFINITIONS_DIR INPUT...');
  process.exit(2);
}

const { indexStructureDefinitionBundle, validateResource } = await import('@medplum/core');
for (const name of ['Bundle-types.json', 'Bundle-resources.json']) {
  indexStructureDefinitionBundle(JSON.parse(fs.readFileSync(path.join(definitions, name), 'utf8')));
}

let resources = 0;
let failed = 0;
let errors = 0;
function check(text) {
  resources++;
  let issues;
  try {
    issues = validateResource(JSON.parse(text));
  } catch (err) {
    // Medplum throws an OperationOutcomeError when there is an error; malformed JSON counts too.
    issues = err?.outcome?.issue ?? [{ severity: 'error' }];
  }
  const n = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
  if (n > 0) failed++;
  errors += n;
}

function run(input) {
  if (fs.statSync(input).isDirectory()) {
    for (const name of fs.readdirSync(input).sort()) {
      if (name.endsWith('.json')) run(path.join(input, name));
    }
  } else if (input.endsWith('.ndjson')) {
    for (const line of fs.readFileSync(input, 'utf8').split('\n')) {
      if (line.trim() !== '') check(line);
    }
  } else {
    check(fs.readFileSync(input, 'utf8'));
  }
}
for (const input of inputs) run(input);
console.log(`medplum: ${resources} resources, ${failed} with errors, ${errors} errors`);

// Copies SUSHI's output into profiles/generated/: one JSON file per resource, two-space
// indentation, keys in SUSHI's order, trailing newline; plus a package.json made from
// fhir-package.json and sushi-config.yaml so the folder loads as a FHIR package (`silta packages install FOLDER`).
// Usage: node normalize.js SUSHI_RESOURCES_DIR SUSHI_CONFIG DEST_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');  // SUSHI's own dependency (NODE_PATH points at .cache/sushi)

const [resourcesDir, configPath, dest] = process.argv.slice(2);
const write = (file, value) =>
  fs.writeFileSync(path.join(dest, file), JSON.stringify(value, null, 2) + '\n');

const files = fs.readdirSync(resourcesDir).filter(f => f.endsWith('.json')).sort();
for (const file of files) {
  const resource = JSON.parse(fs.readFileSync(path.join(resourcesDir, file), 'utf8'));
  const expected = `${resource.resourceType}-${resource.id}.json`;
  if (file !== expected) {
    console.error(`${file}: expected the name ${expected}`);
    process.exit(1);
  }
  write(file, resource);
}

const config = YAML.parse(fs.readFileSync(configPath, 'utf8'));
const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, 'fhir-package.json'), 'utf8'));
write('package.json', Object.assign(manifest, {
  version: config.version,
  canonical: config.canonical,
  fhirVersions: [config.fhirVersion],
  dependencies: Object.assign({'hl7.fhir.r4.core': config.fhirVersion}, config.dependencies),
}));

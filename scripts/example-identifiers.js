#!/usr/bin/env node
// Checks that every example instance in the FSH sources comes out of SUSHI with the identifiers
// its FSH gives it. SUSHI can merge two identifiers into one without an error: `identifier[+]`
// after a named slice (`identifier[Terhikki]`) addresses the element the slice already occupies,
// so the later rules overwrite the slice's system and value (SUSHI 3 warns only for some
// profiles, and not at all for the Practitioner case). Reading the FSH, not a list copied from the
// output, is the point: the expectation comes from what an author wrote.
//
//   node scripts/example-identifiers.js [--fsh DIR] [--generated DIR]
//
// DIR defaults: profiles/input/fsh and profiles/generated. For each `Instance:` it collects the
// top-level `identifier[...]` rules (RuleSet inserts expanded, aliases resolved, soft indices
// [+] and [=] followed), groups them by element (slice name or index) and requires the generated
// resource <Type>-<id>.json to hold one identifier with every system and value the group states.
// Exit 0 when all are there, 1 with one line per missing identifier, 2 on usage or I/O problems.
//
// Only Node's standard library: it runs wherever the FHIR tooling (npm) does.
"use strict";
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..");
let fshDir = path.join(root, "profiles/input/fsh");
let generatedDir = path.join(root, "profiles/generated");
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i += 2) {
  if (args[i] === "--fsh" && i + 1 < args.length) fshDir = path.resolve(args[i + 1]);
  else if (args[i] === "--generated" && i + 1 < args.length) generatedDir = path.resolve(args[i + 1]);
  else {
    console.error("usage: example-identifiers.js [--fsh DIR] [--generated DIR]");
    process.exit(2);
  }
}

// One entry per FSH line that matters: {file, line, text}, comments stripped.
function readFsh(dir) {
  const lines = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".fsh")).sort()) {
    const file = path.join(dir, name);
    let text = fs.readFileSync(file, "utf8");
    // Block comments first, keeping line breaks so that line numbers stay right.
    text = text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
    text.split("\n").forEach((raw, i) => {
      lines.push({file: path.relative(root, file), line: i + 1, text: stripLineComment(raw)});
    });
  }
  return lines;
}

// `//` starts a comment outside a string and at the start of a token, as in SUSHI's lexer
// (the unquoted URL of an Alias, "https://...", is not one).
function stripLineComment(s) {
  let inString = false;
  for (let i = 0; i < s.length; ++i) {
    if (s[i] === '"' && s[i - 1] !== "\\") inString = !inString;
    const tokenStart = i === 0 || /\s/.test(s[i - 1]);
    if (!inString && tokenStart && s[i] === "/" && s[i + 1] === "/") return s.slice(0, i);
  }
  return s;
}

const ENTITY = /^(Alias|Profile|Extension|Instance|ValueSet|CodeSystem|Invariant|RuleSet|Mapping|Logical|Resource)\s*:\s*(.*)$/;

// Splits the lines into entities: {kind, name, header: {InstanceOf: ...}, rules: [{...}]}.
function entities(lines) {
  const out = [];
  let current = null;
  for (const l of lines) {
    const t = l.text.trim();
    if (t === "") continue;
    const m = ENTITY.exec(t);
    if (m) {
      current = {kind: m[1], name: m[2].trim(), header: {}, rules: [], at: l};
      out.push(current);
      continue;
    }
    if (!current) continue;
    if (t.startsWith("*")) {
      current.rules.push({...l, text: t.slice(1).trim()});
    } else {
      const h = /^([A-Za-z]+)\s*:\s*(.*)$/.exec(t);
      if (h) current.header[h[1]] = h[2].trim();
    }
  }
  return out;
}

function unquote(value) {
  const v = value.trim();
  if (v.startsWith('"')) {
    const end = v.indexOf('"', 1);
    return end > 0 ? v.slice(1, end) : v.slice(1);
  }
  return v.split(/\s+/)[0];
}

// RuleSet parameters are substituted textually, as SUSHI does.
function expandInserts(rules, ruleSets, depth = 0) {
  const out = [];
  for (const r of rules) {
    const m = /^insert\s+([A-Za-z0-9_.-]+)\s*(?:\((.*)\))?\s*$/.exec(r.text);
    if (!m) {
      out.push(r);
      continue;
    }
    const set = ruleSets.get(m[1]);
    if (!set || depth > 10) continue;  // a RuleSet of another file kind (e.g. Akusti): no identifiers
    const params = set.params;
    const values = m[2] === undefined ? [] : m[2].split(",").map((s) => s.trim());
    const bound = set.rules.map((sr) => {
      let text = sr.text;
      params.forEach((p, i) => (text = text.split(`{${p}}`).join(values[i] ?? "")));
      return {...sr, text, insertedAt: `${r.file}:${r.line}`};
    });
    out.push(...expandInserts(bound, ruleSets, depth + 1));
  }
  return out;
}

// The identifiers an instance's rules state: a Map from element key to {system, value, at}.
function statedIdentifiers(rules, aliases) {
  const stated = new Map();
  let softIndex = -1;
  let lastKey = null;
  for (const r of rules) {
    const m = /^identifier(?:\[([^\]]+)\])?\.(system|value)\s*=\s*(.+)$/.exec(r.text);
    const bracket = /^identifier(?:\[([^\]]+)\])?[.\s]/.exec(r.text);
    if (!bracket) continue;
    let key = bracket[1] ?? "0";
    if (key === "+") key = `#${++softIndex}`;
    else if (key === "=") key = lastKey ?? `#${Math.max(softIndex, 0)}`;
    else if (/^\d+$/.test(key)) {
      softIndex = Math.max(softIndex, Number(key));
      key = `#${key}`;
    }
    lastKey = key;
    if (!m) continue;
    let value = unquote(m[3]);
    if (value.startsWith("$") && aliases.has(value)) value = aliases.get(value);
    const entry = stated.get(key) ?? {at: r.insertedAt ?? `${r.file}:${r.line}`};
    entry[m[2]] = value;
    stated.set(key, entry);
  }
  return stated;
}

function main() {
  let lines;
  try {
    lines = readFsh(fshDir);
  } catch (e) {
    console.error(`cannot read ${fshDir}: ${e.message}`);
    process.exit(2);
  }
  const all = entities(lines);
  const aliases = new Map();
  for (const e of all.filter((e) => e.kind === "Alias")) {
    const m = /^(\S+)\s*=\s*(\S+)$/.exec(e.name);
    if (m) aliases.set(m[1], m[2]);
  }
  const ruleSets = new Map();
  for (const e of all.filter((e) => e.kind === "RuleSet")) {
    const m = /^([A-Za-z0-9_.-]+)\s*(?:\((.*)\))?$/.exec(e.name);
    if (m) {
      ruleSets.set(m[1], {
        params: m[2] === undefined ? [] : m[2].split(",").map((s) => s.trim()),
        rules: e.rules,
      });
    }
  }

  const problems = [];
  let instances = 0;
  let identifiers = 0;
  for (const inst of all.filter((e) => e.kind === "Instance")) {
    const stated = statedIdentifiers(expandInserts(inst.rules, ruleSets), aliases);
    if (stated.size === 0) continue;
    ++instances;
    // SUSHI names the file after the resource type, which the generated folder tells apart.
    const file = fs.readdirSync(generatedDir).find((n) => n.endsWith(`-${inst.name}.json`));
    if (!file) {
      problems.push(`${inst.at.file}:${inst.at.line}: ${inst.name}: no generated resource in ${generatedDir}`);
      continue;
    }
    let resource;
    try {
      resource = JSON.parse(fs.readFileSync(path.join(generatedDir, file), "utf8"));
    } catch (e) {
      problems.push(`${file}: ${e.message}`);
      continue;
    }
    const present = Array.isArray(resource.identifier) ? resource.identifier : [];
    for (const [key, want] of stated) {
      ++identifiers;
      const found = present.some(
          (id) => (want.system === undefined || id.system === want.system) &&
                  (want.value === undefined || id.value === want.value));
      if (!found) {
        const what = [want.system && `system ${want.system}`, want.value && `value ${want.value}`]
                         .filter(Boolean)
                         .join(", ");
        problems.push(`${want.at}: ${inst.name}: identifier[${key.replace(/^#/, "")}] (${what}) ` +
                      `is missing from ${path.relative(root, path.join(generatedDir, file))}`);
      }
    }
  }
  for (const p of problems) console.error(p);
  if (problems.length > 0) {
    console.error(`${problems.length} identifier(s) named in the FSH are missing from the ` +
                  "generated examples (an FSH trap such as identifier[+] after a named slice?)");
    process.exit(1);
  }
  console.log(`${identifiers} identifiers of ${instances} example instances are in ${
      path.relative(root, generatedDir) || generatedDir}`);
}

main();

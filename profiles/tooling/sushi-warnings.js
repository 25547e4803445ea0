// Fails on SUSHI warnings that sushi-warnings-allowed.json does not explain. SUSHI exits 0 on
// warnings, and some of them mean lost data: `identifier[+]` on a sliced Patient.identifier made
// SUSHI warn "accessed via numeric index" while it merged two identifiers into one.
// Usage: node sushi-warnings.js SUSHI_LOG ALLOW_LIST
// Exit 0 when every warning is allowed, 1 (listing each other warning with its file and line)
// when one is not or an allow-list entry has no reason, 2 on unreadable input.
'use strict';
const fs = require('fs');

const [logPath, allowPath] = process.argv.slice(2);
if (!logPath || !allowPath) {
  console.error('usage: node sushi-warnings.js SUSHI_LOG ALLOW_LIST');
  process.exit(2);
}
let log;
let allowList;
try {
  log = fs.readFileSync(logPath, 'utf8');
  allowList = JSON.parse(fs.readFileSync(allowPath, 'utf8'));
} catch (e) {
  console.error(e.message);
  process.exit(2);
}

let bad = false;
const entries = (allowList.allowed || []).map((entry, i) => {
  if (typeof entry.reason !== 'string' || entry.reason.trim() === '') {
    console.error(`${allowPath}: allowed[${i}] has no reason`);
    bad = true;
  }
  let regex = null;
  try {
    regex = new RegExp(entry.match);
  } catch (e) {
    console.error(`${allowPath}: allowed[${i}].match: ${e.message}`);
    bad = true;
  }
  return {regex, used: 0};
});

// A warning is its `warn` line plus the indented lines after it (File:, Line:, continuations).
const warnings = [];
for (const line of log.split('\n')) {
  const start = /^warn\s+(.*)$/.exec(line);
  if (start) {
    warnings.push({message: start[1].trim(), detail: []});
  } else if (warnings.length > 0 && /^\s+\S/.test(line) && !/^(info|error|debug)\b/.test(line)) {
    const last = warnings[warnings.length - 1];
    if (last.open !== false) last.detail.push(line.trim());
  } else if (warnings.length > 0) {
    warnings[warnings.length - 1].open = false;
  }
}

for (const w of warnings) {
  const entry = entries.find((e) => e.regex && e.regex.test(w.message));
  if (entry) {
    ++entry.used;
    continue;
  }
  bad = true;
  console.error(`SUSHI warning not in ${allowPath}: ${w.message}` +
                (w.detail.length ? `\n    ${w.detail.join('\n    ')}` : ''));
}
if (bad) process.exit(1);
console.error(`SUSHI: ${warnings.length} warning(s), all in the allow-list`);

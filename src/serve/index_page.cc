// The page at "/": a person drops a resource and sees the validation report. Self-contained
// (no external scripts or styles) so it works offline and under a strict CSP.
#include "serve/router.h"

namespace silta::serve {

std::string_view IndexPage() {
  return R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Silta validator</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #222; }
#drop { border: 2px dashed #888; border-radius: 8px; padding: 3em; text-align: center; }
#drop.over { background: #eef5ff; border-color: #36c; }
label { display: block; margin: .6em 0; }
input[type=text], input[type=password] { width: 30em; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { border: 1px solid #ccc; padding: .3em .5em; text-align: left; vertical-align: top; }
.fatal, .error { background: #fde8e8; } .warning { background: #fff6dd; }
.information { background: #eef8ee; }
#summary { font-weight: bold; margin-top: 1em; }
#full { width: 100%; height: 40em; border: 1px solid #ccc; margin-top: 1em; }
</style>
</head>
<body>
<h1>Silta validator</h1>
<p>Drop a FHIR R4 resource (JSON or XML) to validate it. Nothing is stored.</p>
<label>Bearer token (scope <code>validate</code>) <input id="token" type="password" autocomplete="off"></label>
<label>Profile (optional canonical URL) <input id="profile" type="text"></label>
<div id="drop">Drop a file here, or <input id="file" type="file" accept=".json,.xml"></div>
<div id="summary"></div>
<table id="report" hidden>
<thead><tr><th>Severity</th><th>Type</th><th>Location</th><th>Message</th></tr></thead>
<tbody></tbody>
</table>
<h2 id="full-title" hidden>Full report</h2>
<!-- The same HTML report as `silta validate --html`; sandboxed: its script may sort and filter
     but cannot reach this page or the service. -->
<iframe id="full" title="Full validation report" sandbox="allow-scripts" hidden></iframe>
<script>
"use strict";
const drop = document.getElementById("drop");
const summary = document.getElementById("summary");
const table = document.getElementById("report");
function cell(row, text) { const td = row.insertCell(); td.textContent = text || ""; }
function render(outcome, name) {
  const body = table.tBodies[0];
  body.replaceChildren();
  const counts = {};
  for (const issue of (outcome.issue || [])) {
    counts[issue.severity] = (counts[issue.severity] || 0) + 1;
    const row = body.insertRow();
    row.className = issue.severity;
    cell(row, issue.severity);
    cell(row, issue.code);
    cell(row, (issue.expression || []).join(", ") + (issue.location ? " (" + issue.location.join(", ") + ")" : ""));
    cell(row, issue.diagnostics || (issue.details && issue.details.text));
  }
  table.hidden = false;
  const parts = Object.entries(counts).map(([s, n]) => n + " " + s);
  summary.textContent = name + ": " + (parts.join(", ") || "no issues");
}
async function validate(file) {
  const text = await file.text();
  const xml = file.name.endsWith(".xml") || text.trimStart().startsWith("<");
  let url = "$validate";
  const profile = document.getElementById("profile").value.trim();
  if (profile) url += "?profile=" + encodeURIComponent(profile);
  summary.textContent = "Validating " + file.name + "...";
  try {
    // The same request twice: the OperationOutcome for the table, the HTML report for the frame.
    const post = accept => fetch(url, {
      method: "POST",
      headers: {
        "Content-Type": xml ? "application/fhir+xml" : "application/fhir+json",
        "Accept": accept,
        "Authorization": "Bearer " + document.getElementById("token").value
      },
      body: text
    });
    const response = await post("application/fhir+json");
    const outcome = await response.json();
    render(outcome, file.name + " (HTTP " + response.status + ")");
    const report = await post("text/html");
    if ((report.headers.get("Content-Type") || "").startsWith("text/html")) {
      const frame = document.getElementById("full");
      frame.srcdoc = await report.text();
      frame.hidden = false;
      document.getElementById("full-title").hidden = false;
    }
  } catch (e) {
    summary.textContent = "Request failed: " + e;
  }
}
drop.addEventListener("dragover", e => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", e => {
  e.preventDefault();
  drop.classList.remove("over");
  if (e.dataTransfer.files.length) validate(e.dataTransfer.files[0]);
});
document.getElementById("file").addEventListener("change", e => {
  if (e.target.files.length) validate(e.target.files[0]);
});
</script>
</body>
</html>
)html";
}

}  // namespace silta::serve

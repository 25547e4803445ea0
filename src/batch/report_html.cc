// The HTML report: one self-contained page (inline CSS and a little inline JavaScript for
// sorting and filtering, no external assets), so it can be mailed or archived as one file.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "batch/report.h"

namespace silta::batch {

namespace {

constexpr std::string_view kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
.cards{display:flex;gap:.8em;flex-wrap:wrap}
.card{border:1px solid #ccc;border-radius:6px;padding:.5em 1em;min-width:7em}
.card b{display:block;font-size:1.5em}
.fatal b,.error b{color:#b00020}.warning b{color:#a15c00}.information b{color:#1a5fb4}
table{border-collapse:collapse;margin-top:.5em;width:100%}
th,td{border-bottom:1px solid #e3e3e3;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f4;cursor:pointer;user-select:none;white-space:nowrap}
td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.fatal td.sev,tr.error td.sev{color:#b00020;font-weight:600}
tr.warning td.sev{color:#a15c00}tr.information td.sev{color:#1a5fb4}
code{font-size:.92em}
.controls{margin:.6em 0;display:flex;gap:1em;flex-wrap:wrap;align-items:center}
.ok{color:#26734d;font-weight:600}.bad{color:#b00020;font-weight:600}
.note{color:#666}
)";

// Click a header to sort (numbers as numbers); the issue filter hides rows by severity and
// text.
constexpr std::string_view kScript = R"(
document.querySelectorAll('table.sortable th').forEach(function(th,col){
 th.addEventListener('click',function(){
  var tb=th.closest('table').tBodies[0],rows=Array.from(tb.rows);
  var asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';
  rows.sort(function(a,b){
   var x=a.cells[col].dataset.v||a.cells[col].textContent,y=b.cells[col].dataset.v||b.cells[col].textContent;
   var nx=parseFloat(x),ny=parseFloat(y);
   var c=(!isNaN(nx)&&!isNaN(ny))?nx-ny:x.localeCompare(y);
   return asc?c:-c;});
  rows.forEach(function(r){tb.appendChild(r);});});});
function filterIssues(){
 var q=document.getElementById('q').value.toLowerCase();
 var on={};document.querySelectorAll('.sevbox').forEach(function(b){on[b.value]=b.checked;});
 var shown=0;
 document.querySelectorAll('#issues tbody tr').forEach(function(r){
  var v=on[r.dataset.sev]&&(!q||r.textContent.toLowerCase().indexOf(q)>=0);
  r.style.display=v?'':'none';if(v)shown++;});
 document.getElementById('shown').textContent=shown;}
document.querySelectorAll('.sevbox').forEach(function(b){b.addEventListener('change',filterIssues);});
document.getElementById('q').addEventListener('input',filterIssues);
)";

constexpr Severity kSeverities[] = {Severity::kFatal, Severity::kError, Severity::kWarning,
                                    Severity::kInformation};

uint64_t Count(const SeverityCounts& c, Severity s) { return c[static_cast<size_t>(s)]; }
uint64_t Errors(const SeverityCounts& c) {
  return Count(c, Severity::kFatal) + Count(c, Severity::kError);
}

std::string Cell(uint64_t n) { return "<td class=n>" + std::to_string(n) + "</td>"; }

// "Patient.name[0].given[1]" → "Patient.name.given": where in the resource model, whichever
// repetition.
std::string ElementPath(std::string_view expression) {
  std::string out;
  bool in_index = false;
  for (char c : expression) {
    if (c == '[') in_index = true;
    if (!in_index) out += c;
    if (c == ']') in_index = false;
  }
  return out;
}

// What an issue is grouped under "by profile": the profile's canonical URL, or the resource
// type's own definition for checks no profile adds (e.g. "Patient (base definition)").
std::string ProfileKey(const Issue& issue) {
  if (!issue.profile.empty()) return issue.profile;
  std::string_view expression = issue.expression;
  std::string_view type = expression.substr(0, expression.find_first_of(".["));
  if (type.empty()) return "(no resource)";
  return std::string(type) + " (base definition)";
}

// The last segment of a canonical URL: enough to tell the profiles of one report apart.
std::string_view ShortProfileName(std::string_view canonical) {
  size_t slash = canonical.rfind('/');
  return slash == std::string_view::npos ? canonical : canonical.substr(slash + 1);
}

struct Group {
  uint64_t count = 0;
  Severity worst = Severity::kInformation;
  std::set<std::string_view> files;
  std::string example;
};

void AddToGroup(Group& group, const Issue& issue, const std::string& file) {
  ++group.count;
  group.worst = std::max(group.worst, issue.severity);
  group.files.insert(file);
  if (group.example.empty()) group.example = issue.message;
}

void RenderGroupTable(std::string& out, const std::map<std::string, Group>& groups,
                      std::string_view key_header, std::string_view id) {
  std::vector<std::pair<const std::string*, const Group*>> rows;
  for (const auto& [key, group] : groups) rows.emplace_back(&key, &group);
  // Most frequent first: where the data needs most work.
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second->count > b.second->count; });
  out += "<table class=sortable id=";
  out += id;
  out += "><thead><tr><th>";
  out += key_header;
  out += "</th><th>Worst severity</th><th>Issues</th><th>Files</th><th>Example message</th>";
  out += "</tr></thead><tbody>\n";
  for (const auto& [key, group] : rows) {
    std::string sev(SeverityCode(group->worst));
    out +=
        "<tr class=" + sev + "><td><code>" + HtmlEscape(key->empty() ? "(none)" : *key) +
        "</code></td><td class=sev data-v=" + std::to_string(3 - static_cast<int>(group->worst)) +
        ">" + sev + "</td>" + Cell(group->count) + Cell(group->files.size()) + "<td>" +
        HtmlEscape(group->example) + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
}

}  // namespace

std::string RenderHtmlReport(const BatchReport& report, const HtmlOptions& options) {
  const ReportInfo& info = report.info();
  SeverityCounts totals = report.Totals();
  std::string out;
  out.reserve(64 * 1024);
  out += "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8>\n";
  out += "<meta name=viewport content=\"width=device-width,initial-scale=1\">\n";
  out += "<title>" + HtmlEscape(options.title) + "</title>\n<style>";
  out += kStyle;
  out += "</style></head><body>\n<h1>" + HtmlEscape(options.title) + "</h1>\n";

  out += "<p>";
  out += report.has_errors() ? "<span class=bad>Errors found.</span> "
                             : "<span class=ok>No errors.</span> ";
  if (!info.profiles.empty()) {
    out += "Profiles: ";
    for (size_t i = 0; i < info.profiles.size(); ++i) {
      out += (i > 0 ? ", " : "") + std::string("<code>") + HtmlEscape(info.profiles[i]) + "</code>";
    }
    out += ". ";
  }
  if (info.seconds > 0) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "Checked in %.1f s on %u threads. ", info.seconds, info.threads);
    out += buf;
  }
  if (!info.tool_version.empty()) out += "Silta " + HtmlEscape(info.tool_version) + ".";
  out += "</p>\n";

  out += "<div class=cards>";
  out += "<div class=card id=total-files><b>" + std::to_string(report.inputs().size()) +
         "</b>files</div>";
  out += "<div class=card id=total-resources><b>" + std::to_string(report.resources()) +
         "</b>resources</div>";
  for (Severity s : kSeverities) {
    std::string code(SeverityCode(s));
    out += "<div class=\"card " + code + "\" id=total-" + code + "><b>" +
           std::to_string(Count(totals, s)) + "</b>" + code + "</div>";
  }
  out += "</div>\n";

  out +=
      "<h2>Files</h2>\n<table class=sortable id=files><thead><tr><th>File</th><th>Format</th>"
      "<th>Resources</th><th>Errors</th><th>Warnings</th><th>Information</th><th>Result</th>"
      "</tr></thead><tbody>\n";
  for (const InputSummary& input : report.inputs()) {
    out += "<tr><td><code>" + HtmlEscape(input.name) + "</code></td><td>" +
           std::string(InputFormatName(input.format)) + "</td>" + Cell(input.resources) +
           Cell(Errors(input.counts)) + Cell(Count(input.counts, Severity::kWarning)) +
           Cell(Count(input.counts, Severity::kInformation)) + "<td>" +
           (input.io_error       ? "<span class=bad>unreadable</span>"
            : input.has_errors() ? "<span class=bad>errors</span>"
                                 : "<span class=ok>ok</span>") +
           "</td></tr>\n";
  }
  out += "</tbody></table>\n";

  std::map<std::string, Group> by_profile;
  std::map<std::string, Group> by_rule;
  std::map<std::string, Group> by_location;
  for (const InputSummary& input : report.inputs()) {
    for (const Issue& issue : input.issues) {
      AddToGroup(by_profile[ProfileKey(issue)], issue, input.name);
      AddToGroup(by_rule[issue.message_id], issue, input.name);
      AddToGroup(by_location[ElementPath(issue.expression)], issue, input.name);
    }
  }
  if (!by_rule.empty()) {
    out += "<h2>Issues by profile</h2>\n";
    RenderGroupTable(out, by_profile, "Profile", "by-profile");
    out += "<h2>Issues by rule</h2>\n";
    RenderGroupTable(out, by_rule, "Rule (message id)", "by-rule");
    out += "<h2>Issues by location</h2>\n";
    RenderGroupTable(out, by_location, "Element", "by-location");
  }

  size_t listed = 0;
  uint64_t all_listed = 0;
  for (const InputSummary& input : report.inputs()) all_listed += input.issues.size();
  out += "<h2>Issues</h2>\n<div class=controls>";
  for (Severity s : kSeverities) {
    std::string code(SeverityCode(s));
    out +=
        "<label><input type=checkbox class=sevbox value=" + code + " checked> " + code + "</label>";
  }
  out +=
      "<label>Filter <input id=q type=search placeholder=\"file, rule, message, path\">"
      "</label><span><span id=shown>" +
      std::to_string(std::min<uint64_t>(all_listed, options.max_issue_rows)) +
      "</span> shown</span></div>\n";
  out +=
      "<table class=sortable id=issues><thead><tr><th>File</th><th>Line</th><th>Col</th>"
      "<th>Severity</th><th>Profile</th><th>Rule</th><th>Message</th><th>Expression</th></tr>"
      "</thead><tbody>\n";
  for (const InputSummary& input : report.inputs()) {
    for (const Issue& issue : input.issues) {
      if (listed >= options.max_issue_rows) break;
      ++listed;
      std::string sev(SeverityCode(issue.severity));
      out += "<tr class=" + sev + " data-sev=" + sev + "><td><code>" + HtmlEscape(input.name) +
             "</code></td>" + Cell(issue.location.line) + Cell(issue.location.column) +
             "<td class=sev data-v=" + std::to_string(3 - static_cast<int>(issue.severity)) + ">" +
             sev + "</td><td title=\"" + HtmlEscape(issue.profile) + "\">" +
             HtmlEscape(ShortProfileName(issue.profile)) + "</td><td><code>" +
             HtmlEscape(issue.message_id) + "</code></td><td>" + HtmlEscape(issue.message) +
             "</td><td><code>" + HtmlEscape(issue.expression) + "</code></td></tr>\n";
    }
  }
  out += "</tbody></table>\n";
  uint64_t not_listed = 0;
  for (const InputSummary& input : report.inputs()) {
    not_listed += input.issues_omitted;
  }
  not_listed += all_listed - listed;
  if (not_listed > 0) {
    out += "<p class=note>" + std::to_string(not_listed) +
           " further issues are counted above but not listed here; the OperationOutcome and text "
           "reports list up to the per-file limit.</p>\n";
  }
  out += "<script>";
  out += kScript;
  out += "</script>\n</body></html>\n";
  return out;
}

}  // namespace silta::batch

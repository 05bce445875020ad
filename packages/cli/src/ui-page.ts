/**
 * The web UI's one page: inline CSS and JS, no build step, no external resources. Routes by
 * the URL hash: `#/` the runs list, `#/run/<id>` one run (live while it is in progress).
 */
export const UI_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>runnable</title>
<style>
:root { font: 14px/1.45 system-ui, sans-serif; color: #1d2330; }
body { margin: 0; }
header { background: #1d2330; color: #fff; padding: 8px 16px; display: flex; gap: 16px; align-items: center; }
header a { color: #fff; text-decoration: none; font-weight: 600; }
main { padding: 12px 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e5e7ee; vertical-align: top; }
th { font-weight: 600; color: #556; }
.status { font-size: 12px; padding: 1px 6px; border-radius: 8px; color: #fff; background: #9aa0ac; }
.status.SUCCESS { background: #2e9d5b; } .status.FAIL { background: #d23c3c; } .status.PROCESSING { background: #3b7ddd; } .status.SUSPENDED { background: #d99a1e; }
ul.tree { list-style: none; padding-left: 18px; margin: 2px 0; }
ul.tree.root { padding-left: 0; }
.step > .line { display: flex; gap: 8px; align-items: baseline; }
.type { color: #889; font-size: 12px; }
.message { color: #a33; }
.attempts { font-size: 12px; color: #445; margin: 2px 0 4px 0; width: auto; }
.attempts td { padding: 1px 6px; }
.branch > .line { font-style: italic; color: #556; }
.muted { color: #889; }
section { margin: 12px 0; }
iframe { width: 100%; height: 520px; border: 1px solid #dde; }
pre { background: #f6f7fb; padding: 8px; overflow: auto; max-height: 300px; }
</style></head>
<body>
<header><a href="#/">runnable</a><span id="where" class="muted"></span><span id="live"></span></header>
<main id="main"></main>
<script>
(function () {
  "use strict";
  var main = document.getElementById("main"), live = document.getElementById("live"), where = document.getElementById("where");
  var source = null, listTimer = null;
  function esc(t) { return String(t == null ? "" : t).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  function fmt(ms) { return ms < 1000 ? ms.toFixed(0) + " ms" : ms < 60000 ? (ms / 1000).toFixed(2) + " s" : (ms / 60000).toFixed(1) + " min"; }
  function badge(s) { return '<span class="status ' + esc(s) + '">' + esc(s) + "</span>"; }
  function value(p) { return esc(JSON.stringify(p.value)) + (p.kind && p.kind !== "json" ? ' <span class="muted">(' + esc(p.kind) + ")</span>" : ""); }
  function stop() {
    if (source) { source.close(); source = null; }
    if (listTimer) { clearInterval(listTimer); listTimer = null; }
    live.textContent = "";
  }
  function route() {
    stop();
    var m = /^#\\/run\\/(.+)$/.exec(location.hash);
    if (m) showRun(decodeURIComponent(m[1])); else showList();
  }
  window.addEventListener("hashchange", route);

  function showList() {
    where.textContent = "runs";
    var filter = sessionStorage.getItem("status") || "";
    main.innerHTML = '<label>status <select id="filter"><option value="">all</option><option>SUCCESS</option><option>FAIL</option><option>PROCESSING</option><option>SUSPENDED</option></select></label>' +
      '<table id="runs"><thead><tr><th>run</th><th>status</th><th>start</th><th>duration</th><th>tag</th></tr></thead><tbody></tbody></table>';
    var select = document.getElementById("filter");
    select.value = filter;
    select.addEventListener("change", function () { sessionStorage.setItem("status", select.value); load(); });
    function load() {
      fetch("/api/runs" + (select.value ? "?status=" + encodeURIComponent(select.value) : "")).then(function (r) { return r.json(); }).then(function (runs) {
        var body = document.querySelector("#runs tbody");
        if (!body) return;
        body.innerHTML = runs.length ? runs.map(function (r) {
          return '<tr class="run" data-run="' + esc(r.run_id) + '"><td><a href="#/run/' + encodeURIComponent(r.run_id) + '">' + esc(r.run_id) + "</a></td><td>" + badge(r.status) +
            "</td><td>" + esc(r.start ? new Date(r.start).toLocaleString() : "") + "</td><td>" + (r.start ? fmt(r.duration_ms) : "") + "</td><td>" + esc(r.tag) + "</td></tr>";
        }).join("") : '<tr><td colspan="5" class="muted">no runs</td></tr>';
      });
    }
    load();
    listTimer = setInterval(load, 2000);
  }

  function attemptsTable(runId, step) {
    if (!step.attempts.length) return "";
    return '<table class="attempts"><tbody>' + step.attempts.map(function (a) {
      var ms = Date.parse(a.end_time) - Date.parse(a.start_time);
      var metrics = Object.keys(a.user_defined_metrics || {}).map(function (k) { return esc(k) + "=" + esc(JSON.stringify(a.user_defined_metrics[k])); }).join(", ");
      var outputs = Object.keys(a.output_parameters || {}).map(function (k) { return esc(k) + "=" + value(a.output_parameters[k]); }).join(", ");
      return '<tr class="attempt" data-attempt="' + a.attempt_number + '"><td>attempt ' + a.attempt_number + "</td><td>" + badge(a.status) + "</td><td>" + fmt(ms) + "</td><td>" +
        (outputs ? "returns " + outputs : "") + (metrics ? " metrics " + metrics : "") + (a.message ? ' <span class="message">' + esc(a.message) + "</span>" : "") +
        '</td><td><a href="#" class="log" data-step="' + esc(step.internal_name) + '" data-n="' + a.attempt_number + '">execution log</a></td></tr>';
    }).join("") + "</tbody></table>";
  }
  function stepsHtml(runId, steps, root) {
    var list = Object.keys(steps).map(function (k) { return steps[k]; });
    return '<ul class="tree' + (root ? " root" : "") + '">' + list.map(function (s) {
      var branches = Object.keys(s.branches || {}).map(function (k) { return s.branches[k]; });
      return '<li class="step" data-name="' + esc(s.internal_name) + '" data-status="' + esc(s.status) + '"><div class="line">' + badge(s.status) + "<b>" + esc(s.name) + '</b><span class="type">' + esc(s.step_type) + "</span>" +
        (s.message ? '<span class="message">' + esc(s.message) + "</span>" : "") + "</div>" + attemptsTable(runId, s) +
        (branches.length ? '<ul class="tree">' + branches.map(function (b) {
          return '<li class="branch" data-name="' + esc(b.internal_name) + '"><div class="line">' + badge(b.status) + " " + esc(b.internal_name.slice(b.internal_name.lastIndexOf(".") + 1)) + "</div>" + stepsHtml(runId, b.steps, false) + "</li>";
        }).join("") + "</ul>" : "") + "</li>";
    }).join("") + "</ul>";
  }
  function renderRun(log) {
    var params = Object.keys(log.parameters).map(function (k) { return "<tr><td>" + esc(k) + "</td><td>" + value(log.parameters[k]) + "</td></tr>"; }).join("");
    document.getElementById("run-head").innerHTML = "<h2>run " + esc(log.run_id) + " " + badge(log.status) + "</h2>" + (log.tag ? '<div class="muted">tag ' + esc(log.tag) + "</div>" : "") +
      '<div class="muted">' + esc(log.run_config.pipeline_definition_file || "") + "</div>";
    document.getElementById("params").innerHTML = params ? "<table><thead><tr><th>parameter</th><th>value</th></tr></thead><tbody>" + params + "</tbody></table>" : '<span class="muted">none</span>';
    document.getElementById("steps").innerHTML = stepsHtml(log.run_id, log.steps, true);
  }
  function showRun(runId) {
    where.textContent = "run " + runId;
    main.innerHTML = '<div id="run-head"></div><section><h3>parameters</h3><div id="params"></div></section><section><h3>steps</h3><div id="steps"></div></section>' +
      '<section id="log-box" hidden><h3 id="log-title"></h3><pre id="log"></pre></section>' +
      '<section><h3>timeline <button type="button" id="reload-timeline">refresh</button></h3><iframe id="timeline" title="timeline" src="/runs/' + encodeURIComponent(runId) + '/timeline"></iframe></section>';
    document.getElementById("reload-timeline").addEventListener("click", function () { document.getElementById("timeline").src = "/runs/" + encodeURIComponent(runId) + "/timeline"; });
    main.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a.log");
      if (!a) return;
      e.preventDefault();
      var step = a.getAttribute("data-step"), n = a.getAttribute("data-n");
      fetch("/api/runs/" + encodeURIComponent(runId) + "/log?step=" + encodeURIComponent(step) + "&attempt=" + n).then(function (r) { return r.text(); }).then(function (text) {
        document.getElementById("log-box").hidden = false;
        document.getElementById("log-title").textContent = "execution log: " + step + " attempt " + n;
        document.getElementById("log").textContent = text;
      });
    });
    source = new EventSource("/api/runs/" + encodeURIComponent(runId) + "/stream");
    live.textContent = "live";
    source.addEventListener("runlog", function (e) { renderRun(JSON.parse(e.data)); });
    source.addEventListener("done", function () { live.textContent = ""; if (source) source.close(); source = null; });
    source.onerror = function () { live.textContent = ""; };
  }
  route();
})();
</script>
</body></html>
`;

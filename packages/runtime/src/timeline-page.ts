/** CSS of the timeline page (inline; no external resources). */
export const TIMELINE_STYLE = `
:root { --row: 22px; --label: 34%; font: 13px/1.4 system-ui, sans-serif; color: #1d2330; }
body { margin: 0; display: flex; flex-direction: column; height: 100vh; }
header { padding: 8px 12px; border-bottom: 1px solid #dde; }
h1 { font-size: 16px; margin: 0 0 4px; }
#summary { color: #556; }
.tools { margin-top: 4px; }
button { font: inherit; cursor: pointer; }
.badge { font-size: 12px; padding: 1px 6px; border-radius: 8px; color: #fff; vertical-align: middle; }
#axis { margin-left: var(--label); border-bottom: 1px solid #dde; }
#axis text { font-size: 10px; fill: #667; }
#axis line { stroke: #ccd; }
#viewport { flex: 1; overflow: auto; position: relative; }
#spacer { position: relative; }
.row { position: absolute; left: 0; right: 0; height: var(--row); display: flex; align-items: center; border-bottom: 1px solid #f1f1f5; }
.row:hover { background: #f6f7fb; }
.label { width: var(--label); flex: none; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; box-sizing: border-box; }
.label .toggle { width: 16px; border: 0; background: none; padding: 0; color: #556; }
.label .leaf { display: inline-block; width: 16px; }
.row.branch .name { color: #556; font-style: italic; }
.type { color: #889; font-size: 11px; margin-left: 4px; }
.lane { position: relative; flex: 1; height: 100%; }
.bar { position: absolute; top: 4px; height: 14px; min-width: 2px; border-radius: 3px; }
.bar.span { top: 8px; height: 6px; opacity: .55; }
.s-SUCCESS { background: #2e9d5b; } .s-FAIL { background: #d23c3c; } .s-PROCESSING { background: #3b7ddd; } .s-SUSPENDED { background: #d99a1e; }
.s-CREATED { background: #9aa0ac; } .s-SUSPENDED { background: #d99a1e; }
#tip { position: fixed; z-index: 2; max-width: 420px; background: #1d2330; color: #fff; padding: 6px 8px; border-radius: 4px; pointer-events: none; white-space: pre-wrap; font-size: 12px; }
`;

/**
 * Script of the timeline page: reads the packed rows from `#timeline-data`, keeps the list of
 * visible rows (folding), and draws only the rows in view (virtualised) on scroll.
 */
export const TIMELINE_SCRIPT = `
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var ROW = 22, nodes = [];
  // Flatten: [kind, name, type, status, message, start, end, attempts, children]
  function add(packed, depth) {
    var node = { kind: packed[0] === 0 ? "step" : "branch", name: packed[1], type: packed[2], status: packed[3], message: packed[4],
      start: packed[5], end: packed[6], attempts: packed[7], depth: depth, open: true, children: [] };
    nodes.push(node);
    for (var i = 0; i < packed[8].length; i++) node.children.push(add(packed[8][i], depth + 1));
    return node;
  }
  var roots = data.rows.map(function (r) { return add(r, 0); });
  var total = Math.max(1, data.duration);
  var visible = [];
  function refresh() {
    visible = [];
    var stack = roots.slice().reverse();
    while (stack.length) {
      var n = stack.pop();
      visible.push(n);
      if (n.open) for (var i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
    spacer.style.height = visible.length * ROW + "px";
    draw(true);
  }
  function fmt(ms) { return ms < 1000 ? ms.toFixed(0) + " ms" : ms < 60000 ? (ms / 1000).toFixed(2) + " s" : (ms / 60000).toFixed(1) + " min"; }
  function pct(ms) { return (100 * ms / total) + "%"; }
  function esc(t) { return String(t).replace(/[&<>"]/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]; }); }
  var viewport = document.getElementById("viewport"), spacer = document.getElementById("spacer"), rowsEl = document.getElementById("rows"), tip = document.getElementById("tip");
  var drawn = { from: -1, to: -1 };
  function rowHtml(n, index) {
    var short = n.name.slice(n.name.lastIndexOf(".") + 1);
    var toggle = n.children.length ? '<button type="button" class="toggle" data-toggle="' + index + '" aria-expanded="' + n.open + '">' + (n.open ? "\\u25be" : "\\u25b8") + "</button>" : '<span class="leaf"></span>';
    var bars = "";
    if (n.attempts.length) {
      for (var a = 0; a < n.attempts.length; a++) {
        var at = n.attempts[a];
        bars += '<div class="bar attempt s-' + esc(at[3]) + '" data-row="' + index + '" data-attempt="' + a + '" style="left:' + pct(at[1]) + ";width:" + pct(at[2] - at[1]) + '"></div>';
      }
    } else if (n.start >= 0) {
      bars = '<div class="bar span s-' + esc(n.status) + '" data-row="' + index + '" style="left:' + pct(n.start) + ";width:" + pct(Math.max(0, n.end - n.start)) + '"></div>';
    }
    return '<div class="row ' + n.kind + '" data-name="' + esc(n.name) + '" data-kind="' + n.kind + '" data-status="' + esc(n.status) + '" style="top:' + index * ROW + 'px">' +
      '<div class="label" style="padding-left:' + (4 + n.depth * 14) + 'px" title="' + esc(n.name) + '">' + toggle + '<span class="name">' + esc(short) + "</span>" +
      (n.type ? '<span class="type">' + esc(n.type) + "</span>" : "") + '</div><div class="lane" data-row="' + index + '">' + bars + "</div></div>";
  }
  function draw(force) {
    var from = Math.max(0, Math.floor(viewport.scrollTop / ROW) - 20);
    var to = Math.min(visible.length, Math.ceil((viewport.scrollTop + viewport.clientHeight) / ROW) + 20);
    if (!force && from === drawn.from && to === drawn.to) return;
    drawn = { from: from, to: to };
    var html = "";
    for (var i = from; i < to; i++) html += rowHtml(visible[i], i);
    rowsEl.innerHTML = html;
  }
  var pending = false;
  viewport.addEventListener("scroll", function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; draw(false); });
  });
  window.addEventListener("resize", function () { draw(true); axis(); });
  rowsEl.addEventListener("click", function (e) {
    var t = e.target.closest("[data-toggle]");
    if (!t) return;
    var n = visible[Number(t.getAttribute("data-toggle"))];
    n.open = !n.open;
    refresh();
  });
  function setAll(open) { nodes.forEach(function (n) { n.open = open; }); refresh(); }
  document.getElementById("expand-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("collapse-all").addEventListener("click", function () { setAll(false); });
  rowsEl.addEventListener("mouseover", function (e) {
    var bar = e.target.closest("[data-row]");
    if (!bar) { tip.hidden = true; return; }
    var n = visible[Number(bar.getAttribute("data-row"))];
    var a = bar.hasAttribute("data-attempt") ? n.attempts[Number(bar.getAttribute("data-attempt"))] : null;
    var lines = [n.name + (n.type ? "  [" + n.type + "]" : ""), "status: " + (a ? a[3] : n.status)];
    if (a) lines.push("attempt " + a[0] + " of " + n.attempts.length, "duration: " + fmt(a[2] - a[1]));
    else if (n.start >= 0) lines.push("duration: " + fmt(n.end - n.start));
    var message = a ? a[4] : n.message;
    if (message) lines.push("message: " + message);
    tip.textContent = lines.join("\\n");
    tip.hidden = false;
  });
  rowsEl.addEventListener("mousemove", function (e) {
    tip.style.left = Math.min(e.clientX + 12, window.innerWidth - 430) + "px";
    tip.style.top = e.clientY + 14 + "px";
  });
  rowsEl.addEventListener("mouseleave", function () { tip.hidden = true; });
  function axis() {
    var svg = document.getElementById("axis-svg"), width = svg.clientWidth || 600, ticks = "";
    for (var i = 0; i <= 5; i++) {
      var x = Math.min(width - 1, Math.round(i * width / 5));
      ticks += '<line x1="' + x + '" x2="' + x + '" y1="14" y2="22"></line><text x="' + Math.max(0, x - (i === 5 ? 40 : i ? 15 : 0)) + '" y="11">' + fmt(i * total / 5) + "</text>";
    }
    svg.innerHTML = ticks;
  }
  var counts = {};
  nodes.forEach(function (n) { if (n.kind === "step") counts[n.status] = (counts[n.status] || 0) + 1; });
  document.getElementById("summary").textContent = (data.startedAt ? "started " + data.startedAt + " \\u00b7 " : "") + "took " + fmt(data.duration) +
    (data.tag ? " \\u00b7 tag " + data.tag : "") + " \\u00b7 " + Object.keys(counts).map(function (k) { return counts[k] + " " + k; }).join(", ");
  axis();
  refresh();
  window.runnableTimeline = { rows: function () { return visible.length; }, total: nodes.length };
})();
`;

// Execution-quality charts (Chart.js from static/vendor): shortfall components by day (stacked bars)
// and an order's fills on the session's price, drawn on load and after htmx swaps.
(function () {
  var colors = { delay: "#1f4fb5", execution: "#c2410c", opportunity: "#7c3aed", fees: "#0e7490" };
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  var small = window.innerWidth < 600;
  var base = { animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: small ? 1.1 : 2.6 };
  var draw = {
    components: function (c) {
      var d = data("backtests-execution-data"); if (!d) return;
      var sets = ["delay", "execution", "opportunity", "fees"].map(function (k) {
        return { type: "bar", label: k + " (bps)", data: d[k], backgroundColor: colors[k], stack: "s" };
      });
      sets.push({ type: "line", label: "total (bps)", data: d.total, borderColor: "#111827", borderWidth: 1.5, pointRadius: 0 });
      new Chart(c, { data: { labels: d.dates, datasets: sets }, options: Object.assign({}, base, {
        interaction: { mode: "index", intersect: false },
        scales: { x: { stacked: true, ticks: { maxTicksLimit: 8 } }, y: { stacked: true, title: { display: true, text: "bps of paper value" } } } }) });
    },
    order: function (c) {
      var d = data("backtests-execution-order-data"); if (!d) return;
      var sets = [], labels;
      if (d.kind === "intraday") {
        labels = d.times;
        sets.push({ type: "line", label: "1-min close ($)", data: d.close, borderColor: "#94a3b8", borderWidth: 1, pointRadius: 0 });
        var at = function (t) { var hhmm = t.substr(11, 5); var i = labels.indexOf(hhmm); return i < 0 ? null : labels[i]; };
        sets.push({ type: "scatter", label: "fills ($)", data: d.fills.map(function (f) { return { x: at(f.t), y: f.price }; }), backgroundColor: "#b91c1c", pointRadius: 5 });
      } else {
        labels = ["prev. close", "open"].concat(d.fills.map(function (f, i) { return "fill " + (i + 1); })).concat(["close"]);
        var m = d.marks;
        sets.push({ type: "line", label: "daily marks ($)", data: [m.previous_close, m.open].concat(d.fills.map(function () { return null; })).concat([m.close]), borderColor: "#94a3b8", spanGaps: true, pointRadius: 4 });
        sets.push({ type: "scatter", label: "fills ($)", data: d.fills.map(function (f, i) { return { x: "fill " + (i + 1), y: f.price }; }), backgroundColor: "#b91c1c", pointRadius: 6 });
      }
      ["arrival", "vwap", "twap"].forEach(function (k, i) {
        if (d.marks[k] == null) return;
        sets.push({ type: "line", label: k + " ($)", data: labels.map(function () { return d.marks[k]; }), borderColor: ["#1f4fb5", "#15803d", "#c2410c"][i], borderDash: [4, 3], borderWidth: 1, pointRadius: 0 });
      });
      new Chart(c, { data: { labels: labels, datasets: sets }, options: Object.assign({}, base, {
        scales: { x: { type: "category", ticks: { maxTicksLimit: 10 } }, y: { title: { display: true, text: "$ per share" } } } }) });
    }
  };
  function render() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-exec-chart]").forEach(function (c) {
      if (c.dataset.drawn) return; c.dataset.drawn = "1"; draw[c.dataset.execChart](c);
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();

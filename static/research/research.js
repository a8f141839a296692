// Charts of the alpha signal page (Chart.js from static/vendor), drawn from the json_script data.
(function () {
  function data() { var el = document.getElementById("research-chart-data"); return el ? JSON.parse(el.textContent) : null; }
  var opts = { animation: false, responsive: true, interaction: { mode: "index", intersect: false }, elements: { point: { radius: 0 } } };
  var draw = {
    ic: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.dates, datasets: [
        { label: "IC", data: d.ic, borderColor: "#1f4fb5", borderWidth: 1 },
        { label: "12-month rolling mean", data: d.rolling, borderColor: "#c2410c", borderWidth: 2 }] },
        options: Object.assign({}, opts, { scales: { x: { ticks: { maxTicksLimit: 10 } } } }) });
    },
    decay: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.decay.map(function (r) { return r.h; }), datasets: [
        { label: "Mean IC", data: d.decay.map(function (r) { return r.ic_mean; }), borderColor: "#1f4fb5", pointRadius: 3 },
        { label: "Mean rank IC", data: d.decay.map(function (r) { return r.rank_ic_mean; }), borderColor: "#15803d", pointRadius: 3 }] },
        options: Object.assign({}, opts, { scales: { x: { title: { display: true, text: "horizon (sessions)" } }, y: { title: { display: true, text: "mean IC (correlation)" } } } }) });
    },
    quantiles: function (c, d) {
      new Chart(c, { type: "bar", data: { labels: d.quantiles.map(function (r) { return "Q" + r.quantile; }), datasets: [
        { label: "Mean 21-session forward return (%)", data: d.quantiles.map(function (r) { return 100 * r.mean_ret; }), backgroundColor: "#1f4fb5" }] },
        options: { animation: false, responsive: true, scales: { y: { title: { display: true, text: "% per 21 sessions" } } } } });
    },
    long_short: function (c, d) {
      if (!d.long_short) return;
      new Chart(c, { type: "bar", data: { labels: d.long_short.dates, datasets: [
        { label: "Q5 − Q1 (%)", data: d.long_short.values, backgroundColor: d.long_short.values.map(function (v) { return v < 0 ? "#b91c1c" : "#15803d"; }) }] },
        options: Object.assign({}, opts, { scales: { x: { ticks: { maxTicksLimit: 10 } }, y: { title: { display: true, text: "% per 21 sessions" } } } }) });
    },
    exposure: function (c, d) {
      var colors = ["#1f4fb5", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490"], i = 0, sets = [];
      Object.keys(d.series).forEach(function (k) { sets.push({ label: k, data: d.series[k], borderColor: colors[i++ % colors.length], borderWidth: 1.5 }); });
      new Chart(c, { type: "line", data: { labels: d.dates, datasets: sets }, options: Object.assign({}, opts, { scales: { x: { ticks: { maxTicksLimit: 10 } } } }) });
    }
  };
  function render() {
    if (typeof Chart === "undefined") return;
    var d = data(); if (!d) return;
    document.querySelectorAll("canvas[data-research-chart]").forEach(function (c) {
      if (c.dataset.drawn) return; c.dataset.drawn = "1"; draw[c.dataset.researchChart](c, d);
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();

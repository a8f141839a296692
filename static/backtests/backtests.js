// Backtest pages: draws the charts (Chart.js from static/vendor) for canvases marked data-bt-chart,
// on page load and after every htmx swap (results and Monte Carlo fragments arrive later), and
// shows the launch forms' optional settings only while their checkbox is ticked.
(function () {
  var palette = ["#1f4fb5", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490"];
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function line(canvas, labels, datasets, opts) {
    canvas.dataset.drawn = "1";
    return new Chart(canvas, { type: "line", data: { labels: labels, datasets: datasets },
      options: Object.assign({ animation: false, responsive: true, maintainAspectRatio: true, elements: { point: { radius: 0 } },
        interaction: { mode: "index", intersect: false }, scales: { x: { ticks: { maxTicksLimit: 8 } } } }, opts || {}) });
  }
  function pct(v) { return (v * 100).toFixed(0) + "%"; }
  function ds(label, values, i, extra) { return Object.assign({ label: label, data: values, borderColor: palette[i % palette.length], borderWidth: 1.5, fill: false }, extra || {}); }
  var draw = {
    equity: function (c, d) { var s = [ds("Strategy (net)", d.equity, 0)]; if (d.benchmark) s.push(ds("Benchmark", d.benchmark, 1)); line(c, d.dates, s); },
    drawdown: function (c, d) { line(c, d.dates, [ds("Drawdown", d.drawdown, 4, { fill: true, backgroundColor: "rgba(185,28,28,0.15)" })]); },
    rolling_sharpe: function (c, d) { line(c, d.dates, [ds("Rolling Sharpe", d.rolling_sharpe, 2)]); },
    exposure: function (c, d) { line(c, d.dates, [ds("Gross", d.gross_exposure, 3), ds("Net", d.net_exposure, 5)]); },
    fan: function (c) {
      var f = data("backtests-fan-data"); if (!f) return;
      line(c, f.step, [ds("5%", f.q05, 4), ds("25%", f.q25, 1), ds("Median", f.q50, 0), ds("75%", f.q75, 1), ds("95%", f.q95, 2)],
        { scales: { x: { title: { display: true, text: c.dataset.xLabel || "trading days" }, ticks: { maxTicksLimit: 8 } },
                    // log scale: equal distances are equal percentage moves, so compounding paths fan out evenly
                    y: { type: "logarithmic", title: { display: true, text: "wealth (start = 1, log scale)" },
                         ticks: { callback: function (v) { return Number(v).toPrecision(2); } } } } });
    },
    rolling_alpha_beta: function (c) {
      var d = data("backtests-relative-data"); if (!d) return;
      line(c, d.dates, [ds("Alpha (annualised)", d.alpha, 0, { yAxisID: "y" }), ds("Beta", d.beta, 1, { yAxisID: "beta" })],
        { scales: { x: { ticks: { maxTicksLimit: 6 } },
                    y: { title: { display: true, text: "alpha, % a year" }, ticks: { callback: pct } },
                    beta: { position: "right", title: { display: true, text: "beta" }, grid: { drawOnChartArea: false } } } });
    },
    rolling_drawdown: function (c) {
      var d = data("backtests-relative-data"); if (!d) return;
      line(c, d.dates, [ds("Max drawdown in window", d.max_drawdown, 4, { fill: true, backgroundColor: "rgba(185,28,28,0.15)" })],
        { scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { title: { display: true, text: "% of peak" }, ticks: { callback: pct } } } });
    },
    oos: function (c) {
      var d = data("backtests-oos-data"); if (!d) return;
      line(c, d.dates, [ds("Out-of-sample (chosen candidate per fold)", d.equity, 0)]);
    },
    compare: function (c) {
      var d = data("backtests-compare-data"); if (!d) return;
      line(c, d.dates, d.series.map(function (s, i) { return ds("#" + s.run, s.values, i); }));
    }
  };
  function render() {
    if (typeof Chart === "undefined") return;
    var charts = data("backtests-chart-data");
    document.querySelectorAll("canvas[data-bt-chart]").forEach(function (c) {
      if (c.dataset.drawn) return;
      var fn = draw[c.dataset.btChart];
      if (fn) fn(c, charts);
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);

  // Launch forms: an element marked data-bt-shown-by="<checkbox id>" (the optimizer settings) shows
  // only while that box is ticked. Without JS it always shows; the form ignores it while unticked.
  function toggle() {
    document.querySelectorAll("[data-bt-shown-by]").forEach(function (el) {
      var box = document.getElementById(el.dataset.btShownBy);
      if (box) el.hidden = !box.checked;
    });
  }
  document.addEventListener("DOMContentLoaded", toggle);
  document.addEventListener("htmx:afterSettle", toggle);  // the form comes back as a fragment on errors
  document.addEventListener("change", function (e) { if (e.target.type === "checkbox") toggle(); });
})();

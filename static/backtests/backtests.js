// Backtest pages: draws the charts (Chart.js from static/vendor) for canvases marked data-bt-chart,
// on page load and after every htmx swap (results and Monte Carlo fragments arrive later), and
// shows the launch forms' optional settings only while their checkbox is ticked.
(function () {
  var palette = ["#1f4fb5", "#c2410c", "#15803d", "#7c3aed", "#b91c1c", "#0e7490"];
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function line(canvas, labels, datasets, opts) {
    canvas.dataset.drawn = "1";
    // In a sized box (.bt-chart-box) the chart fills the box instead of keeping an aspect ratio
    // computed from whatever width the canvas had when it was created.
    var boxed = canvas.parentElement && canvas.parentElement.classList.contains("bt-chart-box");
    return new Chart(canvas, { type: "line", data: { labels: labels, datasets: datasets },
      options: Object.assign({ animation: false, responsive: true, maintainAspectRatio: !boxed, elements: { point: { radius: 0 } },
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
      line(c, d.equity.dates, d.equity.series.map(function (s, i) { return ds(d.labels[s.key], s.values, i); }),
        { scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { title: { display: true, text: "growth of $1" } } } });
    },
    compare_rolling: function (c) {
      var d = data("backtests-compare-data"); if (!d) return;
      var r = d.rolling, sharpe = r.metric === "sharpe";
      line(c, r.dates, r.series.map(function (s, i) { return ds(d.labels[s.key], s.values, i); }),
        { scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { title: { display: true, text: sharpe ? "Sharpe (annualised)" : r.metric + ", % a year" },
                    ticks: sharpe ? {} : { callback: pct } } } });
    },
    compare_blend: function (c) {
      var d = data("backtests-compare-data"); if (!d || !d.blend) return;
      line(c, d.blend.dates, [ds("Blend: growth of $1", d.blend.equity, 0, { yAxisID: "y" }),
                              ds("Blend drawdown", d.blend.drawdown, 4, { yAxisID: "dd", fill: true, backgroundColor: "rgba(185,28,28,0.12)" })],
        { scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { title: { display: true, text: "growth of $1" } },
                    dd: { position: "right", title: { display: true, text: "drawdown" }, ticks: { callback: pct }, grid: { drawOnChartArea: false } } } });
    },
    perf_equity: function (c) {
      var d = data("backtests-perf-data"); if (!d) return;
      // explicit bounds: on a short phone-width chart the automatic ones jump to 0 .. 2x the equity
      var v = d.equity.filter(function (x) { return x !== null; }), lo = Math.min.apply(null, v), hi = Math.max.apply(null, v);
      var pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.01 || 1;
      line(c, d.dates, [ds("Equity", d.equity, 0)], { scales: { x: { ticks: { maxTicksLimit: 6 } },
        y: { min: lo - pad, max: hi + pad, title: { display: true, text: "$" },
             ticks: { maxTicksLimit: 6, callback: function (x) { return "$" + Math.round(x).toLocaleString(); } } } } });
    },
    perf_drawdown: function (c) {
      var d = data("backtests-perf-data"); if (!d) return;
      line(c, d.dd_dates, [ds("Drawdown", d.drawdown, 4, { fill: true, backgroundColor: "rgba(185,28,28,0.15)" })],
        { scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { title: { display: true, text: "% below peak" }, ticks: { callback: pct } } } });
    },
    holding: function (c) {
      var d = data("backtests-holding-data"); if (!d) return;
      c.dataset.drawn = "1";
      new Chart(c, { type: "bar", data: { labels: d.map(function (b) { return b.label; }),
        datasets: [{ label: "Round trips", data: d.map(function (b) { return b.count; }), backgroundColor: palette[0] }] },
        options: { animation: false, responsive: true, plugins: { legend: { display: false } },
                   scales: { y: { title: { display: true, text: "round trips" }, ticks: { precision: 0 } } } } });
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
  // Charts created while their container was hidden or still zero-size (results swapped in
  // live) keep that size until resized: resize every chart once the swap has settled.
  function resizeAll() {
    if (typeof Chart === "undefined") return;
    Object.values(Chart.instances).forEach(function (chart) { chart.resize(); });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", function () { render(); resizeAll(); });

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

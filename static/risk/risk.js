// Draw the risk dashboard charts (Chart.js) when a tile arrives (page load or htmx swap).
(function () {
  function bar(canvas, labels, series) {
    if (canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    new Chart(canvas, { type: "bar", data: { labels: labels, datasets: series },
      options: { animation: false, responsive: true, plugins: { legend: { position: "bottom" } } } });
  }
  function draw(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var kind = canvas.dataset.chart;
      var node = document.getElementById("risk-" + kind + "-data");
      if (!node || typeof Chart === "undefined") return;
      var rows = JSON.parse(node.textContent);
      if (kind === "exposures") {
        bar(canvas, rows.map(function (r) { return r.label || r.factor; }), [
          { label: "portfolio", data: rows.map(function (r) { return r.portfolio; }), backgroundColor: "#4c78a8" },
          { label: "benchmark", data: rows.map(function (r) { return r.benchmark; }), backgroundColor: "#bab0ac" }]);
      } else if (kind === "stress") {
        var covered = rows.filter(function (r) { return r.covered; });
        bar(canvas, covered.map(function (r) { return r.name; }), [{ label: "P&L (% of capital)",
          data: covered.map(function (r) { return 100 * r.pnl; }),
          backgroundColor: covered.map(function (r) { return r.pnl < 0 ? "#e45756" : "#54a24b"; }) }]);
      } else if (kind === "bias") {
        if (canvas.dataset.drawn) return;
        canvas.dataset.drawn = "1";
        var palette = ["#111827", "#4c78a8", "#f58518", "#54a24b", "#b279a2", "#9d755d", "#e45756", "#72b7b2"];
        var sets = Object.keys(rows.series).map(function (name, i) {
          return { label: name, data: rows.series[name], borderColor: palette[i % palette.length],
                   borderWidth: i === 0 ? 2.5 : 1, pointRadius: 0, fill: false };
        });
        [["band low", rows.band[0]], ["band high", rows.band[1]]].forEach(function (b) {
          sets.push({ label: "95 % band (" + b[0].split(" ")[1] + ")", data: rows.dates.map(function () { return b[1]; }),
                      borderColor: "#9ca3af", borderDash: [4, 4], borderWidth: 1, pointRadius: 0, fill: false });
        });
        new Chart(canvas, { type: "line", data: { labels: rows.dates, datasets: sets },
          options: { animation: false, responsive: true, interaction: { mode: "index", intersect: false },
            plugins: { legend: { position: "bottom" } },
            scales: { x: { ticks: { maxTicksLimit: 6 } },
                      y: { title: { display: true, text: "bias statistic (1 = forecast right)" } } } } });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.detail.elt || document); });
})();

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
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (evt) { draw(evt.detail.elt || document); });
})();

// Coverage chart of the dataset page (Chart.js from static/vendor), drawn from the json_script data.
(function () {
  function render() {
    if (typeof Chart === "undefined") return;
    var el = document.getElementById("warehouse-coverage-data");
    var canvas = document.getElementById("warehouse-coverage-chart");
    if (!el || !canvas || canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    var d = JSON.parse(el.textContent);
    var sets = [{ type: "bar", label: "rows per month", data: d.rows, backgroundColor: "#93c5fd", yAxisID: "y" }];
    if (d.symbols) sets.push({ type: "line", label: "distinct symbols", data: d.symbols, borderColor: "#c2410c", backgroundColor: "#c2410c", borderWidth: 1.5, pointRadius: 0, yAxisID: "y1" });
    new Chart(canvas, { data: { labels: d.months, datasets: sets }, options: {
      animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: window.innerWidth < 600 ? 1.1 : 2.6,
      interaction: { mode: "index", intersect: false },
      scales: { x: { ticks: { maxTicksLimit: 8 } }, y: { beginAtZero: true, title: { display: true, text: "rows" } },
                y1: { display: !!d.symbols, beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "symbols" } } } } });
  }
  function renderQuality() {
    if (typeof Chart === "undefined") return;
    var el = document.getElementById("warehouse-quality-data");
    var canvas = document.getElementById("warehouse-quality-chart");
    if (!el || !canvas || canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    var d = JSON.parse(el.textContent);
    new Chart(canvas, { data: { labels: d.versions, datasets: [
      { type: "bar", label: "rows", data: d.rows, backgroundColor: "#93c5fd", yAxisID: "y", order: 2 },
      { type: "line", label: "failed rules", data: d.failed_rules, borderColor: "#b91c1c", backgroundColor: "#b91c1c", pointRadius: 4, yAxisID: "y1", order: 0 },
      { type: "line", label: "highest null rate (%)", data: d.max_null_pct, borderColor: "#c2410c", backgroundColor: "#c2410c", borderDash: [4, 3], pointRadius: 4, yAxisID: "y1", order: 1 }] },
      options: { animation: false, responsive: true, aspectRatio: window.innerWidth < 600 ? 1.1 : 2.6, interaction: { mode: "index", intersect: false },
        scales: { y: { beginAtZero: true, title: { display: true, text: "rows" } },
                  y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "rules / %" } } } } });
  }
  function all() { render(); renderQuality(); }
  document.addEventListener("DOMContentLoaded", all);
  document.addEventListener("htmx:afterSettle", all);
})();

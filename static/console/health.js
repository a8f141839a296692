// Latency sparkline on the System health page; redrawn after every htmx swap of the cards.
(function () {
  function draw() {
    var canvas = document.getElementById("console-health-latency");
    var data = document.getElementById("console-health-latency-data");
    if (!canvas || !data || typeof Chart === "undefined") return;
    var values = JSON.parse(data.textContent);
    var existing = Chart.getChart(canvas);
    if (existing) existing.destroy();
    new Chart(canvas, {
      type: "line",
      data: { labels: values.map(function (_, i) { return i; }),
              datasets: [{ data: values, borderColor: "#2456c8", borderWidth: 1.5, pointRadius: 0, fill: false, tension: 0.2 }] },
      options: { animation: false, responsive: true, maintainAspectRatio: false,
                 plugins: { legend: { display: false }, tooltip: { enabled: true } },
                 scales: { x: { display: false }, y: { display: true, beginAtZero: true, ticks: { maxTicksLimit: 3 } } } }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
    if (window.htmx) htmx.onLoad(draw);
  });
})();

// Charts of the microstructure page (Chart.js from static/vendor), drawn from the json_script data.
(function () {
  var opts = { animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: window.innerWidth < 600 ? 1.1 : 2, interaction: { mode: "index", intersect: false }, elements: { point: { radius: 0 } } };
  function line(label, data, color, extra) { return Object.assign({ label: label, data: data, borderColor: color, backgroundColor: color, borderWidth: 1.5, spanGaps: true }, extra || {}); }
  function axes(y, x) { return { x: { ticks: { maxTicksLimit: 8 } , title: { display: !!x, text: x } }, y: { title: { display: true, text: y } } }; }
  var draw = {
    vol: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.dates, datasets: [
        line("√RV", d.rv, "#1f4fb5"), line("√BPV", d.bpv, "#15803d"), line("√medRV", d.medrv, "#7c3aed"), line("√RK", d.rk, "#0e7490"),
        line("HAR forecast", d.har, "#c2410c", { borderDash: [4, 3] }),
        line("jump √(RV−BPV)", d.jump, "#b91c1c", { showLine: false, pointRadius: 4 })] },
        options: Object.assign({}, opts, { scales: axes("% per day") }) });
    },
    ushape: function (c, d) {
      new Chart(c, { data: { labels: d.buckets, datasets: [
        Object.assign({ type: "bar", label: "% of daily volume", data: d.volume_share, backgroundColor: "#93c5fd", yAxisID: "y" }),
        Object.assign({ type: "line", label: "mean |1-min return| (bps)", data: d.abs_ret, borderColor: "#c2410c", yAxisID: "y1" })] },
        options: Object.assign({}, opts, { scales: { y: { title: { display: true, text: "% of volume" } }, y1: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "bps" } } } }) });
    },
    intraday_spread: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.buckets, datasets: [
        line("quoted spread (bps)", d.intraday_spread, "#1f4fb5", { yAxisID: "y" }),
        line("depth (lots)", d.intraday_depth, "#15803d", { yAxisID: "y1" })] },
        options: Object.assign({}, opts, { scales: { y: { title: { display: true, text: "bps" } }, y1: { position: "right", grid: { drawOnChartArea: false }, title: { display: true, text: "lots" } } } }) });
    },
    spreads: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.dates, datasets: [
        line("quoted", d.quoted, "#1f4fb5"), line("effective", d.effective, "#15803d"), line("realized", d.realized, "#7c3aed"),
        line("Roll", d.roll, "#c2410c"), line("Corwin–Schultz", d.cs, "#0e7490")] },
        options: Object.assign({}, opts, { scales: axes("bps") }) });
    },
    depth: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.dates, datasets: [line("depth", d.depth, "#15803d")] }, options: Object.assign({}, opts, { scales: axes("round lots") }) });
    },
    vpin: function (c, d) {
      new Chart(c, { type: "line", data: { labels: d.vpin_times, datasets: [line("VPIN", d.vpin, "#b91c1c")] }, options: Object.assign({}, opts, { scales: axes("fraction") }) });
    }
  };
  function render() {
    if (typeof Chart === "undefined") return;
    var el = document.getElementById("ms-chart-data"); if (!el) return;
    var d = JSON.parse(el.textContent);
    document.querySelectorAll("canvas[data-ms-chart]").forEach(function (c) {
      if (c.dataset.drawn) return; c.dataset.drawn = "1"; draw[c.dataset.msChart](c, d);
    });
  }
  document.addEventListener("DOMContentLoaded", render);
})();

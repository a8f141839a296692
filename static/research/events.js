// Event-study charts (Chart.js from static/vendor): the CAAR with its confidence band, and PEAD's
// CAAR paths by SUE decile; drawn on load and after htmx swaps.
(function () {
  var small = window.innerWidth < 600;
  var base = { animation: false, responsive: true, maintainAspectRatio: true, aspectRatio: small ? 1.1 : 2.4,
    interaction: { mode: "index", intersect: false }, elements: { point: { radius: 0 } } };
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function axes(y) { return { x: { title: { display: true, text: "sessions relative to the event (day 0)" }, ticks: { maxTicksLimit: 12 } }, y: { title: { display: true, text: y } } }; }
  var draw = {
    car: function (c) {
      var d = data("research-event-data"); if (!d) return;
      new Chart(c, { type: "line", data: { labels: d.offsets, datasets: [
        { label: "95 % band (upper)", data: d.hi, borderColor: "rgba(31,79,181,0.25)", backgroundColor: "rgba(31,79,181,0.12)", fill: "+1", borderWidth: 1 },
        { label: "95 % band (lower)", data: d.lo, borderColor: "rgba(31,79,181,0.25)", borderWidth: 1, fill: false },
        { label: "CAAR (%)", data: d.caar, borderColor: "#1f4fb5", borderWidth: 2, fill: false }] },
        options: Object.assign({}, base, { scales: axes("CAAR, %") }) });
    },
    pead: function (c) {
      var d = data("research-pead-data"); if (!d) return;
      var keys = Object.keys(d.series).sort(function (a, b) { return a - b; });
      var sets = keys.map(function (k, i) {
        var t = keys.length > 1 ? i / (keys.length - 1) : 0;
        var color = "rgb(" + Math.round(185 * (1 - t) + 21 * t) + "," + Math.round(28 * (1 - t) + 128 * t) + "," + Math.round(28 * (1 - t) + 61 * t) + ")";
        return { label: "decile " + k, data: d.series[k], borderColor: color, borderWidth: (k === "1" || k === "10") ? 2.5 : 1, fill: false };
      });
      new Chart(c, { type: "line", data: { labels: d.offsets, datasets: sets },
        options: Object.assign({}, base, { scales: axes("CAAR, %"), plugins: { legend: { labels: { boxWidth: 12 } } } }) });
    }
  };
  function render() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("canvas[data-ev-chart]").forEach(function (c) {
      if (c.dataset.drawn) return; c.dataset.drawn = "1"; draw[c.dataset.evChart](c);
    });
  }
  document.addEventListener("DOMContentLoaded", render);
  document.addEventListener("htmx:afterSettle", render);
})();

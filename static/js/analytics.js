// The analytics charts (Chart.js, served from static/ like Bootstrap). The figures come from the page's
// <script type="application/json" id="analytics-data"> block (no inline script: CSP); every chart has a table of
// the same figures beside it, which is what a screen reader reads.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    var source = document.getElementById("analytics-data");
    if (!source || typeof window.Chart === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var text = data.text;
    var blue = "rgba(10, 74, 148, 0.8)", light = "rgba(10, 74, 148, 0.25)", orange = "rgba(200, 90, 20, 0.9)";
    var common = { responsive: true, maintainAspectRatio: false, animation: false,
                   plugins: { legend: { position: "bottom" } } };

    var means = document.getElementById("chart-means");
    if (means && data.groups.labels.length) {
      var national = data.groups.labels.map(function () { return data.groups.national; });
      // One group gives the line a single point, which draws nothing: mark the national mean there as a vertical dash.
      var single = data.groups.labels.length < 2;
      new window.Chart(means, {
        data: {
          labels: data.groups.labels,
          datasets: [
            { type: "bar", label: text.mean, data: data.groups.means, backgroundColor: blue, order: 2 },
            { type: "bar", label: text.ci, data: data.groups.ci, backgroundColor: light, barPercentage: 0.35,
              grouped: false, order: 1 },
            { type: "line", label: text.national, data: national, borderColor: orange, borderDash: [6, 4],
              pointStyle: "line", pointRotation: 90, pointRadius: single ? 40 : 0, pointBorderWidth: 3,
              pointBorderColor: orange, order: 0 }
          ]
        },
        options: Object.assign({}, common, { indexAxis: "y", scales: { x: { min: 0, max: 100 } } })
      });
    }

    var distribution = document.getElementById("chart-distribution");
    if (distribution) {
      new window.Chart(distribution, {
        type: "bar",
        data: { labels: data.distribution.labels,
                datasets: [{ label: text.share, data: data.distribution.shares, backgroundColor: blue }] },
        options: Object.assign({}, common, { scales: { y: { beginAtZero: true } } })
      });
    }

    var trend = document.getElementById("chart-trend");
    if (trend && data.trend.years.length > 1) {
      var palette = ["#0a4a94", "#2a9d8f", "#e76f51", "#6a4c93", "#8a5a00", "#1d3557", "#d62828", "#457b9d",
                     "#588157", "#9d4edd", "#b5838d", "#264653"];
      var sets = data.trend.series.map(function (s, i) {
        return { label: s.label, data: s.means, borderColor: palette[i % palette.length], spanGaps: true };
      });
      sets.push({ label: text.national, data: data.trend.national, borderColor: orange, borderDash: [6, 4] });
      new window.Chart(trend, { type: "line", data: { labels: data.trend.years, datasets: sets },
                                options: Object.assign({}, common, { scales: { y: { min: 0, max: 100 } } }) });
    }
  });
}());

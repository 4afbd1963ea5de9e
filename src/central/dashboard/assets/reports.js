/*
 * The report page's charts: Chart.js (served locally as chart.umd.min.js) draws each <canvas data-chart="id"> from
 * the JSON block with that id. No animation; the same figures are in the table beside every chart, so the page
 * reads without this script.
 */
(function () {
  'use strict';
  var PALETTE = ['#1f5fa8', '#c0392b', '#2e8b57', '#b8860b', '#6a3d9a', '#008080', '#d2691e', '#555555'];
  function draw() {
    if (typeof window.Chart !== 'function') return;
    var canvases = document.querySelectorAll('canvas[data-chart]');
    for (var i = 0; i < canvases.length; i++) {
      var canvas = canvases[i];
      var block = document.getElementById(canvas.getAttribute('data-chart'));
      if (!block) continue;
      var spec;
      try { spec = JSON.parse(block.textContent || '{}'); } catch (e) { continue; }
      var datasets = (spec.datasets || []).map(function (d, j) {
        return { label: String(d.label), data: d.data, backgroundColor: PALETTE[j % PALETTE.length] };
      });
      canvas.setAttribute('data-drawn', 'true');
      new window.Chart(canvas, {
        type: 'bar',
        data: { labels: spec.labels, datasets: datasets },
        options: {
          animation: false,
          responsive: false,
          indexAxis: spec.horizontal ? 'y' : 'x',
          scales: {
            x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
            y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
          },
          plugins: { legend: { display: datasets.length > 1 } },
        },
      });
    }
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', draw);
  else draw();
})();

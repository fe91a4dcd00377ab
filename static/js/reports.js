// Reports: draws each chart from the JSON the page carries (json_script, CSP-safe) with the
// vendored Chart.js. Progressive enhancement only: every number is in the table under its chart.
// Readable in greyscale and for colour-blind readers: the second and third series are hatched
// or dotted (bars) or dashed with other markers (lines), not only a different colour.
(() => {
  "use strict";

  const charts = [];

  function token(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function palette() {
    return {
      text: token("--c-text", "#1a1a1a"),
      grid: token("--color-neutral-solid-gray-200", "#cccccc"),
      series: [
        { fill: token("--color-primitive-blue-900", "#0017c1"), ink: token("--color-primitive-blue-900", "#0017c1") },
        { fill: token("--color-primitive-light-blue-300", "#97d3ff"), ink: token("--color-primitive-blue-1100", "#000071") },
        { fill: token("--color-primitive-orange-200", "#ffc199"), ink: token("--color-primitive-orange-1100", "#6d2700") },
      ],
    };
  }

  // A small repeating tile: solid, diagonal hatching or dots on a light fill.
  function pattern(kind, fill, ink) {
    if (kind === 0) return fill;
    const tile = document.createElement("canvas");
    tile.width = tile.height = 8;
    const g = tile.getContext("2d");
    g.fillStyle = fill;
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = ink;
    g.fillStyle = ink;
    if (kind === 1) {
      g.lineWidth = 1.5;
      g.beginPath();
      g.moveTo(0, 8);
      g.lineTo(8, 0);
      g.moveTo(-2, 2);
      g.lineTo(2, -2);
      g.moveTo(6, 10);
      g.lineTo(10, 6);
      g.stroke();
    } else {
      g.beginPath();
      g.arc(4, 4, 1.6, 0, 2 * Math.PI);
      g.fill();
    }
    return g.createPattern(tile, "repeat");
  }

  const DASHES = [[], [8, 4], [2, 3]];
  const POINTS = ["circle", "triangle", "rect"];

  function shorten(label) {
    return label.length > 18 ? `${label.slice(0, 17)}…` : label;
  }

  function draw(canvas, spec) {
    const colours = palette();
    const line = spec.type === "line";
    const datasets = spec.datasets.map((set, i) => {
      const style = colours.series[i % colours.series.length];
      return {
        label: set.label,
        data: set.data,
        backgroundColor: line ? style.fill : pattern(i % 3, style.fill, style.ink),
        borderColor: style.ink,
        borderWidth: line ? 2 : 1,
        borderDash: line ? DASHES[i % 3] : [],
        pointStyle: POINTS[i % 3],
        pointRadius: line ? 4 : 0,
        spanGaps: false,
      };
    });
    const valueAxis = spec.horizontal ? "x" : "y";
    const categoryAxis = spec.horizontal ? "y" : "x";
    const scales = {
      [valueAxis]: {
        beginAtZero: true,
        stacked: spec.stacked,
        grid: { color: colours.grid },
        ticks: { color: colours.text, precision: spec.integer ? 0 : undefined },
      },
      [categoryAxis]: {
        stacked: spec.stacked,
        grid: { display: false },
        ticks: { color: colours.text, callback(value) { return shorten(String(this.getLabelForValue(value))); } },
      },
    };
    return new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales,
        plugins: {
          legend: {
            display: datasets.length > 1,
            labels: { color: colours.text, usePointStyle: line },
          },
        },
      },
    });
  }

  function drawAll(root) {
    if (!window.Chart) return;
    window.Chart.defaults.font.family = token("--font-family-sans", "sans-serif");
    window.Chart.defaults.color = token("--c-text", "#1a1a1a");
    const specs = {};
    root.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
      const scriptId = canvas.dataset.chartsScript;
      if (!(scriptId in specs)) {
        const script = document.getElementById(scriptId);
        specs[scriptId] = script ? JSON.parse(script.textContent) : {};
      }
      const spec = specs[scriptId][canvas.dataset.chart];
      if (!spec) return;
      const existing = window.Chart.getChart(canvas);
      if (existing) existing.destroy();
      charts.push(draw(canvas, spec));
    });
  }

  // A4 portrait minus 15 mm margins is about 680 CSS pixels wide: draw at a size that fits it.
  const PRINT_WIDTH = 640;

  function resizeForPrint() {
    charts.forEach((chart) => chart.resize(PRINT_WIDTH, chart.options.indexAxis === "y" ? 340 : 240));
  }

  function resizeAll() {
    charts.forEach((chart) => chart.resize());
  }

  function enablePrint(root) {
    root.querySelectorAll(".report-print[hidden]").forEach((button) => {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.documentElement.classList.add("reports-js");
    drawAll(document);
    enablePrint(document);
  });
  // Fragments loaded by htmx (a section, or the figures once computed) bring their own chart data.
  document.addEventListener("htmx:afterSettle", (event) => {
    drawAll(event.target);
    enablePrint(event.target);
  });
  // Printing lays the page out on A4: let every chart fit its new box, and back after.
  window.addEventListener("beforeprint", resizeForPrint);
  window.addEventListener("afterprint", resizeAll);
})();

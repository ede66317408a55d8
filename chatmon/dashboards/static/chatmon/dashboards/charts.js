/* Draws each dashboard panel's chart with Chart.js from the JSON that chatmon/dashboards/charts.py put in the
 * page. Legend and tooltip are HTML (they wrap at any width and read like the table: the server formatted
 * every value); Chart.js draws the axes and the marks. Nothing is fetched. */
(function () {
  "use strict";
  if (!window.Chart) return;
  const COLORS = ["#417690", "#ba2121", "#e6a23c", "#5b8c5a", "#8e6fbf", "#79aec8", "#666666", "#c0703f"];
  const NARROW = 520; // a chart narrower than this (a phone) gets fewer ticks and shorter labels
  const PARTIAL = " (partial)";
  // Label every n-th bucket, n a round number of minutes, hours or days (5, 15, 30, not 11).
  const STEPS = [1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60];

  function themeColor(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function tickNumber(value, axis) {
    const size = Math.abs(value);
    let options = { maximumFractionDigits: size >= 10 ? 0 : 2 };
    if (size >= 10000) options = { notation: "compact", maximumFractionDigits: 1 };
    else if (size > 0 && size < 1) options = { maximumSignificantDigits: 2 };
    const text = new Intl.NumberFormat("en-US", options).format(size);
    return (value < 0 ? "-" : "") + (axis.prefix || "") + text + (axis.suffix || "");
  }

  // "2026-11-29 13:32:19" or "11-29 13:32" -> the date and the rest; labels that are not moments keep it all.
  const DATED = /^((?:\d{4}-)?\d\d-\d\d) (\d\d:\d\d(?::\d\d)?)/;

  // A tick's text: the time of day alone on a phone or when every label is of the same day (the tooltip has
  // the date); the partial bucket says so on a second line.
  function tickText(chart, labels, label) {
    const partial = label.endsWith(PARTIAL);
    if (partial) label = label.slice(0, -PARTIAL.length);
    const dated = DATED.exec(label);
    const oneDay = dated && labels.every(function (other) { return other.startsWith(dated[1] + " "); });
    if (dated && (chart.width < NARROW || oneDay)) label = dated[2] + label.slice(dated[0].length);
    return partial ? [label, "partial"] : label;
  }

  // Labels counted from the newest, so the newest bucket (often the partial one) always has its label; as
  // many as fit side by side at this width, every n-th with n a round number.
  function timeTick(chart, labels, index) {
    if (!chart.$ticks || chart.$ticks.width !== chart.width) { // worked out once per drawn width
      const texts = labels.map(function (label) { return tickText(chart, labels, label); });
      const longest = texts.reduce(function (most, text) {
        return Math.max(most, (Array.isArray(text) ? text[0] : text).length);
      }, 1);
      const room = Math.max(2, Math.floor(chart.width / (longest * 7 + 18)));
      const wanted = Math.ceil(labels.length / room);
      chart.$ticks = { width: chart.width, texts: texts,
                       every: STEPS.find(function (step) { return step >= wanted; }) || wanted };
    }
    return (labels.length - 1 - index) % chart.$ticks.every === 0 ? chart.$ticks.texts[index] : null;
  }

  function shorten(text, chart) {
    const most = chart.width < NARROW ? 16 : 28;
    return text.length > most ? text.slice(0, most - 1) + "\u2026" : text;
  }

  function valueScale(axis, position, grid, text, stacked) {
    return {
      type: "linear", position: position, beginAtZero: true, display: Object.keys(axis).length > 0,
      grid: { color: grid, drawOnChartArea: position !== "right" }, stacked: stacked,
      ticks: { color: text, maxTicksLimit: 6, precision: axis.whole ? 0 : undefined,
               callback: function (value) { return tickNumber(value, axis); } },
    };
  }

  function datasets(spec) {
    const last = spec.labels.length - 1;
    return spec.series.map(function (series, n) {
      const color = COLORS[n % COLORS.length];
      const set = { label: series.name, data: series.values, yAxisID: spec.horizontal ? undefined : series.axis };
      if (spec.kind === "pie") {
        set.backgroundColor = spec.labels.map(function (_, i) { return COLORS[i % COLORS.length]; });
        set.borderWidth = 1;
      } else if (spec.kind === "bar") {
        // The still-filling bucket is drawn pale: its low figure is not a drop.
        set.backgroundColor = series.values.map(function (_, i) { return spec.partial && i === last ? color + "55" : color; });
        set.borderColor = color;
        set.borderWidth = spec.partial ? series.values.map(function (_, i) { return i === last ? 1 : 0; }) : 0;
        if (spec.horizontal) set.xAxisID = series.axis === "y1" ? "x1" : "x";
      } else {
        set.borderColor = color;
        set.backgroundColor = color;
        set.borderWidth = 2;
        set.spanGaps = true;
        set.pointRadius = series.values.map(function (_, i) {
          return spec.partial && i === last ? 4 : (series.values.length > 60 ? 0 : 2);
        });
        set.pointBackgroundColor = series.values.map(function (_, i) { return spec.partial && i === last ? "#fff" : color; });
        set.segment = { borderDash: function (ctx) { return spec.partial && ctx.p1DataIndex === last ? [5, 4] : undefined; } };
      }
      return set;
    });
  }

  function scales(spec, grid, text) {
    if (spec.kind === "pie") return {};
    const category = {
      type: "category", grid: { color: grid, display: !spec.horizontal },
      ticks: { color: text, autoSkip: spec.horizontal, maxRotation: 0,
               callback: function (value, index) {
                 return spec.horizontal ? shorten(spec.labels[index], this.chart) : timeTick(this.chart, spec.labels, index);
               } },
    };
    if (spec.horizontal) {
      return { y: category, x: valueScale(spec.axes.y, "bottom", grid, text, false),
               x1: valueScale(spec.axes.y1, "top", grid, text, false) };
    }
    return { x: category, y: valueScale(spec.axes.y, "left", grid, text, false),
             y1: valueScale(spec.axes.y1, "right", grid, text, false) };
  }

  function showTooltip(context, spec, box) {
    const tooltip = context.tooltip;
    let tip = box.querySelector(".dash-tooltip");
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "dash-tooltip";
      tip.setAttribute("role", "status");
      box.appendChild(tip);
    }
    if (tooltip.opacity === 0 || !tooltip.dataPoints || !tooltip.dataPoints.length) {
      tip.hidden = true;
      return;
    }
    const row = tooltip.dataPoints[0].dataIndex;
    tip.replaceChildren();
    const title = document.createElement("strong");
    title.textContent = spec.labels[row];
    tip.appendChild(title);
    (spec.tips[row] || []).forEach(function (pair) {
      const line = document.createElement("div");
      const name = document.createElement("span");
      name.textContent = pair[0] + ": ";
      const value = document.createElement("b");
      value.textContent = pair[1];
      line.append(name, value);
      tip.appendChild(line);
    });
    tip.hidden = false;
    // Beside the point, on whichever side has room, never past the chart's edges (no sideways scrolling).
    const room = box.clientWidth;
    let left = tooltip.caretX + 12;
    if (left + tip.offsetWidth > room) left = tooltip.caretX - 12 - tip.offsetWidth;
    tip.style.left = Math.max(0, Math.min(left, room - tip.offsetWidth)) + "px";
    tip.style.top = Math.max(0, Math.min(tooltip.caretY - tip.offsetHeight / 2, box.clientHeight - tip.offsetHeight)) + "px";
  }

  function legend(chart, spec, box) {
    const list = document.createElement("ul");
    list.className = "dash-legend";
    chart.options.plugins.legend.labels.generateLabels(chart).forEach(function (item) {
      const entry = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-pressed", "true");
      const swatch = document.createElement("span");
      swatch.className = "dash-swatch";
      swatch.style.background = Array.isArray(item.fillStyle) ? item.fillStyle[0] : item.fillStyle;
      button.append(swatch, document.createTextNode(item.text));
      button.addEventListener("click", function () {
        if (spec.kind === "pie") chart.toggleDataVisibility(item.index);
        else chart.setDatasetVisibility(item.datasetIndex, !chart.isDatasetVisible(item.datasetIndex));
        chart.update();
        const shown = spec.kind === "pie" ? chart.getDataVisibility(item.index) : chart.isDatasetVisible(item.datasetIndex);
        button.setAttribute("aria-pressed", String(shown));
      });
      entry.appendChild(button);
      list.appendChild(entry);
    });
    box.after(list);
  }

  // Zoom, as on Grafana: a drag across a time chart selects whole buckets, drawn as a band while it lasts, and
  // the page reloads for them with ?from=&to= (every other parameter kept); the server picks finer buckets. A
  // drag shorter than MIN_DRAG is a click (or a tap), which keeps showing the tooltip.
  const MIN_DRAG = 8; // CSS pixels
  const MINUTE = 60000; // the shortest window the server takes, in ms

  function selectedRows(chart, band) {
    const last = chart.data.labels.length - 1;
    const row = function (x) { return Math.max(0, Math.min(last, chart.scales.x.getValueForPixel(x))); };
    const a = row(band.from), b = row(band.to);
    return [Math.min(a, b), Math.max(a, b)];
  }

  function clock(ms, withDate) {
    const text = new Date(ms).toISOString(); // UTC, as every time on the dashboards
    return withDate ? text.slice(5, 10) + " " + text.slice(11, 16) : text.slice(11, 16);
  }

  const zoomBand = {
    id: "chatmonZoomBand",
    afterDraw: function (chart) {
      const band = chart.$zoom;
      if (!band || Math.abs(band.to - band.from) < MIN_DRAG) return;
      const rows = selectedRows(chart, band), periods = band.periods, area = chart.chartArea;
      const x = chart.scales.x, n = chart.data.labels.length;
      const half = n > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) / 2 : area.width / 2;
      const left = Math.max(area.left, x.getPixelForValue(rows[0]) - half);
      const right = Math.min(area.right, x.getPixelForValue(rows[1]) + half);
      const ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = "rgba(65, 118, 144, 0.18)";
      ctx.strokeStyle = "#417690";
      ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
      ctx.strokeRect(left, area.top, right - left, area.bottom - area.top);
      const from = periods[rows[0]][0], to = periods[rows[1]][1];
      const text = clock(from, to - from >= 86400000) + "\u2013" + clock(to, to - from >= 86400000);
      ctx.fillStyle = "#205067";
      ctx.font = "bold 12px " + window.Chart.defaults.font.family;
      ctx.textAlign = left + (right - left) / 2 < area.left + 60 ? "left" : (right > area.right - 60 ? "right" : "center");
      const at = ctx.textAlign === "left" ? left + 4 : (ctx.textAlign === "right" ? right - 4 : (left + right) / 2);
      ctx.fillText(text, at, area.top + 14);
      ctx.restore();
    },
  };

  function zoomTo(periods, rows) {
    let from = periods[rows[0]][0];
    const to = periods[rows[1]][1];
    if (to - from < MINUTE) from = to - MINUTE; // the newest, partial minute alone
    const iso = function (ms) { return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z"); };
    const params = new URLSearchParams(window.location.search);
    params.delete("range");
    params.set("from", iso(from));
    params.set("to", iso(to));
    window.location.search = params.toString();
  }

  function enableZoom(chart, spec, canvas) {
    canvas.classList.add("dash-zoomable");
    const offsetX = function (event) { return event.clientX - canvas.getBoundingClientRect().left; };
    canvas.addEventListener("pointerdown", function (down) {
      const area = chart.chartArea, x = offsetX(down);
      if (!down.isPrimary || down.button !== 0 || x < area.left || x > area.right) return;
      chart.$zoom = { from: x, to: x, periods: spec.periods };
      function move(event) {
        if (event.pointerId !== down.pointerId) return;
        chart.$zoom.to = Math.max(chart.chartArea.left, Math.min(chart.chartArea.right, offsetX(event)));
        chart.draw();
      }
      function end(event) {
        if (event.pointerId !== down.pointerId) return;
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", end);
        window.removeEventListener("pointercancel", end); // a vertical swipe: the browser scrolls instead
        const band = chart.$zoom;
        chart.$zoom = null;
        chart.draw();
        if (event.type === "pointerup" && Math.abs(band.to - band.from) >= MIN_DRAG) zoomTo(spec.periods, selectedRows(chart, band));
      }
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", end);
      window.addEventListener("pointercancel", end);
    });
  }

  function height(spec, narrow) {
    if (spec.horizontal) return Math.min(640, Math.max(140, spec.labels.length * 26 + 50));
    if (spec.kind === "pie") return narrow ? 220 : 260;
    return narrow ? 210 : 260;
  }

  function draw(box) {
    const spec = JSON.parse(box.querySelector("script[type='application/json']").textContent);
    const text = themeColor("--body-fg", "#333");
    const grid = themeColor("--hairline-color", "#e8e8e8");
    box.style.height = height(spec, box.clientWidth < NARROW) + "px";
    const canvas = box.querySelector("canvas");
    const chart = new window.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets: datasets(spec) },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        interaction: spec.kind === "pie" ? { mode: "nearest", intersect: true }
                                          : { mode: "index", intersect: false, axis: spec.horizontal ? "y" : "x" },
        font: { size: 12 },
        plugins: {
          legend: { display: false },
          tooltip: { enabled: false, external: function (context) { showTooltip(context, spec, box); } },
        },
        scales: scales(spec, grid, text),
      },
      plugins: spec.periods ? [zoomBand] : [],
    });
    if (spec.periods) enableZoom(chart, spec, canvas);
    if (spec.kind === "pie" || spec.series.length > 1) legend(chart, spec, box);
    box.dataset.drawn = "true";
  }

  window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  window.Chart.defaults.font.size = 12;
  document.body.classList.add("dash-charts-on");
  document.querySelectorAll(".dash-chart").forEach(function (box) {
    try {
      draw(box);
    } catch (error) {
      box.hidden = true; // the table below still holds every figure
      console.warn("chatmon: chart not drawn", error);
    }
  });
})();

// Draws the report's charts from the JSON block; no network, no eval, no inline handlers.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf"];
  var markerColor = { oom_kill: "#d62728", eviction: "#ff7f0e", trigger: "#9467bd" };
  var axisFont = "12px system-ui, sans-serif";
  function fmtBytes(v) {
    if (v === null || v === undefined) return "-";
    var units = ["B", "Ki", "Mi", "Gi", "Ti", "Pi"], x = Math.abs(v), i = 0;
    while (x >= 1024 && i < units.length - 1) { x /= 1024; i++; }
    return (v < 0 ? "-" : "") + x.toFixed(x >= 100 || i === 0 ? 0 : (x >= 10 ? 1 : 2)) + units[i];
  }
  function fmt(unit, v) { return unit === "bytes" ? fmtBytes(v) : (v === null || v === undefined ? "-" : v.toFixed(2) + "%"); }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  // Time labels in UTC (as the rest of the report), one line each: seconds only when the ticks are
  // closer than a minute, the date only when the ticks are a day or more apart.
  function timeLabel(t, incr) {
    var d = new Date(t * 1000);
    var hm = pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes());
    if (incr >= 86400) return d.getUTCFullYear() + "-" + pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate());
    if (incr < 60) return hm + ":" + pad2(d.getUTCSeconds());
    return hm;
  }
  // Each chart scaled to its own data (a 200 MiB cgroup is not a flat line on a 23 GiB axis), with a
  // little room above and below; a constant series gets a band around it.
  function yRange(u, min, max) {
    if (min === null || max === null || min === undefined || max === undefined) return [0, 1];
    var span = max - min, pad = span > 0 ? span * 0.08 : Math.max(Math.abs(max) * 0.05, 1);
    var lo = min - pad, hi = max + pad;
    if (min >= 0 && lo < 0) lo = 0;
    return [lo, hi];
  }
  var plots = [];
  function syncZoom(src) {
    var x = src.scales.x;
    plots.forEach(function (p) {
      if (p !== src && (p.scales.x.min !== x.min || p.scales.x.max !== x.max)) p.setScale("x", { min: x.min, max: x.max });
    });
  }
  function drawMarkers(u) {
    var ctx = u.ctx, top = u.bbox.top, height = u.bbox.height;
    ctx.save();
    data.markers.forEach(function (m) {
      var x = Math.round(u.valToPos(m.time, "x", true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.strokeStyle = markerColor[m.kind] || "#000";
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.setLineDash(m.kind === "trigger" ? [4, 4] : []);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
    });
    ctx.restore();
  }
  // Where the time labels were drawn (CSS pixels), on the chart's element: lets a test check that no
  // two collide, as a person would.
  function recordTimeLabels(u) {
    var ax = u.axes[0], splits = ax._splits || [], values = ax._values || [];
    var ctx = u.ctx, out = [];
    ctx.save();
    ctx.font = axisFont;
    for (var i = 0; i < splits.length && i < values.length; i++) {
      if (values[i] === null || values[i] === "") continue;
      var x = u.valToPos(splits[i], "x");
      if (x < 0 || x > u.bbox.width / devicePixelRatio) continue;  // valToPos: CSS pixels from the plot's left
      out.push({ text: String(values[i]), x: Math.round(x * 10) / 10, width: Math.ceil(ctx.measureText(String(values[i])).width) });
    }
    ctx.restore();
    u.root.parentNode.setAttribute("data-time-labels", JSON.stringify(out));
  }
  data.charts.forEach(function (ch) {
    var el = document.getElementById("chart-" + ch.id);
    if (!el) return;
    var cols = ch.series.map(function (s) { return s.values.slice(); });
    if (ch.stacked) {
      for (var i = 1; i < cols.length; i++)
        for (var j = 0; j < cols[i].length; j++)
          cols[i][j] = (cols[i][j] || 0) + (cols[i - 1][j] || 0);
    }
    var series = [{}];
    ch.series.forEach(function (s, i) {
      var c = palette[i % palette.length];
      series.push({
        label: s.name + (ch.stacked ? " (stacked)" : ""),
        stroke: c, width: s.dashed ? 1.5 : 2, dash: s.dashed ? [6, 4] : undefined,
        fill: ch.stacked ? c + "40" : undefined,
        points: { show: ch.times.length < 60 },
        value: function (u, v) { return fmt(ch.unit, v); }
      });
    });
    if (ch.stacked) { series = [series[0]].concat(series.slice(1).reverse()); cols.reverse(); }
    var opts = {
      title: ch.title, width: Math.max(el.clientWidth, 600), height: 260,
      cursor: { drag: { x: true, y: false }, sync: { key: "memsleuth" } },
      scales: { x: { time: true }, y: { range: yRange } },
      axes: [
        { space: 90, font: axisFont,
          values: function (u, vals, axisIdx, space, incr) { return vals.map(function (v) { return timeLabel(v, incr); }); } },
        { size: 70, font: axisFont, values: function (u, vals) { return vals.map(function (v) { return fmt(ch.unit, v); }); } }
      ],
      series: series,
      hooks: { draw: [drawMarkers, recordTimeLabels], setScale: [function (u, key) { if (key === "x") syncZoom(u); }] }
    };
    el.setAttribute("data-series", String(ch.series.length));
    plots.push(new uPlot(opts, [ch.times].concat(cols), el));
  });
  document.body.setAttribute("data-charts-drawn", String(plots.length));
})();

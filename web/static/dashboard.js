// Draws the dashboard's charts from the JSON the server embedded in the page.
// Fonts are large so the charts stay readable on a projector.
(function () {
  "use strict";
  var el = document.getElementById("dashboard-data");
  if (!el || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(el.textContent);
  var font = { fontSize: 16 };
  var palette = ["#1f5fa8", "#d9822b", "#2e8b57", "#b23a48", "#6a4c93", "#0f8b8d", "#8a6d3b", "#555555"];
  var charts = [];

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) {
      return;
    }
    var c = echarts.init(node, null, { renderer: "canvas" });
    option.color = palette;
    option.textStyle = font;
    option.animation = false;
    c.setOption(option);
    charts.push(c);
  }

  function names(list) { return (list || []).map(function (x) { return x.name; }); }
  function values(list) { return (list || []).map(function (x) { return x.value; }); }

  // The page sends the series names in its language, and Chinese is the default.
  var labels = data.labels || { received: "受理", closed: "结案" };
  chart("chart-trend", {
    tooltip: { trigger: "axis" },
    legend: { data: [labels.received, labels.closed], textStyle: font },
    grid: { left: 60, right: 30, top: 50, bottom: 50 },
    xAxis: { type: "category", data: data.dates || [], axisLabel: font },
    yAxis: { type: "value", minInterval: 1, axisLabel: font },
    series: [
      { name: labels.received, type: "line", data: data.received || [], lineStyle: { width: 3 }, symbolSize: 7 },
      { name: labels.closed, type: "line", data: data.closed || [], lineStyle: { width: 3 }, symbolSize: 7 }
    ]
  });

  function bars(id, list) {
    var rev = (list || []).slice().reverse();
    chart(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 150, right: 40, top: 20, bottom: 30 },
      xAxis: { type: "value", minInterval: 1, axisLabel: font },
      yAxis: { type: "category", data: names(rev), axisLabel: font },
      series: [{ type: "bar", data: values(rev), label: { show: true, position: "right", fontSize: 15 } }]
    });
  }
  bars("chart-units", data.units);
  bars("chart-tags", data.tags);

  chart("chart-channels", {
    tooltip: { trigger: "item", formatter: "{b}: {c} ({d}%)" },
    legend: { bottom: 0, textStyle: font },
    series: [{
      type: "pie", radius: ["35%", "65%"], data: data.channels || [],
      label: { fontSize: 15, formatter: "{b}\n{d}%" }
    }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  document.body.setAttribute("data-charts", String(charts.length));
})();

/*
 * Page behaviour with no inline scripts (the Content-Security-Policy allows none).
 * Data reaches scripts through Django's json_script: an element
 *   <div class="chart" data-chart="bar" data-chart-source="ID">
 * draws the JSON in <script id="ID" type="application/json"> with ECharts.
 */
(function () {
  "use strict";

  function readJson(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  var chartBuilders = {
    bar: function (data) {
      return {
        grid: { left: 40, right: 16, top: 24, bottom: 64 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: data.categories, axisLabel: { interval: 0, rotate: 30 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "bar", data: data.values, itemStyle: { color: "#b71c1c" } }],
      };
    },
  };

  function drawCharts(root) {
    if (typeof window.echarts === "undefined") {
      return;
    }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var build = chartBuilders[element.dataset.chart];
      var data = readJson(element.dataset.chartSource);
      if (!build || !data) {
        return;
      }
      var chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element);
      chart.setOption(build(data), true);
      element.dataset.chartReady = "true";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(document);
  });
  // Charts inside fragments swapped in by htmx are drawn too.
  document.body.addEventListener("htmx:afterSettle", function (event) {
    drawCharts(event.target);
  });
  window.addEventListener("resize", function () {
    if (typeof window.echarts === "undefined") {
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var chart = window.echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  });
})();

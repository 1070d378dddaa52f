/*
 * The risk heat map of a quarterly review: impact along x, likelihood along y, each cell
 * coloured by the level the review's own matrix gives it and labelled with its number of risks.
 * Data arrives through json_script (no inline scripts under the CSP).
 */
(function () {
  "use strict";

  var LEVEL_COLOURS = ["#c8e6c9", "#fff59d", "#ffb74d", "#e57373"];

  function draw(element) {
    var source = document.getElementById(element.dataset.riskHeatmap);
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    var levels = (element.dataset.levels || "").split(",");
    var chart = window.echarts.getInstanceByDom(element) || window.echarts.init(element);
    chart.setOption({
      tooltip: {
        formatter: function (params) {
          var cell = params.data;
          return element.dataset.yName + " " + data.likelihoods[cell[1]] + " × " + element.dataset.xName + " " +
            data.impacts[cell[0]] + "<br>" + levels[cell[2]] + ": " + cell[3];
        },
      },
      grid: { left: 48, right: 16, top: 16, bottom: 72 },
      xAxis: { type: "category", data: data.impacts, name: element.dataset.xName, nameLocation: "middle", nameGap: 28 },
      yAxis: { type: "category", data: data.likelihoods, name: element.dataset.yName, nameLocation: "middle", nameGap: 32 },
      visualMap: {
        type: "piecewise",
        dimension: 2,
        orient: "horizontal",
        left: "center",
        bottom: 0,
        pieces: levels.map(function (label, index) {
          return { value: index, label: label, color: LEVEL_COLOURS[index] };
        }),
      },
      series: [
        {
          type: "heatmap",
          data: data.cells,
          label: {
            show: true,
            formatter: function (params) {
              return params.data[3] ? String(params.data[3]) : "";
            },
          },
          itemStyle: { borderColor: "#fff", borderWidth: 1 },
        },
      ],
    });
    element.dataset.chartReady = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-risk-heatmap]").forEach(draw);
  });
  // A heat map inside a fragment swapped in by htmx (the dashboard's filters) is drawn too.
  document.addEventListener("htmx:afterSettle", function (event) {
    event.target.querySelectorAll("[data-risk-heatmap]").forEach(draw);
  });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-risk-heatmap]").forEach(function (element) {
      var chart = window.echarts && window.echarts.getInstanceByDom(element);
      if (chart) {
        chart.resize();
      }
    });
  });
})();

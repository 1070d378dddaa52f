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

  var PALETTE = ["#b71c1c", "#e65100", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#546e7a"];

  // ECharts writes its default tooltip as HTML whose markers and rows carry style attributes,
  // which the CSP blocks (leaving "第一议题1" with no marker). The tooltip is built from DOM
  // nodes instead: classes for the layout (app.css), and the one colour per marker set through
  // CSSOM (element.style), which the CSP allows.
  function element(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function markerColour(color) {
    return typeof color === "string" ? color : PALETTE[0];
  }

  function tooltipContent(params) {
    var rows = Array.isArray(params) ? params : [params];
    var box = element("div", "chart-tooltip-body");
    if (!rows.length) {
      return box;
    }
    box.appendChild(element("div", "chart-tooltip-title", rows[0].axisValueLabel || rows[0].name));
    rows.forEach(function (row) {
      var line = element("div", "chart-tooltip-row");
      var marker = element("span", "chart-marker");
      marker.setAttribute("aria-hidden", "true");
      marker.style.backgroundColor = markerColour(row.color);
      line.appendChild(marker);
      // An unnamed series is called "series\u00000" by ECharts: nothing a reader should see.
      var name = /^series\u0000/.test(row.seriesName || "") ? "" : row.seriesName;
      line.appendChild(element("span", "chart-tooltip-name", name || ""));
      var value = Array.isArray(row.value) ? row.value[row.value.length - 1] : row.value;
      line.appendChild(element("span", "chart-tooltip-value", value == null ? "—" : String(value)));
      box.appendChild(line);
    });
    return box;
  }

  function tooltip() {
    return { trigger: "axis", className: "chart-tooltip", formatter: tooltipContent };
  }

  var chartBuilders = {
    // Stacked columns, one series per kind; data.links[series][index] is the records behind a bar.
    stacked: function (data) {
      return {
        color: PALETTE,
        grid: { left: 40, right: 16, top: 40, bottom: 32 },
        tooltip: tooltip(),
        legend: { top: 0, type: "scroll" },
        xAxis: { type: "category", data: data.categories },
        yAxis: { type: "value", minInterval: 1 },
        series: data.series.map(function (item) {
          return { name: item.name, type: "bar", stack: "total", data: item.values, cursor: "pointer" };
        }),
      };
    },
    // Horizontal bars, best first; a highlighted bar is the chosen section.
    hbar: function (data) {
      var categories = data.categories.slice().reverse();
      var values = data.values.slice().reverse();
      var highlight = (data.highlight || []).slice().reverse();
      return {
        grid: { left: 72, right: 24, top: 8, bottom: 24 },
        tooltip: tooltip(),
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", data: categories },
        series: [
          {
            type: "bar",
            data: values.map(function (value, index) {
              return { value: value, itemStyle: { color: highlight[index] ? "#1565c0" : "#b71c1c" } };
            }),
          },
        ],
      };
    },
    bar: function (data) {
      return {
        grid: { left: 40, right: 16, top: 24, bottom: 64 },
        tooltip: tooltip(),
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
      if (data.links) {
        // Following a bar leads to the records it counts.
        chart.off("click");
        chart.on("click", function (params) {
          var row = data.links[params.seriesIndex];
          if (row && row[params.dataIndex]) {
            window.location.assign(row[params.dataIndex]);
          }
        });
      }
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

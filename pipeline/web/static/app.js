// The console's only script: ECharts charts from JSON embedded in the page or fetched from /api/, refreshed in
// place (no page reloads, no growing memory on a wall screen), and the CSRF token for fetch() calls.
"use strict";

const yuqing = (() => {
  const charts = new Map();

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Draw (or redraw) the chart of an element: `options` is an ECharts option object.
  function draw(element, options) {
    let chart = charts.get(element);
    if (!chart) {
      chart = echarts.init(element, null, { renderer: "canvas" });
      charts.set(element, chart);
      window.addEventListener("resize", () => chart.resize());
    }
    chart.setOption(options, { notMerge: true });
    element.dataset.drawn = "1";
    return chart;
  }

  async function getJSON(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body || {}),
    });
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }

  // Call `refresh` now and every `data-refresh` seconds; one timer per page, never more.
  function every(refresh) {
    const seconds = Number(document.body.dataset.refresh || 60);
    refresh();
    return window.setInterval(refresh, seconds * 1000);
  }

  // The charts more than one page draws: a title that says "no data" over an empty chart, the severity ring and
  // the category bars (largest on top).
  const severityColours = { critical: "#82071e", major: "#cf222e", minor: "#f0a30a", none: "#d0d7de", unscored: "#eaeef2" };

  function noData(items, text) {
    return items.length ? { show: false } : { text, left: "center", top: "middle", textStyle: { color: "#888" } };
  }

  function severityRing(slices, noDataText) {
    return {
      animation: false,
      title: noData(slices, noDataText),
      tooltip: { trigger: "item" },
      legend: { bottom: 0 },
      series: [
        {
          type: "pie",
          radius: ["35%", "65%"],
          label: { formatter: "{b}: {c}" },
          data: slices.map((slice) => ({
            name: slice.label,
            value: slice.count,
            itemStyle: { color: severityColours[slice.key] },
          })),
        },
      ],
    };
  }

  function categoryBars(slices, noDataText, colour) {
    const largestOnTop = [...slices].reverse();
    return {
      animation: false,
      title: noData(largestOnTop, noDataText),
      tooltip: { trigger: "axis" },
      grid: { left: 90, right: 40, top: 16, bottom: 28 },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: largestOnTop.map((slice) => slice.label) },
      series: [
        {
          type: "bar",
          data: largestOnTop.map((slice) => slice.count),
          itemStyle: { color: colour },
          label: { show: true, position: "right" },
        },
      ],
    };
  }

  return { draw, getJSON, post, every, csrfToken, noData, severityRing, categoryBars };
})();

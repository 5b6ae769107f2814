// The incident page's chart: a cascade's observed cumulative reposts, the final size SEISMIC forecast at each
// moment, and a dashed projection to the forecast 24-h size; a surge's hourly volume. The incident's timeline
// (opened, escalated, acknowledged, resolved) marks the time axis. The data come embedded in the page; while
// the incident is not resolved they are fetched again from /api/ every refresh period.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("incident-chart");
  const embedded = document.getElementById("incident-data");
  if (!element || !embedded) return;
  const data = JSON.parse(embedded.textContent);

  function eventMarks(events) {
    return {
      symbol: "none",
      silent: true,
      lineStyle: { color: "#8c959f", type: "dotted" },
      label: { formatter: (mark) => mark.name, position: "insideEndTop", fontSize: 11 },
      data: events.map(([at, name]) => ({ xAxis: at, name })),
    };
  }

  function cascadeSeries(chart) {
    const labels = chart.labels || {};
    return [
      {
        name: labels.observed,
        type: "line",
        step: "end",
        showSymbol: false,
        lineStyle: { width: 2, color: "#0969da" },
        itemStyle: { color: "#0969da" },
        data: chart.observed,
        markLine: eventMarks(chart.events),
      },
      {
        name: labels.forecast,
        type: "line",
        showSymbol: false,
        lineStyle: { width: 1, type: "dashed", color: "#bf8700" },
        itemStyle: { color: "#bf8700" },
        data: chart.forecast,
      },
      {
        name: labels.projection,
        type: "line",
        symbolSize: 6,
        lineStyle: { width: 2, type: "dashed", color: "#cf222e" },
        itemStyle: { color: "#cf222e" },
        endLabel: { show: true, formatter: (point) => Math.round(point.value[1]).toLocaleString() },
        data: chart.projection,
      },
    ];
  }

  function volumeSeries(chart) {
    const labels = chart.labels || {};
    return [{ name: labels.counts, type: "bar", itemStyle: { color: "#cf222e" }, data: chart.counts, markLine: eventMarks(chart.events) }];
  }

  function option(chart) {
    return {
      useUTC: true, // the times are the console's wall clock, written as UTC (see pipeline/web/incident_chart.py)
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 32 },
      xAxis: { type: "time" },
      yAxis: { type: "value", min: 0, name: (chart.labels || {}).axis },
      series: chart.kind === "cascade" ? cascadeSeries(chart) : volumeSeries(chart),
    };
  }

  yuqing.draw(element, option(data.chart));
  if (data.live) {
    const url = `/api/incidents/${encodeURIComponent(data.id)}`;
    yuqing.every(async () => {
      try {
        const fresh = await yuqing.getJSON(url);
        yuqing.draw(element, option(fresh.chart));
      } catch (error) {
        console.warn(error); // the chart keeps its last data; the next period tries again
      }
    });
  }
});

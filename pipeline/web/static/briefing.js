// The briefing page's charts, drawn from the briefing embedded in the page: eight days of volume and negative
// share, the day's posts per hour by sentiment, and the day's posts by severity and by category.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const embedded = JSON.parse(document.getElementById("briefing-data").textContent);
  const briefing = embedded.briefing;
  const words = embedded.words;
  const sentimentColours = { negative: "#cf222e", neutral: "#9e9e9e", positive: "#1a7f37", unscored: "#d0d7de" };
  const severityColours = { critical: "#82071e", major: "#cf222e", minor: "#f0a30a", none: "#d0d7de", unscored: "#eaeef2" };
  const noData = (items) =>
    items.length ? { show: false } : { text: words.no_data, left: "center", top: "middle", textStyle: { color: "#888" } };

  yuqing.draw(document.getElementById("chart-volume"), {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 36, bottom: 28 },
    xAxis: { type: "category", data: briefing.days.map((day) => day.day.slice(5)) },
    yAxis: [
      { type: "value", minInterval: 1 },
      { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
    ],
    series: [
      { name: words.mentions, type: "bar", data: briefing.days.map((day) => day.mentions), itemStyle: { color: "#9ec5f0" } },
      {
        name: words.negative_share,
        type: "line",
        yAxisIndex: 1,
        data: briefing.days.map((day) => (day.negative_share === null ? null : +(day.negative_share * 100).toFixed(1))),
        itemStyle: { color: "#cf222e" },
      },
    ],
  });

  yuqing.draw(document.getElementById("chart-hourly"), {
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 44, right: 16, top: 36, bottom: 28 },
    xAxis: { type: "category", data: briefing.hourly.map((hour) => `${String(hour.hour).padStart(2, "0")}:00`) },
    yAxis: { type: "value", minInterval: 1 },
    series: Object.keys(sentimentColours).map((sentiment) => ({
      name: words[sentiment],
      type: "bar",
      stack: "sentiment",
      data: briefing.hourly.map((hour) => hour[sentiment]),
      itemStyle: { color: sentimentColours[sentiment] },
    })),
  });

  yuqing.draw(document.getElementById("chart-severity"), {
    animation: false,
    title: noData(briefing.severity),
    tooltip: { trigger: "item" },
    legend: { bottom: 0 },
    series: [
      {
        type: "pie",
        radius: ["35%", "65%"],
        label: { formatter: "{b}: {c}" },
        data: briefing.severity.map((slice) => ({
          name: slice.label,
          value: slice.count,
          itemStyle: { color: severityColours[slice.key] },
        })),
      },
    ],
  });

  const categories = [...briefing.category].reverse(); // the largest on top
  yuqing.draw(document.getElementById("chart-category"), {
    animation: false,
    title: noData(categories),
    tooltip: { trigger: "axis" },
    grid: { left: 90, right: 40, top: 16, bottom: 28 },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: { type: "category", data: categories.map((slice) => slice.label) },
    series: [
      {
        type: "bar",
        data: categories.map((slice) => slice.count),
        itemStyle: { color: "#6e7781" },
        label: { show: true, position: "right" },
      },
    ],
  });
});

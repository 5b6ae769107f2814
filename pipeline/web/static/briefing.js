// The briefing page's charts, drawn from the briefing embedded in the page: eight days of volume and negative
// share, the day's posts per hour by sentiment, and the day's posts by severity and by category.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const embedded = JSON.parse(document.getElementById("briefing-data").textContent);
  const briefing = embedded.briefing;
  const words = embedded.words;
  const sentimentColours = { negative: "#cf222e", neutral: "#9e9e9e", positive: "#1a7f37", unscored: "#d0d7de" };

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

  yuqing.draw(document.getElementById("chart-severity"), yuqing.severityRing(briefing.severity, words.no_data));
  yuqing.draw(document.getElementById("chart-category"), yuqing.categoryBars(briefing.category, words.no_data, "#6e7781"));
});

// The post page: its metric snapshots as a line chart, and a correction form whose severity and category are
// off while "not a complaint" is chosen (the server records none for both then).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const data = JSON.parse(document.getElementById("snapshot-data").textContent);
  const chart = document.getElementById("snapshot-chart");
  if (chart) {
    yuqing.draw(chart, {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.times, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: data.series.map((series) => ({ ...series, type: "line", symbolSize: 8, showAllSymbol: true })),
    });
  }

  const form = document.getElementById("correction");
  const complaint = form.elements.complaint;
  const followers = [form.elements.severity, form.elements.category];
  const follow = () => followers.forEach((select) => { select.disabled = complaint.value === "0"; });
  complaint.addEventListener("change", follow);
  follow();
});

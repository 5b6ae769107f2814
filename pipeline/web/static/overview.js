// The overview page: draws its charts from the figures embedded in the page, then every `refresh_s` seconds fetches
// /api/overview with the page's own filters and redraws charts, cards and tables in place (the same chart
// instances, rows replaced), so that a wall screen can show it for days. Strangers' text only ever becomes text
// nodes; links are our own paths or URLs the server checked.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const embedded = JSON.parse(document.getElementById("overview-data").textContent);
  const words = embedded.words;
  const api = "/api/overview" + window.location.search;
  const numbers = new Intl.NumberFormat(document.documentElement.lang);

  const percent = (share) => (share === null ? "–" : `${(share * 100).toFixed(1)}%`);
  const noData = (items) => yuqing.noData(items, words.no_data);

  function trendOption(data) {
    const points = data.trend;
    const total = points.reduce((sum, point) => sum + point.mentions, 0);
    return {
      animation: false,
      title: total ? { show: false } : noData([]),
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 56, right: 56, top: 40, bottom: 32 },
      xAxis: { type: "category", data: points.map((point) => point.label) },
      yAxis: [
        { type: "value", minInterval: 1 },
        { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" }, splitLine: { show: false } },
      ],
      series: [
        { name: words.mentions, type: "bar", data: points.map((point) => point.mentions), itemStyle: { color: "#9ec5f0" } },
        {
          name: words.negative,
          type: "bar",
          barGap: "-100%", // drawn over the mentions of the same bucket
          data: points.map((point) => point.negative),
          itemStyle: { color: "#f4a3a3" },
        },
        { name: words.complaints, type: "line", data: points.map((point) => point.complaints), itemStyle: { color: "#cf222e" } },
        {
          name: words.negative_share,
          type: "line",
          yAxisIndex: 1,
          data: points.map((point) => (point.negative_share === null ? null : +(point.negative_share * 100).toFixed(1))),
          itemStyle: { color: "#6e4b00" },
          lineStyle: { type: "dashed" },
        },
      ],
    };
  }

  const severityOption = (data) => yuqing.severityRing(data.severity, words.no_data);
  const categoryOption = (data) => yuqing.categoryBars(data.category, words.no_data, "#cf222e");

  function cell(content, className) {
    const td = document.createElement("td");
    if (className) td.className = className;
    td.append(...[content].flat()); // strings become text nodes, never markup
    return td;
  }

  function link(text, href) {
    const anchor = document.createElement("a");
    anchor.href = href;
    anchor.textContent = text;
    return anchor;
  }

  function fillRows(tbody, items, toCells, emptyText, columns) {
    if (!items.length) {
      const empty = cell(emptyText, "muted");
      empty.colSpan = columns;
      const row = document.createElement("tr");
      row.append(empty);
      tbody.replaceChildren(row);
      return;
    }
    tbody.replaceChildren(
      ...items.map((item) => {
        const row = document.createElement("tr");
        row.append(...toCells(item));
        return row;
      }),
    );
  }

  function incidentCells(incident) {
    return [
      cell(link(incident.priority, incident.page), incident.priority),
      cell(incident.status_label, `status-${incident.status}`),
      cell(incident.kind_label),
      cell(incident.opened),
      cell(link(incident.reason, incident.page), "text"),
      cell(numbers.format(incident.posts), "num"),
    ];
  }

  function complaintCells(post) {
    const text = [link(post.text, post.page)];
    if (post.original) {
      const original = link(words.original, post.original);
      original.className = "muted";
      original.rel = "noopener noreferrer";
      original.target = "_blank";
      text.push(" ", original);
    }
    return [
      cell(text, "text"),
      cell(post.author),
      cell(post.time),
      cell(numbers.format(post.reposts), "num"),
      cell(numbers.format(post.comments), "num"),
      cell(post.severity || "–"),
      cell(post.category || "–"),
    ];
  }

  function render(data) {
    yuqing.draw(document.getElementById("chart-trend"), trendOption(data));
    yuqing.draw(document.getElementById("chart-severity"), severityOption(data));
    yuqing.draw(document.getElementById("chart-category"), categoryOption(data));
    for (const element of document.querySelectorAll("[data-total]")) {
      const value = data.totals[element.dataset.total];
      element.textContent = element.dataset.total === "negative_share" ? percent(value) : numbers.format(value);
    }
    document.getElementById("open-incidents-card").classList.toggle("alarm", data.totals.open_incidents > 0);
    if (data.responses) {
      for (const [card, field] of [["response-rate-card", "reply_rate_text"], ["response-median-card", "median_text"]]) {
        const value = document.querySelector(`#${card} .value`);
        if (value) value.textContent = data.responses[field];
      }
    }
    fillRows(document.getElementById("incident-rows"), data.incidents, incidentCells, words.no_incidents, 6);
    fillRows(document.getElementById("complaint-rows"), data.top_complaints, complaintCells, words.no_complaints, 7);
    document.getElementById("overview-window").textContent = data.window;
    document.getElementById("overview-updated").textContent = words.updated.replace("{time}", data.updated);
    document.getElementById("overview-meta").classList.remove("stale");
  }

  let shown = embedded.overview;
  let first = true;
  let busy = false;
  yuqing.every(async () => {
    if (busy) return; // a slow answer: skip a beat rather than pile requests up
    busy = true;
    try {
      if (!first) shown = await yuqing.getJSON(api);
      first = false;
      render(shown);
    } catch (error) {
      document.getElementById("overview-updated").textContent = words.stale.replace("{time}", shown.updated);
      document.getElementById("overview-meta").classList.add("stale");
    } finally {
      busy = false;
    }
  });
});

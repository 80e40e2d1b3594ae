// Scorecard pages: the Airflow UI's default time zone, forms, and the charts drawn from the app's JSON.
(() => {
  "use strict";

  // The Airflow UI keeps its chosen zone in localStorage (same origin as these pages), JSON-encoded; when
  // nobody chose one yet, make the bureau's zone the UI's default rather than the browser's.
  const ZONE_KEY = "timezone";
  try {
    if (window.localStorage.getItem(ZONE_KEY) === null) {
      window.localStorage.setItem(ZONE_KEY, JSON.stringify(document.body.dataset.zone));
    }
  } catch (refused) {
    // storage refused (private browsing, blocked cookies): the UI keeps the browser's zone
  }

  // A filter left empty ("all", "latest") is not sent: the server reads "version=" as a malformed number.
  document.querySelectorAll("form.filters").forEach((form) => {
    form.addEventListener("formdata", (event) => {
      [...event.formData.entries()].forEach(([name, value]) => {
        if (value === "") event.formData.delete(name);
      });
    });
  });

  // A select that names another field (data-resets) clears it when changed: a new period's versions
  // are not the old period's.
  document.querySelectorAll("select[data-resets]").forEach((select) => {
    select.addEventListener("change", () => {
      const other = select.form.elements[select.dataset.resets];
      if (other) other.value = "";
    });
  });

  const COMPLETION = "#4c72b0";
  const EXPECTED = "#dd8452";
  const percent = (rate) => (rate === null || rate === undefined ? null : Math.round(rate * 1000) / 10);
  const shown = (value) => (value === null || value === undefined ? "—" : value.toFixed(1) + "%");
  const short = (text) => (text.length > 7 ? text.slice(0, 7) + "…" : text);
  const fromZero = { range: (u, min, max) => [0, Math.max(100, Math.ceil((max || 0) / 10) * 10)] };

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then((r) => {
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      return r.json();
    });
  }

  function note(el, text) {
    el.textContent = "";
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = text;
    el.appendChild(p);
  }

  function plot(el, options, data) {
    el.textContent = "";
    const height = () => (window.innerWidth < 640 ? 260 : 320);
    const chart = new uPlot({ width: el.clientWidth, height: height(), ...options }, data, el);
    new ResizeObserver(() => chart.setSize({ width: el.clientWidth, height: height() })).observe(el);
    return chart;
  }

  // This month: the city's completion (bars) against 序时进度 (points), indicator by indicator. The series
  // are named in the page's words (data-completion, data-expected), as are a unit's year's below.
  function cityChart(el) {
    fetchJson(el.dataset.src).then((doc) => {
      const at = Object.fromEntries(doc.fields.map((name, i) => [name, i]));
      const names = Object.fromEntries(doc.indicators.map((i) => [i[0], i[1]]));
      const rows = doc.rows.filter((r) => r[at.completion_rate] !== null || r[at.expected_rate] !== null);
      if (!rows.length) return note(el, "全市暂无可绘制的数据 / nothing to chart");
      const labels = rows.map((r) => names[r[at.indicator_code]] || r[at.indicator_code]);
      const x = rows.map((_, i) => i);
      // On a phone an indicator has some 18 px of axis: slanted labels would overlap, upright ones fit.
      // Slanted, the last label runs past the last bar: room on the right for it.
      const upright = el.clientWidth / labels.length < 40;
      plot(el, {
        padding: [null, upright ? null : 72, null, null],
        scales: { x: { time: false, range: (u, min, max) => [min - 0.6, max + 0.6] }, y: fromZero },
        series: [
          { label: "指标", value: (u, i) => (i === null ? "—" : labels[i]) },
          { label: el.dataset.completion, fill: COMPLETION, stroke: COMPLETION, value: (u, v) => shown(v),
            paths: uPlot.paths.bars({ size: [0.6, 48] }), points: { show: false } },
          { label: el.dataset.expected, stroke: EXPECTED, width: 0, value: (u, v) => shown(v),
            paths: () => null, points: { show: true, size: 11, fill: EXPECTED } },
        ],
        axes: [
          { splits: () => x, values: (u, splits) => splits.map((i) => short(labels[i] || "")),
            rotate: upright ? -90 : -40, size: upright ? 104 : 96, gap: 4 },
          { values: (u, splits) => splits.map((v) => v + "%"), size: 56 },
        ],
      }, [x, rows.map((r) => percent(r[at.completion_rate])), rows.map((r) => percent(r[at.expected_rate]))]);
    }).catch((error) => note(el, "图表无法加载 / chart unavailable: " + error.message));
  }

  // A unit's year: completion and 序时进度 month by month, for the indicator chosen beside the chart.
  function unitChart(el) {
    const select = document.getElementById(el.dataset.select);
    fetchJson(el.dataset.src).then((doc) => {
      const months = doc.months;
      const draw = () => {
        const indicator = doc.indicators.find((i) => i.indicator_code === select.value) || doc.indicators[0];
        if (!indicator) return note(el, "暂无指标 / no indicator");
        plot(el, {
          scales: { x: { time: false, range: [0.5, 12.5] }, y: fromZero },
          series: [
            { label: "月份", value: (u, m) => (m === null ? "—" : m + "月") },
            { label: el.dataset.completion, stroke: COMPLETION, width: 2, value: (u, v) => shown(v),
              points: { show: true, size: 7, fill: COMPLETION } },
            { label: el.dataset.expected, stroke: EXPECTED, width: 2, dash: [6, 4], value: (u, v) => shown(v),
              points: { show: true, size: 6, fill: EXPECTED } },
          ],
          axes: [
            { splits: () => months, values: (u, splits) => splits.map((m) => m + "月") },
            { values: (u, splits) => splits.map((v) => v + "%"), size: 56 },
          ],
        }, [months, indicator.completion_rate.map(percent), indicator.expected_rate.map(percent)]);
      };
      select.addEventListener("change", draw);
      draw();
    }).catch((error) => note(el, "图表无法加载 / chart unavailable: " + error.message));
  }

  const charts = { city: cityChart, unit: unitChart };
  document.querySelectorAll("[data-chart]").forEach((el) => {
    if (typeof uPlot === "undefined") return note(el, "图表库未加载 / charting library not loaded");
    charts[el.dataset.chart](el);
  });
})();

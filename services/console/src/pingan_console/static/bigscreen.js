// The big screen (指挥大屏): the county map and the call trend, drawn with ECharts from the
// figures the server rendered into #bs-data (refreshed by htmx every few seconds), and a clock.
(function () {
  "use strict";
  var MAP = "qingshan";
  var charts = { map: null, trend: null };
  var last = "";

  function data() {
    var holder = document.getElementById("bs-data");
    if (!holder) return null;
    try { return JSON.parse(holder.dataset.charts || "{}"); } catch (e) { return null; }
  }

  function points(items, size) {
    return items.map(function (p) {
      return { name: p.name, value: p.value, symbolSize: size,
        itemStyle: { color: p.colour, borderColor: "#06111f", borderWidth: 2 } };
    });
  }

  function drawMap(d) {
    var values = d.townships.map(function (t) { return t.value || 0; });
    var max = Math.max.apply(null, values.concat([1]));
    charts.map.setOption({
      tooltip: { trigger: "item", textStyle: { fontSize: 18 },
        formatter: function (p) {
          if (p.seriesType === "map") return p.name + "<br>今日派单 " + (p.value == null || isNaN(p.value) ? "—" : p.value);
          return p.seriesName + "<br>" + p.name;
        } },
      legend: { bottom: 8, right: 12, orient: "vertical", textStyle: { color: "#dbe8ff", fontSize: 18 },
        data: ["今日工单", "未关闭预警"] },
      visualMap: { type: "continuous", min: 0, max: max, seriesIndex: 0, left: 12, bottom: 8,
        text: ["派单多", "少"], calculable: false, itemHeight: 120,
        textStyle: { color: "#dbe8ff", fontSize: 16 },
        inRange: { color: ["#15395e", "#1f6fb2", "#36a3ff"] } },
      geo: { map: MAP, roam: false, layoutCenter: ["50%", "50%"], layoutSize: "96%",
        label: { show: true, color: "#f2f7ff", fontSize: 20, fontWeight: "bold",
          textBorderColor: "#0b1a2e", textBorderWidth: 3 },
        itemStyle: { areaColor: "#15395e", borderColor: "#7cc4ff", borderWidth: 2 },
        emphasis: { label: { color: "#ffffff" }, itemStyle: { areaColor: "#2b88d8" } } },
      series: [
        { type: "map", name: "乡镇", geoIndex: 0, data: d.townships },
        { type: "scatter", name: "今日工单", coordinateSystem: "geo", zlevel: 1,
          data: points(d.tickets, 12), itemStyle: { color: "#f4fbff" } },
        { type: "effectScatter", name: "未关闭预警", coordinateSystem: "geo", zlevel: 2,
          rippleEffect: { scale: 3, brushType: "stroke" },
          data: points(d.alerts, 18), itemStyle: { color: "#ff4d4f" } }
      ]
    }, { replaceMerge: ["series"] });
    var note = document.getElementById("bs-map-note");
    if (note) note.textContent = d.note;  // written by the server (view.map_note)
  }

  function drawTrend(t) {
    var el = document.getElementById("bs-trend");
    var empty = document.getElementById("bs-trend-empty");
    var has = t.days.length > 0;
    el.hidden = !has;
    empty.hidden = has;
    empty.textContent = has ? "" : "暂无数据" + (t.note ? "（" + t.note + "）" : "");
    if (!has) return;
    if (!charts.trend) charts.trend = echarts.init(el);
    charts.trend.setOption({
      grid: { left: 56, right: 24, top: 24, bottom: 40 },
      tooltip: { trigger: "axis", textStyle: { fontSize: 18 } },
      xAxis: { type: "category", data: t.days, axisLabel: { color: "#b9cde8", fontSize: 16 },
        axisLine: { lineStyle: { color: "#3d5a80" } } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { color: "#b9cde8", fontSize: 16 },
        splitLine: { lineStyle: { color: "#1e3556" } } },
      series: [{ type: "line", name: "来电", data: t.calls, smooth: true, symbolSize: 8,
        lineStyle: { width: 3, color: "#36cfc9" }, itemStyle: { color: "#36cfc9" },
        areaStyle: { color: "rgba(54,207,201,0.18)" } }]
    });
    charts.trend.resize();
  }

  function redraw() {
    var holder = document.getElementById("bs-data");
    var raw = holder ? holder.dataset.charts : "";
    if (!raw || raw === last) return;
    var d = data();
    if (!d) return;
    last = raw;
    if (charts.map) drawMap(d.map);
    drawTrend(d.trend);
  }

  function tick() {
    var clock = document.getElementById("bs-clock");
    if (!clock) return;
    clock.textContent = new Date().toLocaleString("zh-CN", { timeZone: "Asia/Shanghai",
      year: "numeric", month: "2-digit", day: "2-digit", weekday: "short",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function start() {
    var el = document.getElementById("bs-map");
    if (!el || !window.echarts) return;
    tick();
    setInterval(tick, 1000);
    fetch(el.dataset.mapUrl, { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (geo) {
        echarts.registerMap(MAP, geo);
        charts.map = echarts.init(el);
        last = "";
        redraw();
        el.dataset.ready = "true";
      })
      .catch(function () { el.textContent = "地图加载失败，请刷新页面"; });
    drawTrend((data() || { trend: { days: [], calls: [] } }).trend);
    // htmx replaces #bs-data out of band on every refresh: redraw when it changes.
    new MutationObserver(redraw).observe(document.querySelector(".bs-status"),
      { childList: true, subtree: true, attributes: true });
    window.addEventListener("resize", function () {
      if (charts.map) charts.map.resize();
      if (charts.trend) charts.trend.resize();
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();

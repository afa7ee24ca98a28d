// まどぐちナビ 職員コンソール: the analytics dashboard. Reads /staff/dashboard/data for the chosen days and
// draws every chart (Chart.js, served by the console) and table; text goes on the page with textContent only.
(function () {
  "use strict";

  var SMALL = 5;
  var FONT = '"Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic UI", "Meiryo", sans-serif';
  var COLORS = {
    blue: "#0b57a4", orange: "#d9822b", green: "#2e7d32", red: "#c62828", purple: "#6a3d9a",
    teal: "#00838f", gray: "#6b7785", brown: "#8d5a2b"
  };
  var SERIES = [COLORS.blue, COLORS.orange, COLORS.green, COLORS.red, COLORS.purple, COLORS.teal, COLORS.brown,
                COLORS.gray];
  var TOP_TOPICS = 10;
  var STEP_WORDS = 9;
  var charts = {};
  var current = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  // The same rule as the tables: 1-4 is 「5未満」 (tooltips of the charts use it too).
  function shownCount(n) {
    return n > 0 && n < SMALL ? "5未満" : Number(n).toLocaleString("ja-JP");
  }

  function isNumber(value) {
    return typeof value === "number" || (value !== null && typeof value === "object");
  }

  // --- loading -----------------------------------------------------------------------------
  function load(from, to) {
    var error = document.getElementById("load-error");
    var label = document.getElementById("period-label");
    label.textContent = "読み込んでいます…";
    document.body.setAttribute("data-loading", "1");
    var url = "/staff/dashboard/data?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to);
    return fetch(url, {credentials: "same-origin", headers: {Accept: "application/json"}}).then(function (resp) {
      if (resp.status === 401) {
        window.location.href = "/staff/login";
        throw new Error("ログインが切れました。");
      }
      return resp.json().catch(function () { return {}; }).then(function (body) {
        if (!resp.ok) { throw new Error(body.message || ("エラー " + resp.status)); }
        return body;
      });
    }).then(function (data) {
      error.hidden = true;
      current = data;
      draw(data);
      var query = "?from=" + data.period.from + "&to=" + data.period.to;
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, "", "/staff/dashboard" + query);
      }
    }).catch(function (err) {
      error.textContent = "集計を読み込めませんでした：" + err.message;
      error.hidden = false;
      label.textContent = "";
    }).then(function () {
      document.body.removeAttribute("data-loading");
    });
  }

  function draw(data) {
    var tables = data.tables;
    document.getElementById("period-label").textContent =
      "集計の期間：" + data.period.label + "（" + data.period.days + "日間）";
    Object.keys(tables).forEach(function (id) {
      fillTable(tables[id]);
      document.querySelectorAll('a.csv[data-table="' + id + '"]').forEach(function (link) {
        link.href = tables[id].csv;
      });
    });
    drawCards(tables.summary);
    drawDaily(tables.daily);
    drawChannels(tables.channels);
    drawFallback(tables.fallback);
    drawTopics(tables.topics, data.not_procedures);
    drawReasons(tables.handoff_reasons);
    fillGuideSelect(tables.guides);
    drawGuide();
    drawSatisfaction(tables.satisfaction);
  }

  // --- tables ------------------------------------------------------------------------------
  function fillTable(table) {
    var box = document.querySelector('[data-table-body="' + table.id + '"]');
    if (!box) { return; }
    box.textContent = "";
    var note = document.querySelector('[data-table-note="' + table.id + '"]');
    if (note) { note.textContent = table.values.length ? (table.note || "") : ""; }
    if (!table.values.length) {
      box.appendChild(el("p", "table-empty", box.getAttribute("data-empty")));
      return;
    }
    var heat = table.id === "heat_map";
    var node = el("table", "dash-table " + table.id.replace(/_/g, "-") + "-table" + (heat ? " heat" : ""));
    var head = el("tr");
    table.columns.forEach(function (column, i) {
      var th = el("th", null, heat && i > 0 && i <= 24 ? String(i - 1) : column);
      th.scope = "col";
      if (i > 0 && table.values.some(function (row) { return isNumber(row[i]); })) { th.className = "n"; }
      if (heat && i > 0 && i <= 24) { th.title = column; }
      head.appendChild(th);
    });
    node.appendChild(el("thead")).appendChild(head);
    var body = node.appendChild(el("tbody"));
    table.values.forEach(function (row, r) {
      var tr = el("tr", table.keys[r] === "total" ? "total" : null);
      row.forEach(function (value, c) {
        var text = table.shown[r][c];
        var cell = el(c === 0 ? "th" : "td", null, text);
        if (c === 0) { cell.scope = "row"; }
        var classes = [];
        if (c > 0 && isNumber(value)) { classes.push("n"); }
        if (text === "5未満") { classes.push("small"); }
        if (table.id === "themes" && c >= 3) { classes.push("example"); }
        if (heat && table.shades[r][c]) { classes.push(table.shades[r][c]); }
        if (heat && text === "0") { cell.textContent = ""; cell.setAttribute("aria-label", "0"); }
        if (classes.length) { cell.className = classes.join(" "); }
        tr.appendChild(cell);
      });
      body.appendChild(tr);
    });
    box.appendChild(node);
    if (heat) { box.appendChild(heatLegend()); }
  }

  function heatLegend() {
    var legend = el("div", "heat-legend heat");
    legend.appendChild(el("strong", null, "色の濃さ："));
    [["h0", "なし"], ["h1", "5未満"], ["h2", "少ない"], ["h3", "中くらい"], ["h4", "多い"]].forEach(function (p) {
      legend.appendChild(el("span", p[0], p[1]));
    });
    return legend;
  }

  function drawCards(summary) {
    var box = document.getElementById("cards");
    box.textContent = "";
    var r = {};  // the summary's rows by key
    summary.keys.forEach(function (key, i) { r[key] = {shown: summary.shown[i], values: summary.values[i]}; });
    // The detail is a list of pieces that each stay on one line (a line breaks only between them).
    function card(label, value, pieces) {
      var node = el("div", "card");
      node.appendChild(el("div", "label", label));
      node.appendChild(el("div", "value", value));
      var detail = node.appendChild(el("div", "detail"));
      pieces.forEach(function (piece, i) {
        if (i) { detail.appendChild(document.createTextNode(" ")); }
        detail.appendChild(el("span", "piece", piece));
      });
      box.appendChild(node);
    }
    card("会話の数", r.conversations.shown[1], ["住民のメッセージ", r.messages.shown[1] + " 件"]);
    card("ナビだけで終わった", r.containment.shown[3],
         ["会話 " + r.containment.shown[2] + " 件のうち", r.containment.shown[1] + " 件"]);
    card("職員へ引き継いだ", r.handoff.shown[3], ["会話 " + r.handoff.shown[2] + " 件のうち", r.handoff.shown[1] + " 件"]);
    card("読み取れなかった質問", r.fallback.shown[3], ["入力された質問", r.fallback.shown[2] + " 件のうち"]);
    card("案内を最後まで", r.guides_completed.shown[3], ["始めた " + r.guides_completed.shown[2] + " 件のうち"]);
    card("引き継ぎ後の満足度", r.satisfaction_mean.shown[1],
         ["1〜5の平均", "（回答 " + r.satisfaction_rated.shown[1] + " 件）"]);
  }

  // --- charts ------------------------------------------------------------------------------
  function chart(id, config, empty) {
    var canvas = document.getElementById(id);
    if (!canvas || !window.Chart) { return; }
    if (charts[id]) { charts[id].destroy(); }
    charts[id] = new window.Chart(canvas, config);
    var box = canvas.parentNode;
    var notice = box.querySelector(".chart-empty");
    if (empty && !notice) { box.appendChild(el("div", "chart-empty", "この期間の記録はありません。")); }
    if (!empty && notice) { box.removeChild(notice); }
  }

  function options(extra) {
    var base = {
      responsive: true, maintainAspectRatio: false, animation: false,
      plugins: {
        legend: {position: "top", labels: {boxWidth: 18, padding: 14, sort: function (a, b) {
          return a.datasetIndex - b.datasetIndex;
        }}},
        tooltip: {callbacks: {label: function (ctx) {
          return " " + ctx.dataset.label + "：" + shownCount(ctx.raw) + " 件";
        }}}
      },
      scales: {x: {ticks: {autoSkip: true, maxRotation: 0}, grid: {display: false}},
               y: {beginAtZero: true, ticks: {precision: 0}}}
    };
    return Object.assign(base, extra || {});
  }

  function column(table, index, rows) {
    return (rows || table.values).map(function (row) { return row[index]; });
  }

  function total(values) {
    return values.reduce(function (sum, n) { return sum + (n || 0); }, 0);
  }

  function drawDaily(table) {
    var labels = table.values.map(function (row) {
      var parts = row[0].split("-");
      return Number(parts[1]) + "/" + Number(parts[2]) + "（" + row[1] + "）";
    });
    var conversations = column(table, 2);
    var messages = column(table, 3);
    var config = options({scales: {
      x: {ticks: {autoSkip: true, maxRotation: 0, autoSkipPadding: 12}, grid: {display: false}},
      y: {beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: "会話の数"}},
      y1: {beginAtZero: true, position: "right", ticks: {precision: 0}, grid: {drawOnChartArea: false},
           title: {display: true, text: "住民のメッセージ"}}
    }});
    chart("chart-daily", {
      type: "bar",
      data: {labels: labels, datasets: [
        {label: "会話の数", data: conversations, backgroundColor: COLORS.blue, yAxisID: "y", order: 2},
        {label: "住民のメッセージ", data: messages, type: "line", borderColor: COLORS.orange,
         backgroundColor: COLORS.orange, borderWidth: 3, pointRadius: 3, yAxisID: "y1", order: 1}
      ]},
      options: config
    }, total(conversations) + total(messages) === 0);
  }

  function drawChannels(table) {
    var conversations = column(table, 1);
    chart("chart-channels", {
      type: "bar",
      data: {labels: column(table, 0), datasets: [
        {label: "会話の数", data: conversations, backgroundColor: COLORS.blue},
        {label: "引き継いだ会話", data: column(table, 3), backgroundColor: COLORS.orange}
      ]},
      options: options()
    }, total(conversations) === 0);
  }

  function drawFallback(table) {
    var rows = table.values.filter(function (row, i) { return table.keys[i] !== "total"; });
    var understood = rows.map(function (row) { return row[1] - row[2]; });
    var failed = column(table, 2, rows);
    chart("chart-fallback", {
      type: "bar",
      data: {labels: column(table, 0, rows), datasets: [
        {label: "読み取れた質問", data: understood, backgroundColor: COLORS.blue},
        {label: "読み取れなかった質問", data: failed, backgroundColor: COLORS.red}
      ]},
      options: options({scales: {x: {stacked: true, grid: {display: false}},
                                 y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}})
    }, total(understood) + total(failed) === 0);
  }

  function drawTopics(table, notProcedures) {
    var rows = table.values.filter(function (row, i) {
      return notProcedures.indexOf(table.keys[i]) < 0;
    }).slice(0, TOP_TOPICS);
    var contained = column(table, 2, rows);
    var handed = column(table, 4, rows);
    var other = rows.map(function (row) { return Math.max(0, row[1] - row[2] - row[4]); });
    chart("chart-topics", {
      type: "bar",
      data: {labels: column(table, 0, rows), datasets: [
        {label: "ナビだけで終わった", data: contained, backgroundColor: COLORS.green},
        {label: "職員に引き継いだ", data: handed, backgroundColor: COLORS.orange},
        {label: "時間外に職員との相談を案内", data: other, backgroundColor: COLORS.gray}
      ]},
      options: options({indexAxis: "y", scales: {
        x: {stacked: true, beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: "会話の数"}},
        y: {stacked: true, grid: {display: false}}
      }})
    }, rows.length === 0);
  }

  function drawReasons(table) {
    var datasets = [];
    for (var c = 1; c < table.columns.length - 1; c++) {
      var data = column(table, c);
      if (total(data) > 0) {
        datasets.push({label: table.columns[c], data: data, backgroundColor: SERIES[(c - 1) % SERIES.length]});
      }
    }
    chart("chart-reasons", {
      type: "bar",
      data: {labels: column(table, 0), datasets: datasets},
      options: options({indexAxis: "y", scales: {
        x: {stacked: true, beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: "引き継ぎの数"}},
        y: {stacked: true, grid: {display: false}}
      }})
    }, datasets.length === 0);
  }

  function fillGuideSelect(guides) {
    var select = document.getElementById("guide-select");
    var chosen = select.value;
    select.textContent = "";
    guides.keys.forEach(function (key, i) {
      var option = el("option", null, guides.shown[i][0] + "（始めた " + guides.shown[i][1] + " 件）");
      option.value = key;
      select.appendChild(option);
    });
    if (chosen && guides.keys.indexOf(chosen) >= 0) { select.value = chosen; }
    select.disabled = guides.keys.length === 0;
  }

  // 「手順4（Androidのスマホでは…）」 -> two lines under the bar: 「手順4」 and the step's first words.
  function stepLabel(name) {
    var open = name.indexOf("（");
    if (open < 0) { return name; }
    var words = name.slice(open + 1).replace(/）$/, "").replace(/…$/, "");
    return [name.slice(0, open), words.length > STEP_WORDS ? words.slice(0, STEP_WORDS) + "…" : words];
  }

  function drawGuide() {
    if (!current) { return; }
    var steps = current.tables.guide_steps;
    var guide = document.getElementById("guide-select").value;
    var rows = steps.values.filter(function (row, i) { return steps.keys[i] === guide; });
    var labels = rows.map(function (row) { return stepLabel(row[1]); });
    var names = rows.map(function (row) { return row[1]; });
    var config = options({scales: {
      x: {grid: {display: false}, ticks: {autoSkip: false, maxRotation: 0}},
      y: {beginAtZero: true, ticks: {precision: 0}, title: {display: true, text: "件数"}}
    }});
    config.plugins.tooltip.callbacks.title = function (items) { return names[items[0].dataIndex]; };
    chart("chart-guide", {
      type: "bar",
      data: {labels: labels, datasets: [
        {label: "表示された", data: column(steps, 2, rows), backgroundColor: COLORS.blue},
        {label: "「できた」", data: column(steps, 3, rows), backgroundColor: COLORS.green},
        {label: "「わからない」", data: column(steps, 4, rows), backgroundColor: COLORS.red},
        {label: "ここで終わった", data: column(steps, 5, rows), backgroundColor: COLORS.gray}
      ]},
      options: config
    }, rows.length === 0);
  }

  function drawSatisfaction(table) {
    var counts = column(table, 1);
    chart("chart-satisfaction", {
      type: "bar",
      data: {labels: column(table, 0), datasets: [
        {label: "回答の数", data: counts, backgroundColor: [COLORS.red, COLORS.orange, COLORS.gray, COLORS.teal,
                                                               COLORS.green]}
      ]},
      options: options({plugins: {legend: {display: false}, tooltip: {callbacks: {label: function (ctx) {
        return " 回答の数：" + shownCount(ctx.raw) + " 件";
      }}}}})
    }, total(counts) === 0);
  }

  // --- start -------------------------------------------------------------------------------
  document.addEventListener("DOMContentLoaded", function () {
    if (document.body.getAttribute("data-page") !== "dashboard") { return; }
    if (window.Chart) {
      window.Chart.defaults.font.family = FONT;
      window.Chart.defaults.font.size = 14;
      window.Chart.defaults.color = "#1a1a1a";
    }
    var form = document.getElementById("range-form");
    var from = document.getElementById("from");
    var to = document.getElementById("to");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      load(from.value, to.value);
    });
    document.getElementById("last-30").addEventListener("click", function () {
      from.value = form.getAttribute("data-default-from");
      to.value = form.getAttribute("data-default-to");
      load(from.value, to.value);
    });
    document.getElementById("guide-select").addEventListener("change", drawGuide);
    load(from.value, to.value);
  });
})();

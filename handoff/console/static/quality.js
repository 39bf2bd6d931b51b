// The supervisor's quality section: satisfaction and resolution figures for a period (CSAT, NPS, CES,
// response rate, FCR, bot resolution, dissatisfaction), a chart by day drawn with uPlot, the follow-up
// tasks low scores opened (take, record the call back, close), calls for unrated consultations, the
// client-signal trigger report, and the CSV export.

import { api, request } from "./api.js";
import { channelMark, h, icon, panel } from "./dom.js";
import { decimal, duration, percent, when } from "./format.js";
import { t, tMaybe } from "./i18n.js";
import { queueTitle } from "./queues.js";
import { toast } from "./toast.js";

const DAYS = 14;
const COLORS = { csat: "#1d6ad6", nps: "#1fae5b", responses: "#c9d7ec", fcr: "#e0672b" };
const OUTCOMES = ["resolved", "explained", "no_answer", "declined", "callback_later"];

function startOfDay(date = new Date()) {
  const day = new Date(date);
  day.setHours(0, 0, 0, 0);
  return day;
}

function signed(value) {
  if (value == null) return "—";
  const rounded = Math.round(value);
  return rounded > 0 ? `+${rounded}` : String(rounded);
}

export function createQuality({ loadUplot }) {
  let report = null;
  let tasks = { items: [], calls: [] };
  let chart = null;
  let destroyed = false;
  let days = DAYS;

  const kpis = h("div", { class: "kpis kpis-quality" });
  const chartBox = h("div", { class: "chart-box", role: "img", "aria-label": t("quality.chartHint") });
  const legend = h("div", { class: "chart-legend" });
  const tasksBody = h("div", { class: "panel-body" });
  const triggersBody = h("div", { class: "panel-body" });
  const groupsBody = h("div", { class: "panel-body" });
  const exportLink = h("a", { class: "btn btn-sm", download: "" }, icon("file", { size: 16 }), h("span", {}, t("quality.csv")));
  const periodPicker = h(
    "div",
    { class: "segmented", role: "radiogroup", "aria-label": t("quality.period") },
    [7, 14, 30].map((n) =>
      h("button", { type: "button", role: "radio", "aria-checked": String(n === days), "data-days": String(n), onclick: () => choose(n) }, t("quality.days", { n })),
    ),
  );

  const element = h(
    "section",
    { class: "quality", "aria-labelledby": "quality-title" },
    h(
      "header",
      { class: "quality-head" },
      h("div", {}, h("h2", { id: "quality-title" }, t("quality.title")), h("p", {}, t("quality.subtitle"))),
      h("div", { class: "quality-tools" }, periodPicker, exportLink),
    ),
    kpis,
    h(
      "div",
      { class: "grid-2" },
      panel("quality-chart-title", t("quality.chart"), t("quality.chartHint"), chartBox, legend),
      panel("tasks-title", t("quality.tasks"), t("quality.tasksHint"), tasksBody),
    ),
    h(
      "div",
      { class: "grid-2" },
      panel("groups-title", t("quality.groups"), null, groupsBody),
      panel("triggers-title", t("quality.triggers"), t("quality.triggersHint"), triggersBody),
    ),
  );

  function period() {
    const to = new Date();
    const from = startOfDay(new Date(to.getTime() - (days - 1) * 86_400_000));
    return { from: from.toISOString(), to: to.toISOString() };
  }

  function choose(n) {
    days = n;
    for (const button of periodPicker.querySelectorAll("button")) button.setAttribute("aria-checked", String(button.dataset.days === String(n)));
    refresh();
  }

  async function refresh() {
    const { from, to } = period();
    exportLink.href = `/console/api/figures.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
    try {
      const [answer, open] = await Promise.all([api.figures(from, to), request("GET", "/tasks")]);
      if (destroyed) return;
      report = answer;
      tasks = open ?? { items: [], calls: [] };
    } catch (error) {
      if (destroyed || error.status === 401) return;
      kpis.replaceChildren(h("div", { class: "chat-banner is-danger", role: "alert" }, icon("error"), h("span", {}, t("supervisor.loadFailed"))));
      return;
    }
    drawKpis();
    drawTasks();
    drawGroups();
    drawTriggers();
    await drawChart();
  }

  function kpi(label, value, sub, tone = "") {
    return h("div", { class: `kpi ${tone}` }, h("span", { class: "kpi-label" }, label), h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-sub" }, sub ?? "\u00a0"));
  }

  function tone(value, good, fair) {
    if (value == null) return "";
    return value >= good ? "is-ok" : value >= fair ? "is-warn" : "is-danger";
  }

  function drawKpis() {
    const o = report?.overall ?? {};
    const c = o.counts ?? {};
    kpis.replaceChildren(
      kpi("CSAT", percent(o.csat), t("quality.csatSub", { avg: o.rating_avg != null ? decimal(o.rating_avg, 2) : "—", n: c.ratings ?? 0 }), tone(o.csat, 0.9, 0.8)),
      kpi("NPS", signed(o.nps), t("quality.npsSub", { n: c.nps_ratings ?? 0 }), o.nps == null ? "" : o.nps >= 50 ? "is-ok" : o.nps >= 0 ? "is-warn" : "is-danger"),
      kpi(t("quality.ces"), o.ces_avg != null ? `${decimal(o.ces_avg, 2)} / 7` : "—", t("quality.cesSub", { n: c.ces_ratings ?? 0 }), tone(o.ces_avg, 6, 5)),
      kpi(t("quality.response"), percent(o.response_rate), t("quality.responseSub", { n: c.rating_responses ?? 0, total: c.rating_requests ?? 0 })),
      kpi("FCR", percent(o.fcr), t("quality.fcrSub"), tone(o.fcr, 0.8, 0.65)),
      kpi(t("quality.bot"), percent(o.bot_resolved), t("quality.botSub", { n: c.bot_contacts ?? 0 })),
      kpi(t("quality.dissatisfaction"), percent(o.dissatisfaction), t("quality.dissatisfactionSub", { n: c.low_scores ?? 0 }), o.dissatisfaction == null ? "" : o.dissatisfaction <= 0.05 ? "is-ok" : o.dissatisfaction <= 0.15 ? "is-warn" : "is-danger"),
      kpi(t("quality.tasksInTime"), t("quality.tasksValue", { n: c.tasks_closed_in_time ?? 0, total: c.tasks_opened ?? 0 }), t("quality.tasksSub", { share: percent(o.tasks_in_time), overdue: c.tasks_overdue ?? 0 }), c.tasks_overdue ? "is-danger" : c.tasks_opened && c.tasks_closed_in_time === c.tasks_opened ? "is-ok" : ""),
    );
  }

  function drawGroups() {
    const rows = [
      ...Object.entries(report?.by_channel ?? {}).map(([name, f]) => ["channel", name, f]),
      ...Object.entries(report?.by_queue ?? {}).map(([name, f]) => ["queue", name, f]),
      ...Object.entries(report?.by_person ?? {}).map(([name, f]) => ["person", name, f]),
    ];
    if (!rows.length) {
      groupsBody.replaceChildren(h("p", { class: "section-empty" }, t("quality.nothing")));
      return;
    }
    const head = ["CSAT", "NPS", "CES", t("quality.responseShort"), "FCR", "ASA", "SL", "AHT"];
    groupsBody.replaceChildren(
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("quality.group")), head.map((label) => h("th", { scope: "col", class: "num" }, label)))),
        h(
          "tbody",
          {},
          rows.map(([scope, name, f]) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, h("span", { class: "who" }, scope === "channel" ? channelMark(name, { size: 18 }) : h("span", { class: "chip chip-queue" }, t(`quality.scope.${scope}`)), scope === "queue" ? queueTitle(name) : tMaybe(`channel.${name}`) ?? name)),
              h("td", { class: "num" }, percent(f.csat)),
              h("td", { class: "num" }, signed(f.nps)),
              h("td", { class: "num" }, f.ces_avg != null ? decimal(f.ces_avg, 1) : "—"),
              h("td", { class: "num" }, percent(f.response_rate)),
              h("td", { class: "num" }, percent(f.fcr)),
              h("td", { class: "num" }, f.asa_s != null ? duration(f.asa_s) : "—"),
              h("td", { class: "num" }, percent(f.service_level)),
              h("td", { class: "num" }, f.aht_s != null ? duration(f.aht_s) : "—"),
            ),
          ),
        ),
      ),
    );
  }

  async function act(path, body, done) {
    try {
      await request("POST", path, { json: body ?? {} });
      toast(done, { kind: "ok" });
    } catch (error) {
      toast(error.message, { kind: "error" });
    }
    refresh();
  }

  function taskRow(task) {
    const overdue = !task.closed_at && new Date(task.due_at) < new Date();
    const outcome = h("select", { class: "select-sm", "aria-label": t("quality.outcome") }, OUTCOMES.map((value) => h("option", { value }, t(`quality.outcomes.${value}`))));
    const id = encodeURIComponent(task.id);
    return h(
      "li",
      { class: ["task", overdue ? "is-overdue" : null] },
      h(
        "div",
        { class: "task-main" },
        h("span", { class: ["score", task.score <= 2 || (task.scale === "nps" && task.score <= 4) ? "is-bad" : "is-low"] }, `${task.scale.toUpperCase()} ${task.score}`),
        h("div", { class: "task-text" }, h("strong", {}, task.comment || t("quality.noComment")), h("small", {}, channelMark(task.channel, { size: 14 }), " ", t("quality.due", { when: when(task.due_at) }), task.handled_by ? ` · ${task.handled_by}` : "", task.outcome ? ` · ${t(`quality.outcomes.${task.outcome}`)}` : "")),
      ),
      h(
        "div",
        { class: "task-actions" },
        task.handled_by ? null : h("button", { type: "button", class: "btn btn-sm", onclick: () => act(`/tasks/${id}/take`, null, t("quality.taken")) }, t("quality.take")),
        outcome,
        h("button", { type: "button", class: "btn btn-sm", onclick: () => act(`/tasks/${id}/call`, { outcome: outcome.value }, t("quality.called")) }, t("quality.recordCall")),
        h("button", { type: "button", class: "btn btn-sm btn-success", onclick: () => act(`/tasks/${id}/close`, {}, t("quality.closed")) }, t("quality.close")),
      ),
    );
  }

  function drawTasks() {
    const items = tasks.items ?? [];
    const calls = tasks.calls ?? [];
    if (!items.length && !calls.length) {
      tasksBody.replaceChildren(h("p", { class: "section-empty" }, t("quality.noTasks")));
      return;
    }
    tasksBody.replaceChildren(
      ...(items.length ? [h("ul", { class: "tasks" }, items.map(taskRow))] : []),
      ...(calls.length
      ? [
          h(
            "ul",
            { class: "tasks" },
            calls.map((call) =>
              h(
                "li",
                { class: "task" },
                h("div", { class: "task-main" }, h("span", { class: "score is-call" }, icon("phone", { size: 14 }), t("quality.call")), h("div", { class: "task-text" }, h("strong", {}, t("quality.callText", { person: call.person ?? "—" })), h("small", {}, t("quality.remindedAt", { when: when(call.reminded_at) })))),
                h("div", { class: "task-actions" }, h("button", { type: "button", class: "btn btn-sm btn-success", onclick: () => act(`/calls/${call.id}/done`, null, t("quality.called")) }, t("quality.callDone"))),
              ),
            ),
          ),
        ]
      : []),
    );
  }

  function drawTriggers() {
    const found = report?.triggers;
    if (!found) return;
    const counters = ["silent", "complains", "refund", "unreachable"].map((name) =>
      h("div", { class: ["signal", found[name] ? "is-on" : null] }, h("span", { class: "signal-value" }, String(found[name] ?? 0)), h("span", { class: "signal-label" }, t(`quality.signals.${name}`))),
    );
    const clients = (found.clients ?? []).slice(0, 8);
    triggersBody.replaceChildren(
      h("div", { class: "signals" }, counters),
      clients.length
        ? h(
            "table",
            { class: "table" },
            h("tbody", {}, clients.map((client) => h("tr", {}, h("th", { scope: "row" }, client.name || client.client_id), h("td", {}, h("span", { class: "conv-chips" }, client.signals.map((name) => h("span", { class: ["chip", name === "complains" ? "chip-danger" : "chip-warn"] }, t(`quality.signals.${name}`))))), h("td", { class: "num" }, client.last_contact_at ? when(client.last_contact_at) : "—")))),
          )
        : h("p", { class: "section-empty" }, t("quality.noSignals")),
    );
  }

  async function drawChart() {
    const byDay = Object.entries(report?.by_day ?? {});
    let uPlot;
    try {
      uPlot = await loadUplot();
    } catch {
      chartBox.replaceChildren(h("div", { class: "empty-state" }, t("supervisor.loadFailed")));
      return;
    }
    if (destroyed) return;
    const x = byDay.map(([key]) => new Date(`${key}T12:00:00`).getTime() / 1000);
    const pct = (value) => (value == null ? null : Math.round(value * 1000) / 10);
    const data = [
      x,
      byDay.map(([, f]) => f.counts?.rating_responses ?? 0),
      byDay.map(([, f]) => pct(f.csat)),
      byDay.map(([, f]) => f.nps),
      byDay.map(([, f]) => pct(f.fcr)),
    ];
    legend.replaceChildren(
      ...[
        [COLORS.responses, t("quality.chartResponses")],
        [COLORS.csat, "CSAT, %"],
        [COLORS.nps, "NPS"],
        [COLORS.fcr, "FCR, %"],
      ].map(([color, label]) => {
        const swatch = h("i");
        swatch.style.background = color;
        return h("span", {}, swatch, label);
      }),
    );
    chart?.destroy();
    chartBox.replaceChildren();
    const bars = uPlot.paths.bars({ size: [0.5, 26] });
    chart = new uPlot(
      {
        width: Math.max(320, chartBox.clientWidth || 600),
        height: 250,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: (self, min, max) => [min - 43_200, max + 43_200] }, p: { range: [-100, 100] }, n: { range: (self, min, max) => [0, Math.max(4, (max ?? 0) * 2.2)] } },
        axes: [
          { stroke: "#56657a", grid: { stroke: "#eef2f7" }, values: (self, ticks) => ticks.map((tick) => new Date(tick * 1000).toLocaleDateString(undefined, { day: "numeric", month: "short" })) },
          { scale: "p", stroke: "#56657a", grid: { stroke: "#eef2f7" }, size: 44 },
          { scale: "n", side: 1, stroke: "#8797ab", grid: { show: false }, size: 36 },
        ],
        series: [
          {},
          { label: t("quality.chartResponses"), scale: "n", fill: COLORS.responses, stroke: COLORS.responses, paths: bars, points: { show: false } },
          { label: "CSAT", scale: "p", stroke: COLORS.csat, width: 2.5, spanGaps: true, points: { size: 6, fill: "#fff" } },
          { label: "NPS", scale: "p", stroke: COLORS.nps, width: 2.5, spanGaps: true, points: { size: 6, fill: "#fff" } },
          { label: "FCR", scale: "p", stroke: COLORS.fcr, width: 2, dash: [6, 4], spanGaps: true, points: { size: 5, fill: "#fff" } },
        ],
      },
      data,
      chartBox,
    );
  }

  const resize = new ResizeObserver(() => {
    if (chart && chartBox.clientWidth) chart.setSize({ width: chartBox.clientWidth, height: 250 });
  });
  resize.observe(chartBox);
  refresh();

  return {
    element,
    onPrompt(prompt) {
      if (prompt.type === "task" && prompt.score != null) {
        toast(t("quality.lowScoreAlert", { scale: String(prompt.scale ?? "").toUpperCase(), score: prompt.score }), { kind: "error", timeout: 10_000 });
        refresh();
      } else if (prompt.type === "task" || prompt.type === "call" || prompt.type === "figures") {
        refresh();
      }
    },
    refresh,
    destroy() {
      destroyed = true;
      resize.disconnect();
      chart?.destroy();
    },
  };
}

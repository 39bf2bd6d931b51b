// The supervisor view: every queue and person with live figures, the day by channel, and a chart of the
// last twelve hours (conversations per hour and the speed of answer), drawn with uPlot.

import { api } from "./api.js";
import { channelMark, h, icon, panel } from "./dom.js";
import { decimal, duration, hueOf, initials, percent, timeOfDay } from "./format.js";
import { t, tMaybe } from "./i18n.js";
import { createQuality } from "./quality.js";
import { queueTitle, rememberQueues } from "./queues.js";

const POLL_MS = 15_000;
const CHART_MS = 60_000;
const HOURS = 12;
const SL_TARGET_S = 60;
const CHART_COLORS = { conversations: "#7fb0f5", answered: "#1d6ad6", asa: "#e0672b" };

let uplotLoading = null;

function loadUplot() {
  if (window.uPlot) return Promise.resolve(window.uPlot);
  if (!uplotLoading) {
    uplotLoading = new Promise((resolve, reject) => {
      const style = document.createElement("link");
      style.rel = "stylesheet";
      style.href = "/console/static/vendor/uplot.min.css";
      document.head.append(style);
      const script = document.createElement("script");
      script.src = "/console/static/vendor/uplot.min.js";
      script.onload = () => (window.uPlot ? resolve(window.uPlot) : reject(new Error("uPlot")));
      script.onerror = () => {
        uplotLoading = null;
        reject(new Error("uPlot"));
      };
      document.head.append(script);
    });
  }
  return uplotLoading;
}

export function createSupervisor() {
  let live = null;
  let emergencies = 0;
  let fetchedAt = 0;
  let byChannel = null;
  let series = null;
  let failure = null;
  let refreshTimer = null;
  let chart = null;
  let destroyed = false;

  const updated = h("span", { class: "updated", role: "status" });
  const kpis = h("div", { class: "kpis" });
  const chartBox = h("div", { class: "chart-box", role: "img", "aria-label": t("supervisor.chartHint") });
  const chartLegend = h("div", { class: "chart-legend" });
  const channelsBody = h("div", { class: "panel-body" });
  const queuesBody = h("div", { class: "panel-body" });
  const peopleBody = h("div", { class: "panel-body" });
  const errorBox = h("div", { class: "chat-banner is-danger", role: "alert", hidden: true });
  const quality = createQuality({ loadUplot });

  const element = h(
    "div",
    { class: "supervisor" },
    h(
      "div",
      { class: "supervisor-inner" },
      h(
        "header",
        { class: "supervisor-head" },
        h("div", {}, h("h1", {}, t("supervisor.title")), h("p", {}, t("supervisor.subtitle"))),
        updated,
      ),
      errorBox,
      kpis,
      h(
        "div",
        { class: "grid-2" },
        panel("chart-title", t("supervisor.chart"), t("supervisor.chartHint"), chartBox, chartLegend),
        panel("channels-title", t("supervisor.byChannel"), null, channelsBody),
      ),
      quality.element,
      panel("queues-title", t("supervisor.queues"), null, queuesBody),
      panel("people-title", t("supervisor.people"), null, peopleBody),
    ),
  );

  // ---- data

  async function refresh() {
    try {
      const today = startOfDay();
      const [answer, figures, queue] = await Promise.all([
        api.supervisor(),
        api.figures(today.toISOString(), new Date().toISOString()),
        api.conversations("queue"),
      ]);
      if (destroyed) return;
      live = answer;
      rememberQueues(answer.queues ?? []);
      emergencies = (queue?.items ?? []).filter((item) => item.priority === 0).length;
      byChannel = figures?.by_channel ?? {};
      fetchedAt = Date.now();
      failure = null;
    } catch (error) {
      if (destroyed || error.status === 401) return;
      failure = error.status === 403 ? t("supervisor.forbidden") : t("supervisor.loadFailed");
    }
    draw();
  }

  async function refreshSeries() {
    const now = new Date();
    const first = new Date(now);
    first.setMinutes(0, 0, 0);
    first.setHours(first.getHours() - (HOURS - 1));
    const buckets = Array.from({ length: HOURS }, (_, index) => {
      const from = new Date(first.getTime() + index * 3_600_000);
      const to = new Date(Math.min(from.getTime() + 3_600_000, now.getTime()));
      return { from, to };
    });
    try {
      const answers = await Promise.all(buckets.map(({ from, to }) => api.figures(from.toISOString(), to.toISOString())));
      if (destroyed) return;
      series = {
        x: buckets.map(({ from }) => from.getTime() / 1000),
        conversations: answers.map((answer) => answer?.overall?.counts?.conversations ?? 0),
        answered: answers.map((answer) => answer?.overall?.counts?.answered ?? 0),
        asa: answers.map((answer) => answer?.overall?.asa_s ?? null),
      };
      await drawChart();
    } catch (error) {
      if (!destroyed && error.status !== 401) chartBox.replaceChildren(h("div", { class: "empty-state" }, t("supervisor.loadFailed")));
    }
  }

  function schedule(delay = 1500) {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => {
      refreshTimer = null;
      refresh();
    }, delay);
  }

  // ---- drawing

  function elapsed() {
    return fetchedAt ? (Date.now() - fetchedAt) / 1000 : 0;
  }

  function draw() {
    errorBox.hidden = !failure;
    if (failure) errorBox.replaceChildren(icon("error"), h("span", {}, failure));
    if (!live) return;
    updated.replaceChildren(h("span", { class: "pulse", "aria-hidden": "true" }), t("supervisor.updated", { time: timeOfDay(new Date(fetchedAt)) }));
    drawKpis();
    drawQueues();
    drawPeople();
    drawChannels();
  }

  function kpi(label, value, sub, tone = "") {
    return h("div", { class: `kpi ${tone}` }, h("span", { class: "kpi-label" }, label), h("span", { class: "kpi-value" }, value), h("span", { class: "kpi-sub" }, sub ?? "\u00a0"));
  }

  function longestNow() {
    const queues = live.queues ?? [];
    const longest = Math.max(0, ...queues.map((queue) => (queue.waiting ? Number(queue.longest_wait_s) || 0 : 0)));
    return longest ? longest + elapsed() : 0;
  }

  function drawKpis() {
    const queues = live.queues ?? [];
    const people = live.people ?? [];
    const overall = live.overall ?? {};
    const waiting = queues.reduce((sum, queue) => sum + (Number(queue.waiting) || 0), 0);
    const longest = longestNow();
    const online = people.filter((person) => person.status === "online").length;
    const sl = overall.service_level;
    kpis.replaceChildren(
      kpi(t("supervisor.waiting"), String(waiting), emergencies ? t("supervisor.emergencies", { n: emergencies }) : null, emergencies ? "is-danger" : waiting ? "is-warn" : "is-ok"),
      kpi(t("supervisor.longest"), longest ? duration(longest) : t("supervisor.none"), null, longest >= 300 ? "is-danger" : longest >= SL_TARGET_S ? "is-warn" : ""),
      kpi(t("supervisor.asa"), overall.asa_s != null ? duration(overall.asa_s) : t("supervisor.none"), overall.counts?.answered != null ? t("supervisor.answeredToday", { n: overall.counts.answered }) : null),
      kpi(t("supervisor.sl"), percent(sl), t("supervisor.slTarget", { target: SL_TARGET_S }), sl == null ? "" : sl >= 0.8 ? "is-ok" : sl >= 0.6 ? "is-warn" : "is-danger"),
      kpi(t("supervisor.csat"), percent(overall.csat), overall.counts?.ratings != null ? t("supervisor.ratingsToday", { n: overall.counts.ratings }) : null, overall.csat == null ? "" : overall.csat >= 0.8 ? "is-ok" : "is-warn"),
      kpi(t("supervisor.online"), t("supervisor.onlineOf", { n: online, total: people.length }), null, online ? "" : "is-danger"),
    );
  }

  function tone(value, good, fair) {
    if (value == null) return "";
    return value >= good ? "value-ok" : value >= fair ? "value-warn" : "value-danger";
  }

  function drawQueues() {
    const queues = live.queues ?? [];
    const head = ["queue", "waiting", "longest", "asa", "sl", "csat", "online"];
    queuesBody.replaceChildren(
      h(
        "table",
        { class: "table" },
        h("thead", {}, h("tr", {}, head.map((key, index) => h("th", { scope: "col", class: index ? "num" : null }, t(`supervisor.${key}`))))),
        h(
          "tbody",
          {},
          queues.map((queue) => {
            const longest = queue.waiting ? (Number(queue.longest_wait_s) || 0) + elapsed() : 0;
            return h(
              "tr",
              {},
              h("th", { scope: "row" }, h("div", { class: "who" }, h("span", {}, queueTitle(queue.name), h("small", {}, queue.name)))),
              h("td", { class: ["num", queue.waiting ? "value-warn" : null] }, String(queue.waiting ?? 0)),
              h("td", { class: ["num", longest >= 300 ? "value-danger" : longest >= SL_TARGET_S ? "value-warn" : null] }, longest ? duration(longest) : t("supervisor.none")),
              h("td", { class: "num" }, queue.asa_s != null ? duration(queue.asa_s) : t("supervisor.none")),
              h("td", { class: ["num", tone(queue.service_level, 0.8, 0.6)] }, percent(queue.service_level)),
              h("td", { class: ["num", tone(queue.csat, 0.8, 0.6)] }, percent(queue.csat)),
              h("td", { class: "num" }, String(queue.people_online ?? 0)),
            );
          }),
        ),
      ),
    );
  }

  function drawPeople() {
    const order = { online: 0, away: 1, offline: 2 };
    const people = [...(live.people ?? [])].sort((a, b) => (order[a.status] ?? 3) - (order[b.status] ?? 3) || String(a.name).localeCompare(String(b.name)));
    peopleBody.replaceChildren(
      h(
        "table",
        { class: "table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("supervisor.person")),
            h("th", { scope: "col" }, t("supervisor.status")),
            h("th", { scope: "col" }, t("supervisor.load")),
            h("th", { scope: "col", class: "num" }, t("supervisor.handled")),
            h("th", { scope: "col", class: "num" }, t("supervisor.aht")),
            h("th", { scope: "col" }, t("supervisor.queuesOfPerson")),
          ),
        ),
        h(
          "tbody",
          {},
          people.map((person) => {
            const avatar = h("span", { class: "avatar avatar-sm" }, initials(person.name ?? person.login));
            avatar.style.setProperty("--hue", String(hueOf(person.login)));
            const max = Number(person.max_chats) || 0;
            const load = Number(person.load) || 0;
            const share = max ? Math.min(1, load / max) : 0;
            const fill = h("span", { class: ["meter-fill", share >= 1 ? "is-full" : share >= 0.7 ? "is-high" : null] });
            fill.style.width = `${Math.round(share * 100)}%`;
            return h(
              "tr",
              {},
              h("th", { scope: "row" }, h("div", { class: "who" }, avatar, h("span", {}, person.name ?? person.login, h("small", {}, tMaybe(`roles.${person.role}`) ?? person.role)))),
              h("td", {}, h("span", { class: "status-cell" }, h("span", { class: `dot dot-${person.status ?? "offline"}` }), t(`presence.${person.status ?? "offline"}`))),
              h(
                "td",
                {},
                h(
                  "div",
                  { class: "meter", role: "meter", "aria-valuemin": "0", "aria-valuemax": String(max), "aria-valuenow": String(load), "aria-label": t("supervisor.load") },
                  h("span", { class: "meter-track" }, fill),
                  h("span", { class: "meter-value" }, `${decimal(load)} / ${max || "—"}`),
                ),
              ),
              h("td", { class: "num" }, String(person.handled_today ?? 0)),
              h("td", { class: "num" }, person.aht_s != null ? duration(person.aht_s) : t("supervisor.none")),
              h("td", {}, h("span", { class: "conv-chips" }, (person.queues ?? []).map((queue) => h("span", { class: "chip chip-queue", title: queue }, queueTitle(queue))))),
            );
          }),
        ),
      ),
    );
  }

  function drawChannels() {
    const entries = Object.entries(byChannel ?? {});
    if (!entries.length) {
      channelsBody.replaceChildren(h("p", { class: "section-empty" }, t("supervisor.none")));
      return;
    }
    channelsBody.replaceChildren(
      h(
        "table",
        { class: "table" },
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, t("supervisor.channel")),
            h("th", { scope: "col", class: "num" }, t("list.title")),
            h("th", { scope: "col", class: "num" }, "ASA"),
            h("th", { scope: "col", class: "num" }, "SL"),
            h("th", { scope: "col", class: "num" }, "AHT"),
            h("th", { scope: "col", class: "num" }, "CSAT"),
          ),
        ),
        h(
          "tbody",
          {},
          entries.map(([channel, figures]) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, h("span", { class: "who" }, channelMark(channel, { size: 20 }), tMaybe(`channel.${channel}`) ?? channel)),
              h("td", { class: "num" }, String(figures?.counts?.conversations ?? 0)),
              h("td", { class: "num" }, figures?.asa_s != null ? duration(figures.asa_s) : t("supervisor.none")),
              h("td", { class: ["num", tone(figures?.service_level, 0.8, 0.6)] }, percent(figures?.service_level)),
              h("td", { class: "num" }, figures?.aht_s != null ? duration(figures.aht_s) : t("supervisor.none")),
              h("td", { class: ["num", tone(figures?.csat, 0.8, 0.6)] }, percent(figures?.csat)),
            ),
          ),
        ),
      ),
    );
  }

  async function drawChart() {
    if (!series) return;
    let uPlot;
    try {
      uPlot = await loadUplot();
    } catch {
      chartBox.replaceChildren(h("div", { class: "empty-state" }, t("supervisor.loadFailed")));
      return;
    }
    if (destroyed) return;
    const data = [series.x, series.conversations, series.answered, series.asa];
    chartLegend.replaceChildren(
      legendItem(CHART_COLORS.conversations, t("supervisor.chartConversations")),
      legendItem(CHART_COLORS.answered, t("supervisor.chartAnswered")),
      legendItem(CHART_COLORS.asa, t("supervisor.chartAsa")),
    );
    if (chart) {
      chart.setData(data);
      return;
    }
    const width = Math.max(320, chartBox.clientWidth || 600);
    const bars = uPlot.paths.bars({ size: [0.36, 28], align: 0 });
    const barsRight = uPlot.paths.bars({ size: [0.36, 28], align: 1 });
    chartBox.replaceChildren();
    chart = new uPlot(
      {
        width,
        height: 250,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true, range: (self, min, max) => [min - 1800, max + 1800] }, n: { range: (self, min, max) => [0, Math.max(4, max + 1)] }, s: { range: (self, min, max) => [0, Math.max(60, (max ?? 0) * 1.2)] } },
        axes: [
          { stroke: "#56657a", grid: { stroke: "#eef2f7" }, values: (self, ticks) => ticks.map((tick) => timeOfDay(new Date(tick * 1000))) },
          { scale: "n", stroke: "#56657a", grid: { stroke: "#eef2f7" }, size: 40 },
          { scale: "s", side: 1, stroke: CHART_COLORS.asa, grid: { show: false }, size: 50, values: (self, ticks) => ticks.map((tick) => `${Math.round(tick)} ${t("units.seconds")}`) },
        ],
        series: [
          {},
          { label: t("supervisor.chartConversations"), scale: "n", fill: CHART_COLORS.conversations, stroke: CHART_COLORS.conversations, paths: bars, points: { show: false } },
          { label: t("supervisor.chartAnswered"), scale: "n", fill: CHART_COLORS.answered, stroke: CHART_COLORS.answered, paths: barsRight, points: { show: false } },
          { label: t("supervisor.chartAsa"), scale: "s", stroke: CHART_COLORS.asa, width: 2.5, spanGaps: true, points: { size: 6, fill: "#fff" } },
        ],
      },
      data,
      chartBox,
    );
  }

  function legendItem(color, label) {
    const swatch = h("i");
    swatch.style.background = color;
    return h("span", {}, swatch, label);
  }

  const resize = new ResizeObserver(() => {
    if (chart && chartBox.clientWidth) chart.setSize({ width: chartBox.clientWidth, height: 250 });
  });
  resize.observe(chartBox);
  const poll = setInterval(refresh, POLL_MS);
  const chartPoll = setInterval(refreshSeries, CHART_MS);
  const ticker = setInterval(() => {
    if (live) {
      drawKpis();
      drawQueues();
    }
  }, 1000);
  refresh();
  refreshSeries();

  return {
    element,
    onPrompt(prompt) {
      if (prompt.type === "figures" || prompt.type === "person" || prompt.type === "conversation") schedule();
      quality.onPrompt(prompt);
    },
    onSync() {
      schedule(0);
      quality.refresh();
    },
    destroy() {
      destroyed = true;
      clearInterval(poll);
      clearInterval(chartPoll);
      clearInterval(ticker);
      clearTimeout(refreshTimer);
      resize.disconnect();
      chart?.destroy();
      quality.destroy();
    },
  };
}

function startOfDay() {
  const date = new Date();
  date.setHours(0, 0, 0, 0);
  return date;
}

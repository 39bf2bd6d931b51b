// The workspace: the lists on the left (queue, mine, all), the open conversation in the middle and the
// client's context on the right. It keeps the lists fresh from live prompts and chimes for new clients.

import { api } from "./api.js";
import { h, icon } from "./dom.js";
import { t } from "./i18n.js";
import { renderConversationList, tickWaits } from "./conversation-list.js";
import { createConversationView } from "./conversation-view.js";
import { createContextPanel } from "./context-panel.js";
import { chime, desktopNotice } from "./notify.js";
import { createPresence } from "./presence.js";
import { queueTitle } from "./queues.js";

const TAB_KEY = "omnicab.console.tab";
const SAFETY_REFRESH_MS = 60_000;

export function createInbox({ session, canSupervise, onQueueCount, onPerson }) {
  const views = canSupervise ? ["queue", "mine", "all"] : ["queue", "mine"];
  const lists = { queue: [], mine: [], all: [] };
  const loaded = { queue: false, mine: false, all: false };
  let tab = initialTab();
  let search = "";
  let queueFilter = "";
  let currentId = null;
  let refreshing = null;
  let refreshAgain = false;
  let refreshTimer = null;
  let listError = false;
  let firstLoad = true;
  const pendingNew = new Map();
  const takenByMe = new Set();
  const seenMine = new Set();
  const freshIds = new Set();

  function initialTab() {
    try {
      const saved = sessionStorage.getItem(TAB_KEY);
      if (views.includes(saved)) return saved;
    } catch {
      // Default below.
    }
    return "queue";
  }

  // ---- left pane
  const presence = createPresence({
    person: session.person,
    onChange: (person) => {
      session.person = { ...session.person, ...person };
      onPerson(session.person);
      drawAwayHint();
    },
  });
  const awayHint = h("div", { class: "away-hint", role: "status", hidden: true });
  function drawAwayHint() {
    const status = session.person?.status;
    awayHint.hidden = status === "online";
    if (awayHint.hidden) return;
    const goOnline = h("button", { type: "button", class: "btn btn-sm btn-primary", onclick: () => presence.set("online") }, t("presence.online"));
    awayHint.replaceChildren(
      h("span", { class: `dot dot-${status ?? "offline"}` }),
      h("span", {}, `${t(`presence.${status ?? "offline"}`)}: ${t(`presence.${status ?? "offline"}Hint`).toLowerCase()}`),
      goOnline,
    );
  }
  drawAwayHint();

  const tabButtons = new Map();
  const tablist = h("div", { class: "tabs", role: "tablist", "aria-label": t("list.tabs") });
  for (const view of views) {
    const button = h("button", {
      type: "button",
      class: "tab",
      role: "tab",
      id: `tab-${view}`,
      "aria-controls": "conversation-list",
      "aria-selected": String(view === tab),
      tabindex: view === tab ? "0" : "-1",
      onclick: () => selectTab(view),
    });
    tabButtons.set(view, button);
    tablist.append(button);
  }
  tablist.addEventListener("keydown", (event) => {
    const index = views.indexOf(tab);
    let next = null;
    if (event.key === "ArrowRight") next = views[(index + 1) % views.length];
    if (event.key === "ArrowLeft") next = views[(index - 1 + views.length) % views.length];
    if (event.key === "Home") next = views[0];
    if (event.key === "End") next = views[views.length - 1];
    if (next) {
      event.preventDefault();
      selectTab(next);
      tabButtons.get(next).focus();
    }
  });

  const searchInput = h("input", {
    class: "input",
    type: "search",
    placeholder: t("list.search"),
    "aria-label": t("list.search"),
    maxlength: "64",
  });
  searchInput.addEventListener("input", () => {
    search = searchInput.value.trim().toLowerCase();
    drawList();
  });
  const queueSelect = h("select", { class: "select", "aria-label": t("list.queueFilter") });
  queueSelect.addEventListener("change", () => {
    queueFilter = queueSelect.value;
    drawList();
  });

  const listElement = h("ul", {
    class: "conv-list",
    id: "conversation-list",
    role: "tabpanel",
    "aria-labelledby": `tab-${tab}`,
    tabindex: "-1",
  });
  const listPane = h(
    "section",
    { class: "pane list-pane", "aria-label": t("list.title") },
    h("header", { class: "pane-header" }, h("h1", {}, t("list.title")), presence.element),
    awayHint,
    tablist,
    h("div", { class: "list-tools" }, h("label", { class: "search" }, icon("search", { size: 18 }), searchInput), queueSelect),
    listElement,
    h("div", { class: "list-footer" }, t("list.shortcuts")),
  );

  // ---- centre and right
  const context = createContextPanel({ onClose: () => toggleContext(false) });
  const conversation = createConversationView({
    session,
    canSupervise,
    onPacket: (packet) => context.render(packet),
    onChanged: () => scheduleRefresh(0),
    onTakenByMe: (id) => takenByMe.add(String(id)),
    onToggleContext: () => toggleContext(),
    onBack: () => {
      location.hash = "#/";
    },
  });
  const element = h(
    "div",
    { class: "workspace" },
    listPane,
    conversation.element,
    context.element,
  );
  let contextOpen = window.matchMedia("(min-width: 1280px)").matches;
  function toggleContext(force) {
    contextOpen = force ?? !contextOpen;
    const wide = window.matchMedia("(min-width: 1280px)").matches;
    element.classList.toggle("context-hidden", wide && !contextOpen);
    element.classList.toggle("context-open", !wide && contextOpen);
    conversation.setContextOpen(contextOpen);
    if (!wide && contextOpen) context.focus();
  }
  toggleContext(contextOpen);

  function selectTab(view) {
    if (!views.includes(view)) return;
    tab = view;
    try {
      sessionStorage.setItem(TAB_KEY, view);
    } catch {
      // Not remembered.
    }
    for (const [name, button] of tabButtons) {
      const selected = name === view;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    listElement.setAttribute("aria-labelledby", `tab-${view}`);
    drawList();
  }

  function visibleItems() {
    return lists[tab].filter((item) => {
      if (queueFilter && item.queue !== queueFilter && !String(item.queue).startsWith(`${queueFilter}:`)) return false;
      if (!search) return true;
      const name = String(item.client?.name ?? "").toLowerCase();
      return name.includes(search) || String(item.id).includes(search);
    });
  }

  function drawTabs() {
    const emergencies = lists.queue.filter((item) => item.priority === 0).length;
    for (const [view, button] of tabButtons) {
      const count = lists[view].length;
      const counter = h("span", { class: ["count", view === "queue" && emergencies ? "count-emergency" : ""] }, String(count));
      const unread = view === "mine" ? lists.mine.reduce((sum, item) => sum + (Number(item.unread) || 0), 0) : 0;
      button.replaceChildren(t(`list.${view}`), counter);
      button.setAttribute("aria-label", `${t(`list.${view}`)}: ${count}${unread ? `, ${t("list.unread", { n: unread })}` : ""}`);
    }
    onQueueCount({ waiting: lists.queue.length, emergency: emergencies });
  }

  function drawQueueSelect() {
    const names = new Set();
    for (const view of views) for (const item of lists[view]) if (item.queue) names.add(item.queue);
    const current = queueSelect.value;
    queueSelect.replaceChildren(
      h("option", { value: "" }, t("list.allQueues")),
      [...names].sort().map((name) => h("option", { value: name }, queueTitle(name))),
    );
    queueSelect.value = names.has(current) ? current : "";
    queueFilter = queueSelect.value;
    queueSelect.hidden = names.size < 2;
  }

  function drawList() {
    drawTabs();
    renderConversationList(listElement, {
      items: visibleItems(),
      view: tab,
      currentId,
      me: session.person,
      search,
      loaded: loaded[tab],
      failed: listError,
      fresh: freshIds,
    });
  }

  // ---- data
  function scheduleRefresh(delay = 120) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshLists, delay);
  }

  async function refreshLists() {
    if (refreshing) {
      refreshAgain = true;
      return refreshing;
    }
    refreshing = (async () => {
      try {
        const answers = await Promise.all(views.map((view) => api.conversations(view)));
        views.forEach((view, index) => {
          lists[view] = Array.isArray(answers[index]?.items) ? answers[index].items : [];
          loaded[view] = true;
        });
        listError = false;
        announceArrivals();
      } catch (error) {
        if (error.status !== 401) listError = true;
      } finally {
        drawQueueSelect();
        drawList();
        refreshing = null;
        firstLoad = false;
      }
      if (refreshAgain) {
        refreshAgain = false;
        await refreshLists();
      }
    })();
    return refreshing;
  }

  /** A chime and a desktop notice for a conversation that just entered my queues or was given to me. */
  function announceArrivals() {
    const arrivals = [];
    for (const [id, since] of pendingNew) {
      const item = lists.queue.find((entry) => String(entry.id) === id) ?? lists.mine.find((entry) => String(entry.id) === id);
      if (item) arrivals.push(item);
      if (item || Date.now() - since > 10_000) pendingNew.delete(id);
    }
    for (const item of lists.mine) {
      const id = String(item.id);
      if (!seenMine.has(id)) {
        seenMine.add(id);
        if (!firstLoad && !takenByMe.has(id) && !arrivals.includes(item)) arrivals.push(item);
      }
    }
    for (const item of arrivals) {
      freshIds.add(String(item.id));
      setTimeout(() => freshIds.delete(String(item.id)), 1500);
    }
    if (!arrivals.length) return;
    const urgent = arrivals.some((item) => item.priority === 0);
    chime({ urgent });
    for (const item of arrivals.slice(0, 3)) {
      const name = item.client?.name ?? `#${item.id}`;
      const title = item.priority === 0 ? t("notify.emergencyTitle", { name }) : t("notify.newTitle", { name });
      const body = t("notify.body", { channel: t(`channel.${item.channel}`), reason: t(`reason.${item.reason}`) });
      desktopNotice(title, body, {
        tag: `conversation-${item.id}`,
        onClick: () => {
          location.hash = `#/c/${encodeURIComponent(item.id)}`;
        },
      });
    }
  }

  function onPrompt(prompt) {
    if (prompt.type === "conversation") {
      if (prompt.new) pendingNew.set(String(prompt.id), Date.now());
      scheduleRefresh();
      conversation.onConversationPrompt(prompt);
    } else if (prompt.type === "message") {
      scheduleRefresh(250);
      conversation.onMessagePrompt(prompt);
    }
  }

  function onSync({ reconnected }) {
    scheduleRefresh(0);
    if (reconnected) conversation.catchUp({ full: true });
  }

  // ---- keyboard: Alt+↑ / Alt+↓ moves through the current list
  function onKey(event) {
    if (!event.altKey || (event.key !== "ArrowDown" && event.key !== "ArrowUp") || element.hidden) return;
    const items = visibleItems();
    if (!items.length) return;
    event.preventDefault();
    const index = items.findIndex((item) => String(item.id) === String(currentId));
    const step = event.key === "ArrowDown" ? 1 : -1;
    const next = items[(index + step + items.length) % items.length] ?? items[0];
    location.hash = `#/c/${encodeURIComponent(next.id)}`;
  }
  document.addEventListener("keydown", onKey);

  const ticker = setInterval(() => tickWaits(listElement), 1000);
  const safety = setInterval(() => scheduleRefresh(0), SAFETY_REFRESH_MS);
  let wasWide = window.matchMedia("(min-width: 1280px)").matches;
  const onResize = () => {
    const wide = window.matchMedia("(min-width: 1280px)").matches;
    toggleContext(wide === wasWide ? contextOpen : wide);
    wasWide = wide;
  };
  window.addEventListener("resize", onResize);

  refreshLists();

  return {
    element,
    open(id) {
      currentId = id;
      element.classList.toggle("has-conversation", id != null);
      conversation.open(id);
      if (id == null) context.render(null);
      drawList();
    },
    onPrompt,
    onSync,
    setPerson(person) {
      presence.update(person);
      drawAwayHint();
    },
    destroy() {
      clearInterval(ticker);
      clearInterval(safety);
      clearTimeout(refreshTimer);
      window.removeEventListener("resize", onResize);
      document.removeEventListener("keydown", onKey);
      conversation.destroy();
      presence.destroy();
    },
  };
}

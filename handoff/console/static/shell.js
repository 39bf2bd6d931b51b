// The signed-in console: the rail on the left, the inbox or the supervisor view, the live connection,
// the connection banner and the polite request for desktop notifications.

import { api } from "./api.js";
import { brandLogo } from "./brand.js";
import { createBroadcasts } from "./broadcasts.js";
import { h, icon } from "./dom.js";
import { hueOf, initials } from "./format.js";
import { setLocale, t } from "./i18n.js";
import { createInbox } from "./inbox.js";
import { otherLanguage } from "./language.js";
import { LiveConnection } from "./live.js";
import {
  askForNotifications,
  postponeNotifications,
  setSoundEnabled,
  shouldAskForNotifications,
  soundEnabled,
} from "./notify.js";
import { createSupervisor } from "./supervisor.js";
import { toast } from "./toast.js";

const PING_MS = 30_000;
const SUPERVISING = new Set(["supervisor", "admin"]);

export function mountShell(root, session, { onSignedOut }) {
  const canSupervise = SUPERVISING.has(session.person?.role);
  const live = new LiveConnection();
  const cleanups = [];
  let supervisor = null;
  let broadcasts = null;

  const inbox = createInbox({ session, canSupervise, onQueueCount: updateInboxBadge, onPerson: updateAccount });
  const viewHost = h("div", { class: "view", id: "main" });

  // ---- rail
  const inboxBadge = h("span", { class: "badge", hidden: true });
  const inboxLink = h(
    "a",
    { href: "#/", class: "rail-item tooltip-host", "data-tip": t("nav.inbox"), "aria-label": t("nav.inbox") },
    icon("inbox", { size: 22 }),
    inboxBadge,
  );
  const supervisorLink = canSupervise
    ? h(
        "a",
        { href: "#/supervisor", class: "rail-item tooltip-host", "data-tip": t("nav.supervisor"), "aria-label": t("nav.supervisor") },
        icon("chart", { size: 22 }),
      )
    : null;

  const broadcastsLink = canSupervise
    ? h(
        "a",
        { href: "#/broadcasts", class: "rail-item tooltip-host", "data-tip": t("nav.broadcasts"), "aria-label": t("nav.broadcasts") },
        icon("broadcast", { size: 22 }),
      )
    : null;

  const soundButton = h("button", { type: "button", class: "rail-item tooltip-host" });
  function drawSound() {
    const on = soundEnabled();
    soundButton.replaceChildren(icon(on ? "soundOn" : "soundOff", { size: 20 }));
    soundButton.setAttribute("aria-pressed", String(on));
    soundButton.setAttribute("aria-label", on ? t("nav.soundOn") : t("nav.soundOff"));
    soundButton.dataset.tip = on ? t("nav.soundOn") : t("nav.soundOff");
  }
  soundButton.addEventListener("click", () => {
    setSoundEnabled(!soundEnabled());
    drawSound();
  });
  drawSound();

  const other = otherLanguage();
  const languageButton = h(
    "button",
    {
      type: "button",
      class: "rail-item rail-lang tooltip-host",
      lang: other.code,
      "aria-label": `${t("nav.language")}: ${other.name}`,
      "data-tip": `${t("nav.language")}: ${other.name}`,
      onclick: () => setLocale(other.code),
    },
    other.short,
  );

  const accountAvatar = h("span", { class: "avatar" });
  const accountButton = h("button", {
    type: "button",
    class: "rail-item tooltip-host",
    "aria-haspopup": "menu",
    "aria-expanded": "false",
  });
  accountButton.append(accountAvatar);
  const accountMenu = h("div", { class: "menu", role: "menu", hidden: true });
  const accountHost = h("div", { class: "account-host" }, accountButton, accountMenu);

  function updateAccount(person) {
    if (person) session.person = { ...session.person, ...person };
    const me = session.person ?? {};
    accountAvatar.replaceChildren(initials(me.name ?? me.login), h("span", { class: `dot dot-${me.status ?? "offline"}` }));
    accountAvatar.style.setProperty("--hue", String(hueOf(me.login)));
    const label = `${t("nav.account")}: ${me.name ?? me.login}`;
    accountButton.setAttribute("aria-label", label);
    accountButton.dataset.tip = label;
  }
  updateAccount();

  function closeAccountMenu() {
    accountMenu.hidden = true;
    accountButton.setAttribute("aria-expanded", "false");
  }
  accountButton.addEventListener("click", () => {
    const me = session.person ?? {};
    accountMenu.replaceChildren(
      h("div", { class: "menu-header" }, h("strong", {}, me.name ?? me.login), h("span", {}, `${t(`roles.${me.role}`)} · ${me.login}`)),
      h(
        "button",
        { type: "button", class: "menu-item", role: "menuitem", onclick: signOut },
        icon("logout", { size: 18 }),
        t("nav.logout"),
      ),
    );
    accountMenu.hidden = !accountMenu.hidden;
    accountButton.setAttribute("aria-expanded", String(!accountMenu.hidden));
    if (!accountMenu.hidden) accountMenu.querySelector("button")?.focus();
  });
  accountMenu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      closeAccountMenu();
      accountButton.focus();
    }
  });
  const outsideClick = (event) => {
    if (!accountHost.contains(event.target)) closeAccountMenu();
  };
  document.addEventListener("click", outsideClick);
  cleanups.push(() => document.removeEventListener("click", outsideClick));

  async function signOut() {
    closeAccountMenu();
    try {
      await api.logout();
    } catch {
      // Signed out locally all the same; the session ends on the server when it expires.
    }
    onSignedOut();
  }

  const rail = h(
    "nav",
    { class: "rail", "aria-label": t("nav.main") },
    h("a", { href: "#/", "aria-label": t("app.product") }, brandLogo()),
    h("div", { class: "rail-nav" }, inboxLink, supervisorLink, broadcastsLink),
    h("div", { class: "rail-bottom" }, soundButton, languageButton, accountHost),
  );

  function updateInboxBadge({ waiting, emergency }) {
    inboxBadge.hidden = !waiting;
    inboxBadge.textContent = waiting > 99 ? "99+" : String(waiting);
    inboxBadge.classList.toggle("badge-emergency", emergency > 0);
    document.title = waiting ? `(${waiting}) ${t("app.title")}` : t("app.title");
  }

  // ---- connection banner
  const connectionText = h("span");
  const connectionBanner = h(
    "div",
    { class: "conn-banner", role: "status", hidden: true },
    icon("offline", { size: 18 }),
    connectionText,
    h("button", { type: "button", class: "btn btn-sm", onclick: () => live.retryNow() }, t("live.reconnectNow")),
  );
  let countdown = null;
  let wasOffline = false;
  live.addEventListener("state", (event) => {
    const { state, retryAt } = event.detail;
    clearInterval(countdown);
    if (state === "offline") {
      wasOffline = true;
      const draw = () => {
        const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000));
        connectionText.textContent = `${t("live.offline")} · ${t("live.reconnectIn", { s: seconds })}`;
      };
      draw();
      countdown = setInterval(draw, 1000);
      connectionBanner.hidden = false;
      connectionBanner.title = t("live.offlineLong");
    } else if (state === "connected") {
      connectionBanner.hidden = true;
      if (wasOffline) toast(t("live.back"), { kind: "ok", timeout: 2500 });
      wasOffline = false;
    }
  });
  live.addEventListener("prompt", (event) => {
    const prompt = event.detail;
    if (prompt.type === "person" && prompt.login === session.person?.login) refreshMe();
    inbox.onPrompt(prompt);
    supervisor?.onPrompt(prompt);
  });
  live.addEventListener("sync", (event) => {
    inbox.onSync(event.detail);
    supervisor?.onSync();
  });
  live.addEventListener("closed", () => {
    // A closed socket may mean the session ended: asking /me sends a 401 to the login screen.
    api.me().catch(() => {});
  });

  async function refreshMe() {
    try {
      const me = await api.me();
      updateAccount(me.person);
      inbox.setPerson(session.person);
    } catch {
      // A 401 is handled globally; anything else waits for the next prompt.
    }
  }

  const ping = setInterval(() => {
    if (live.socket?.readyState === WebSocket.OPEN) live.socket.send(JSON.stringify({ type: "ping" }));
  }, PING_MS);
  const wake = () => {
    if (document.visibilityState === "visible") live.retryNow();
  };
  document.addEventListener("visibilitychange", wake);
  window.addEventListener("online", wake);
  cleanups.push(() => {
    clearInterval(ping);
    clearInterval(countdown);
    document.removeEventListener("visibilitychange", wake);
    window.removeEventListener("online", wake);
  });

  // ---- notifications card
  let notifyCard = null;
  if (shouldAskForNotifications()) {
    const allow = h("button", { type: "button", class: "btn btn-primary btn-sm" }, t("notify.allow"));
    const later = h("button", { type: "button", class: "btn btn-ghost btn-sm" }, t("notify.later"));
    notifyCard = h(
      "section",
      { class: "notify-card", role: "dialog", "aria-labelledby": "notify-title" },
      h("strong", { id: "notify-title" }, icon("bell", { size: 18 }), t("notify.askTitle")),
      h("p", {}, t("notify.askText")),
      h("div", { class: "actions" }, later, allow),
    );
    allow.addEventListener("click", async () => {
      notifyCard.remove();
      await askForNotifications();
    });
    later.addEventListener("click", () => {
      postponeNotifications();
      notifyCard.remove();
    });
  }

  // ---- routing
  function route() {
    const hash = location.hash || "#/";
    const wantsSupervisor = hash.startsWith("#/supervisor");
    const wantsBroadcasts = hash.startsWith("#/broadcasts");
    if (broadcasts && !(wantsBroadcasts && canSupervise)) {
      broadcasts.destroy();
      broadcasts.element.remove();
      broadcasts = null;
      broadcastsLink?.removeAttribute("aria-current");
    }
    if (wantsBroadcasts && canSupervise) {
      if (!broadcasts) {
        broadcasts = createBroadcasts();
        viewHost.append(broadcasts.element);
      }
      if (supervisor) {
        supervisor.destroy();
        supervisor.element.remove();
        supervisor = null;
      }
      inbox.element.hidden = true;
      broadcastsLink?.setAttribute("aria-current", "page");
      supervisorLink?.removeAttribute("aria-current");
      inboxLink.removeAttribute("aria-current");
      return;
    }
    if (wantsSupervisor && canSupervise) {
      if (!supervisor) {
        supervisor = createSupervisor();
        viewHost.append(supervisor.element);
      }
      inbox.element.hidden = true;
      supervisor.element.hidden = false;
      supervisorLink?.setAttribute("aria-current", "page");
      inboxLink.removeAttribute("aria-current");
      return;
    }
    if (supervisor) {
      supervisor.destroy();
      supervisor.element.remove();
      supervisor = null;
    }
    supervisorLink?.removeAttribute("aria-current");
    inboxLink.setAttribute("aria-current", "page");
    inbox.element.hidden = false;
    const match = /^#\/c\/([^/?#]+)/.exec(hash);
    inbox.open(match ? decodeURIComponent(match[1]) : null);
  }
  window.addEventListener("hashchange", route);
  cleanups.push(() => window.removeEventListener("hashchange", route));

  viewHost.append(inbox.element);
  const skip = h("a", { class: "skip-link", href: "#conversation-list" }, t("app.skip"));
  root.replaceChildren(skip, h("div", { class: "shell" }, rail, viewHost), connectionBanner);
  if (notifyCard) root.append(notifyCard);
  route();
  live.start();

  return () => {
    live.stop();
    inbox.destroy();
    supervisor?.destroy();
    broadcasts?.destroy();
    for (const cleanup of cleanups) cleanup();
  };
}

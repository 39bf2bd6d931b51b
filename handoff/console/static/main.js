// The console's entry: who is signed in decides between the login and the workspace.

import { api, onUnauthorized, setCsrf } from "./api.js";
import { h, icon } from "./dom.js";
import { chosenLocale, locale, onLocaleChange, setLocale, t } from "./i18n.js";
import { renderLogin } from "./login.js";
import { loadQueueTitles } from "./queues.js";
import { mountShell } from "./shell.js";

const root = document.getElementById("app");
let session = null;
let teardown = null;

function show(render) {
  teardown?.();
  teardown = null;
  document.title = t("app.title");
  teardown = render() ?? null;
  root.setAttribute("aria-busy", "false");
}

function showLogin({ expired = false } = {}) {
  session = null;
  setCsrf(null);
  show(() => renderLogin(root, { expired, onSignedIn }));
}

async function onSignedIn(answer) {
  session = { person: answer.person, csrf: answer.csrf };
  setCsrf(answer.csrf);
  await loadQueueTitles();
  if (!chosenLocale() && answer.person?.locale && answer.person.locale !== locale()) {
    setLocale(answer.person.locale, { remember: false });
    return;
  }
  showShell();
}

function showShell() {
  show(() => mountShell(root, session, { onSignedOut: () => showLogin() }));
}

function showBootError(error) {
  const retry = h("button", { type: "button", class: "btn btn-primary", onclick: boot }, t("conversation.retry"));
  show(() => {
    root.replaceChildren(
      h("div", { class: "empty-state fill" }, icon("offline"), h("strong", {}, error.message), retry),
    );
  });
  retry.focus();
}

onUnauthorized(() => {
  if (session) showLogin({ expired: true });
});

onLocaleChange(() => {
  if (session) showShell();
  else showLogin();
});

async function boot() {
  document.documentElement.lang = locale();
  try {
    await onSignedIn(await api.me());
  } catch (error) {
    if (error.status === 401) showLogin();
    else showBootError(error);
  }
}

boot();

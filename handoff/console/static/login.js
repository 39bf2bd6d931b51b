// The sign-in screen: a polite form that says exactly what went wrong and when to try again.

import { api, setCsrf } from "./api.js";
import { brandLogo } from "./brand.js";
import { channelMark, h, icon } from "./dom.js";
import { clock, duration, timeOfDay } from "./format.js";
import { languageSwitch } from "./language.js";
import { t } from "./i18n.js";

export function renderLogin(root, { expired = false, onSignedIn }) {
  let lockTimer = null;

  const loginInput = h("input", {
    class: "input",
    id: "login-name",
    name: "username",
    autocomplete: "username",
    autocapitalize: "none",
    spellcheck: "false",
    maxlength: "32",
    required: true,
  });
  const passwordInput = h("input", {
    class: "input",
    id: "login-password",
    name: "password",
    type: "password",
    autocomplete: "current-password",
    maxlength: "256",
    required: true,
  });
  const reveal = h(
    "button",
    { type: "button", class: "icon-btn", "aria-label": t("login.showPassword"), "aria-pressed": "false", title: t("login.showPassword") },
    icon("eye"),
  );
  reveal.addEventListener("click", () => {
    const shown = passwordInput.type === "text";
    passwordInput.type = shown ? "password" : "text";
    reveal.setAttribute("aria-pressed", String(!shown));
    const label = shown ? t("login.showPassword") : t("login.hidePassword");
    reveal.setAttribute("aria-label", label);
    reveal.title = label;
    reveal.replaceChildren(icon(shown ? "eye" : "eyeOff"));
  });
  const capsWarning = h("div", { class: "form-warning", hidden: true, "aria-live": "polite" }, t("login.capsLock"));
  passwordInput.addEventListener("keyup", (event) => {
    capsWarning.hidden = !event.getModifierState?.("CapsLock");
  });

  const error = h("div", { class: "form-error", role: "alert", hidden: !expired, id: "login-error" });
  if (expired) showError(t("login.expired"));
  const submit = h("button", { type: "submit", class: "btn btn-primary btn-lg" }, t("login.submit"));

  const form = h(
    "form",
    { class: "login-form", novalidate: true, "aria-describedby": "login-error" },
    error,
    h("div", { class: "field" }, h("label", { class: "field-label", for: "login-name" }, t("login.login")), loginInput),
    h(
      "div",
      { class: "field" },
      h("label", { class: "field-label", for: "login-password" }, t("login.password")),
      h("div", { class: "password-wrap" }, passwordInput, reveal),
      capsWarning,
    ),
    submit,
  );

  function showError(text) {
    error.replaceChildren(icon("error"), h("div", { text }));
    error.hidden = false;
  }

  function lockUntil(seconds) {
    const until = Date.now() + seconds * 1000;
    const at = timeOfDay(new Date(until));
    submit.disabled = true;
    const tick = () => {
      const left = Math.max(0, Math.ceil((until - Date.now()) / 1000));
      if (left <= 0) {
        clearInterval(lockTimer);
        lockTimer = null;
        submit.disabled = false;
        submit.textContent = t("login.submit");
        return;
      }
      submit.textContent = `${t("login.submit")} · ${clock(left)}`;
    };
    showError(t("login.tooMany", { wait: duration(seconds), at }));
    tick();
    clearInterval(lockTimer);
    lockTimer = setInterval(tick, 1000);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (submit.disabled) return;
    const login = loginInput.value.trim();
    const password = passwordInput.value;
    loginInput.setAttribute("aria-invalid", String(!login));
    passwordInput.setAttribute("aria-invalid", String(!password));
    if (!login || !password) {
      showError(t("login.required"));
      (login ? passwordInput : loginInput).focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t("login.submitting");
    try {
      const answer = await api.login(login, password);
      setCsrf(answer.csrf);
      clearInterval(lockTimer);
      onSignedIn(answer);
      return;
    } catch (failure) {
      submit.disabled = false;
      submit.textContent = t("login.submit");
      if (failure.status === 401) {
        showError(t("login.wrong"));
        passwordInput.value = "";
        passwordInput.setAttribute("aria-invalid", "true");
        passwordInput.focus();
      } else if (failure.status === 429) {
        if (failure.retryAfter) lockUntil(failure.retryAfter);
        else showError(t("login.tooManyNoWait"));
      } else if (failure.status === 0) {
        showError(t("login.network"));
      } else {
        showError(t("login.failed", { status: failure.status }));
      }
    }
  });

  const screen = h(
    "div",
    { class: "login-screen" },
    h(
      "section",
      { class: "login-art", "aria-hidden": "true" },
      h("div", { class: "brand" }, brandLogo(), h("div", {}, h("div", { class: "brand-name" }, t("app.product")), h("div", { class: "brand-sub" }, t("app.tagline")))),
      h(
        "div",
        { class: "login-pitch" },
        h("h2", {}, t("login.pitch")),
        h("ul", { class: "login-features" }, t("login.features").map((text) => h("li", {}, icon("check"), h("span", { text })))),
      ),
      previewCard(),
    ),
    h(
      "main",
      { class: "login-main" },
      h(
        "div",
        { class: "login-card" },
        h("h1", {}, t("login.title")),
        h("p", { class: "subtitle" }, t("login.subtitle")),
        form,
        h("div", { class: "login-footer" }, h("span", {}, t("app.title")), languageSwitch()),
      ),
    ),
  );
  root.replaceChildren(screen);
  loginInput.focus();
  return () => clearInterval(lockTimer);
}

/** A still picture of the queue on the art side: what the product is about, at a glance. */
function previewCard() {
  const row = (channel, name, text, wait) =>
    h(
      "div",
      { class: "login-preview-row" },
      channelMark(channel, { size: 22 }),
      h("div", { class: "grow" }, h("div", {}, name), h("div", { class: "muted" }, text)),
      h("span", { class: "tick" }, wait),
    );
  return h(
    "div",
    { class: "login-preview" },
    row("telegram", "Анна П.", t("reason.asked"), "0:42"),
    row("whatsapp", "Игорь С.", t("reason.emergency"), "0:09"),
    row("viber", "Мария К.", t("reason.repeat_contact"), "1:15"),
  );
}

// The RU / EN switch: pressing it re-draws the console in the other language and remembers the choice.

import { h } from "./dom.js";
import { locale, setLocale } from "./i18n.js";

const LANGUAGES = [
  { code: "ru", short: "RU", name: "Русский" },
  { code: "en", short: "EN", name: "English" },
];

export function languageSwitch() {
  return h(
    "div",
    { class: "lang-switch", role: "group", "aria-label": "Язык · Language" },
    LANGUAGES.map(({ code, short, name }) =>
      h(
        "button",
        {
          type: "button",
          lang: code,
          "aria-pressed": String(locale() === code),
          "aria-label": name,
          title: name,
          onclick: () => setLocale(code),
        },
        short,
      ),
    ),
  );
}

export function otherLanguage() {
  return LANGUAGES.find(({ code }) => code !== locale());
}

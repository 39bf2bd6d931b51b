// The console's language: one catalog module per language, Russian by default.
// t("a.b", {n: 2}) looks a text up and fills {placeholders}; plural texts pick their form by {n}.

import en from "./strings-en.js";
import ru from "./strings-ru.js";

const CATALOGS = { ru, en };
const STORAGE_KEY = "omnicab.console.locale";
const listeners = new Set();

let current = initialLocale();

function initialLocale() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved && saved in CATALOGS) return saved;
  } catch {
    // Storage may be disabled; the default is fine.
  }
  return "ru";
}

export function locale() {
  return current;
}

export function chosenLocale() {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function setLocale(next, { remember = true } = {}) {
  if (!(next in CATALOGS) || next === current) return;
  current = next;
  if (remember) {
    try {
      localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered across reloads; still switched now.
    }
  }
  document.documentElement.lang = next;
  for (const listener of listeners) listener(next);
}

export function onLocaleChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function lookup(catalog, key) {
  let value = catalog;
  for (const part of key.split(".")) {
    if (value == null || typeof value !== "object") return undefined;
    value = value[part];
  }
  return value;
}

function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

export function t(key, params = {}) {
  let value = lookup(CATALOGS[current], key);
  if (value === undefined) value = lookup(CATALOGS.ru, key);
  if (value === undefined) return key;
  if (typeof value === "object" && !Array.isArray(value) && "other" in value) {
    const form = new Intl.PluralRules(current).select(Number(params.n ?? 0));
    value = value[form] ?? value.other;
  }
  return typeof value === "string" ? fill(value, params) : value;
}

/** A text that may be missing from the catalog (a queue name, a reason code): null when it is. */
export function tMaybe(key, params = {}) {
  const value = lookup(CATALOGS[current], key);
  return typeof value === "string" ? fill(value, params) : null;
}

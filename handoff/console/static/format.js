// Times, durations, money and masked digits, in the console's current language.

import { locale, t } from "./i18n.js";

export function parseTime(value) {
  if (value == null || value === "") return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** Seconds since ``value`` (an ISO time), never negative; null when there is no time. */
export function secondsSince(value, now = Date.now()) {
  const date = parseTime(value);
  return date ? Math.max(0, Math.floor((now - date.getTime()) / 1000)) : null;
}

/** A ticking clock face: 0:42, 12:05, 1:02:10. */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${rest}` : `${minutes}:${rest}`;
}

/** A duration in words: 42 с, 3 мин, 1 ч 5 мин, 2 дня. */
export function duration(seconds) {
  if (seconds == null || Number.isNaN(seconds)) return t("supervisor.none");
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t("time.seconds", { n: s });
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return t("time.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? t("time.hoursMinutes", { h: hours, m: rest }) : t("time.hours", { n: hours });
  }
  const days = Math.floor(hours / 24);
  return t("time.days", { n: days });
}

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function timeOfDay(value) {
  const date = parseTime(value);
  if (!date) return "";
  return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(date);
}

/** 14:05 today; "вчера, 14:05"; "12 мар., 14:05"; with the year when it is not this year's. */
export function when(value, now = new Date()) {
  const date = parseTime(value);
  if (!date) return "";
  if (sameDay(date, now)) return timeOfDay(date);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return `${t("conversation.yesterday").toLowerCase()}, ${timeOfDay(date)}`;
  const options = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

export function day(value, now = new Date()) {
  const date = parseTime(value);
  if (!date) return "";
  if (sameDay(date, now)) return t("conversation.today");
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return t("conversation.yesterday");
  const options = { day: "numeric", month: "long", weekday: "long" };
  if (date.getFullYear() !== now.getFullYear()) options.year = "numeric";
  return new Intl.DateTimeFormat(locale(), options).format(date);
}

export function dateOnly(value) {
  const date = parseTime(value);
  if (!date) return "";
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "long", year: "numeric" }).format(date);
}

export function dayKey(value) {
  const date = parseTime(value);
  return date ? `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}` : "";
}

export function money(amount, currency = "RUB") {
  const number = Number(amount);
  if (!Number.isFinite(number)) return String(amount ?? "");
  try {
    return new Intl.NumberFormat(locale(), { style: "currency", currency, maximumFractionDigits: 2 }).format(number);
  } catch {
    return `${number} ${currency}`;
  }
}

export function percent(share) {
  if (share == null || Number.isNaN(Number(share))) return t("supervisor.none");
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 0 }).format(Number(share));
}

export function decimal(value, digits = 1) {
  if (value == null || Number.isNaN(Number(value))) return t("supervisor.none");
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(Number(value));
}

/** Shows only the last four digits of a card or account number, whatever the server sent. */
export function maskDigits(value) {
  const digits = String(value ?? "").replace(/\D/g, "");
  if (!digits) return "••••";
  return `•••• ${digits.slice(-4)}`;
}

export function fileSize(bytes) {
  const n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return "";
  const units = locale() === "ru" ? ["Б", "КБ", "МБ", "ГБ"] : ["B", "KB", "MB", "GB"];
  let size = n;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || size >= 10 ? 0 : 1;
  return `${new Intl.NumberFormat(locale(), { maximumFractionDigits: digits }).format(size)} ${units[unit]}`;
}

export function initials(name) {
  const words = String(name ?? "")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (!words.length) return "?";
  return words
    .slice(0, 2)
    .map((word) => word[0].toUpperCase())
    .join("");
}

/** A stable pleasant hue for a name, so one client keeps one avatar colour everywhere. */
export function hueOf(text) {
  let hash = 0;
  for (const char of String(text ?? "")) hash = (hash * 31 + char.codePointAt(0)) % 360;
  return hash;
}

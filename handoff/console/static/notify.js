// A chime and a desktop notification for a new conversation in my queues.
// The chime is synthesised (no sound file); the browser lets it play after the first click or key press.

const SOUND_KEY = "omnicab.console.sound";
const ASKED_KEY = "omnicab.console.notifications-asked";

let audio = null;

function audioContext() {
  if (audio) return audio;
  const Context = window.AudioContext ?? window.webkitAudioContext;
  if (!Context) return null;
  audio = new Context();
  return audio;
}

// Unlock audio on the first gesture, so a later chime can play without one.
for (const type of ["pointerdown", "keydown"]) {
  window.addEventListener(
    type,
    () => {
      const context = audioContext();
      if (context?.state === "suspended") context.resume().catch(() => {});
    },
    { once: true, capture: true },
  );
}

export function soundEnabled() {
  try {
    return localStorage.getItem(SOUND_KEY) !== "off";
  } catch {
    return true;
  }
}

export function setSoundEnabled(enabled) {
  try {
    localStorage.setItem(SOUND_KEY, enabled ? "on" : "off");
  } catch {
    // Not remembered; still applies now.
  }
}

/** Two soft rising tones; three, higher, for an emergency. */
export function chime({ urgent = false } = {}) {
  if (!soundEnabled()) return;
  const context = audioContext();
  if (!context || context.state !== "running") return;
  const notes = urgent ? [880, 1175, 1568] : [660, 880];
  const start = context.currentTime + 0.02;
  notes.forEach((frequency, index) => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    const at = start + index * 0.16;
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.18, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.38);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.4);
  });
}

function notificationsSupported() {
  return "Notification" in window;
}

/** Whether to offer the polite "allow notifications" card: supported, undecided, not dismissed. */
export function shouldAskForNotifications() {
  if (!notificationsSupported() || Notification.permission !== "default") return false;
  try {
    return localStorage.getItem(ASKED_KEY) !== "later";
  } catch {
    return true;
  }
}

export function postponeNotifications() {
  try {
    localStorage.setItem(ASKED_KEY, "later");
  } catch {
    // Asked again next time; harmless.
  }
}

export async function askForNotifications() {
  if (!notificationsSupported()) return "denied";
  try {
    return await Notification.requestPermission();
  } catch {
    return Notification.permission;
  }
}

/** A desktop notification when the tab is not in front; clicking it brings the conversation up. */
export function desktopNotice(title, body, { tag, onClick } = {}) {
  if (!notificationsSupported() || Notification.permission !== "granted") return null;
  if (document.visibilityState === "visible" && document.hasFocus()) return null;
  try {
    const notice = new Notification(title, { body, tag, icon: "/console/static/favicon.svg" });
    notice.onclick = () => {
      window.focus();
      onClick?.();
      notice.close();
    };
    return notice;
  } catch {
    return null;
  }
}

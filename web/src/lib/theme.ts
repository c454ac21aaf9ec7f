import { useCallback, useSyncExternalStore } from "react";

/** "system" follows the operating system's `prefers-color-scheme`; the others pin a theme. */
export type ThemeChoice = "system" | "light" | "dark";

export const THEME_STORAGE_KEY = "exports.theme";
const CHOICES: readonly ThemeChoice[] = ["system", "light", "dark"];
const listeners = new Set<() => void>();

function read(): ThemeChoice {
  try {
    const stored = window.localStorage.getItem(THEME_STORAGE_KEY);
    return CHOICES.includes(stored as ThemeChoice) ? (stored as ThemeChoice) : "system";
  } catch {
    return "system"; // storage blocked: follow the system
  }
}

/**
 * Puts the choice on <html data-theme>: app.css answers `light`/`dark` with that theme and no attribute with
 * the system's. Call once before the first render so the page never flashes the other theme.
 */
export function applyTheme(choice: ThemeChoice = read()): void {
  const root = document.documentElement;
  if (choice === "system") root.removeAttribute("data-theme");
  else root.setAttribute("data-theme", choice);
}

export function setTheme(choice: ThemeChoice): void {
  try {
    if (choice === "system") window.localStorage.removeItem(THEME_STORAGE_KEY);
    else window.localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  current = choice;
  applyTheme(choice);
  listeners.forEach((listener) => listener());
}

let current: ThemeChoice | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The stored theme choice and a setter that persists it in localStorage. */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const choice = useSyncExternalStore(subscribe, () => (current ??= read()));
  return [choice, useCallback((next: ThemeChoice) => setTheme(next), [])];
}

/** Forgets the cached choice (tests reset localStorage between cases). */
export function resetThemeForTests(): void {
  current = undefined;
}

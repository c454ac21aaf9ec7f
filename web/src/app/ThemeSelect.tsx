import { useId } from "react";
import { useTheme, type ThemeChoice } from "../lib/theme";

const OPTIONS: { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

/** The app's appearance: light, dark or the system's; the choice is kept in this browser (localStorage). */
export function ThemeSelect() {
  const id = useId();
  const [theme, setTheme] = useTheme();
  return (
    <div className="theme-select">
      {/* Not "Theme": the dashboards' export options have a Theme of their own (the image's). */}
      <label htmlFor={id} className="sr-only">
        Appearance
      </label>
      <span className="theme-icon" aria-hidden="true">
        {theme === "dark" ? "☾" : theme === "light" ? "☀" : "◐"}
      </span>
      <select id={id} className="input input-sm" value={theme} onChange={(event) => setTheme(event.target.value as ThemeChoice)}>
        {OPTIONS.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

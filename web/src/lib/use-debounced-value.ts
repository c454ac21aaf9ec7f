import { useEffect, useState } from "react";

/**
 * Returns `value` once it has stopped changing for `delayMs`. Values are compared by their JSON
 * form, so a request object rebuilt on every render does not restart the timer.
 */
export function useDebouncedValue<T>(value: T, delayMs: number): T {
  const key = JSON.stringify(value);
  const [debounced, setDebounced] = useState({ key, value });

  useEffect(() => {
    if (key === debounced.key) return;
    // `value` is the one from the render where `key` last changed: equal in content to the latest.
    const timer = setTimeout(() => setDebounced({ key, value }), delayMs);
    return () => clearTimeout(timer);
  }, [key, delayMs, debounced.key]);

  return debounced.value;
}

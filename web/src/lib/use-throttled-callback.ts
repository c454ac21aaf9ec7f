import { useCallback, useEffect, useRef } from "react";

/**
 * A stable function that runs `fn` at most once per `intervalMs`: the first call at once, and the calls that come
 * sooner folded into one run at the end of the interval (so the last call is never lost). Pending runs are dropped on
 * unmount.
 */
export function useThrottledCallback(fn: () => void, intervalMs: number): () => void {
  const latest = useRef(fn);
  const last = useRef(Number.NEGATIVE_INFINITY);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    latest.current = fn;
  }, [fn]);
  useEffect(() => () => clearTimeout(timer.current), []);

  return useCallback(() => {
    if (timer.current !== undefined) return; // a run is already due: it will see this call's state
    const wait = last.current + intervalMs - Date.now();
    const run = () => {
      timer.current = undefined;
      last.current = Date.now();
      latest.current();
    };
    if (wait <= 0) run();
    else timer.current = setTimeout(run, wait);
  }, [intervalMs]);
}

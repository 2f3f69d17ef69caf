// The page refreshes itself: every `intervalMs` while the tab is visible and not paused,
// one load at a time (a tick that finds one running waits for it instead of starting
// another), at once when the tab comes back into view or the pause ends.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Refresh {
  updatedAt: Date | null;
  busy: boolean;
  /** Load now (or join the load under way). */
  refresh: () => Promise<void>;
}

export function useAutoRefresh(load: () => Promise<void>, intervalMs: number, paused: boolean): Refresh {
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [busy, setBusy] = useState(false);
  const loader = useRef(load);
  loader.current = load;
  const running = useRef<Promise<void> | null>(null);

  const refresh = useCallback((): Promise<void> => {
    if (running.current === null) {
      setBusy(true);
      running.current = loader.current().finally(() => {
        running.current = null;
        setBusy(false);
        setUpdatedAt(new Date());
      });
    }
    return running.current;
  }, []);

  useEffect(() => {
    if (paused) return;
    let timer: number | undefined;
    let stopped = false;
    const tick = async () => {
      window.clearTimeout(timer);
      if (document.visibilityState !== "visible") return; // resumed by visibilitychange
      await refresh();
      // Two ticks may have waited on the same load: only one timer goes on.
      window.clearTimeout(timer);
      if (!stopped && document.visibilityState === "visible") timer = window.setTimeout(() => void tick(), intervalMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === "visible") void tick();
      else window.clearTimeout(timer);
    };
    void tick();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [paused, intervalMs, refresh]);

  return { updatedAt, busy, refresh };
}

// The operations dashboard: request rate, error rate and latency over a chosen window,
// readiness, the SLA and its error budget, alerts with acknowledge / resolve / silence,
// webhook endpoints and their failing deliveries, the generation queue and the latest
// errors. It refreshes itself while the tab is in view, and alerts follow the live
// stream. Each panel loads on its own: the service-wide ones need the platform operator
// and say so to any other admin, while the organization's own panels go on. Everyone
// else sees the panels of their role: the alerts (an analyst on shift is who an alert
// escalates to, and acknowledges it here), and for managers the generation queue.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, getAll, type Page } from "../../api/client";
import { hasRole, type Me } from "../../api/session";
import { useFieldId } from "../../components/ui";
import { useLiveEvents } from "../../live/stream";
import { AlertsPanel } from "./alerts-panel";
import { Charts } from "./charts";
import { clock, isRefusal } from "./format";
import { OPERATOR_ONLY_EXPLAINED, Panel, type PanelState, StatusBadge } from "./panel";
import { GenerationQueue, NowFigures, Readiness, RecentErrors, Sla } from "./panels";
import { useAutoRefresh } from "./use-refresh";
import { WebhooksPanel, type WebhooksData } from "./webhooks-panel";
import type { Alert, Dashboard, Delivery, GenerationJob, MetricsSeries, Team, WebhookEndpoint, WebhookStats } from "./types";
import "./operations.css";

const WINDOWS = [
  { value: "1h", label: "last 1 h" },
  { value: "6h", label: "last 6 h" },
  { value: "24h", label: "last 24 h" },
  { value: "7d", label: "last 7 days" },
];
const REFRESH_MS = 12_000;
const WEBHOOK_HOURS = 24;
// Endpoints whose failing deliveries are looked up, at most, per refresh.
const TROUBLED_ENDPOINTS = 10;

interface AlertLists {
  open: Alert[];
  recent: Alert[];
}

interface Queue {
  jobs: GenerationJob[];
  teams: Map<number, Team>;
}

type Setter<T> = (update: (previous: PanelState<T>) => PanelState<T>) => void;

/** Run `work` into a panel: its data, or its error beside the last data (a refusal
 * drops the data: it is no longer the viewer's to see). Never throws. */
async function settle<T>(set: Setter<T>, work: () => Promise<T>): Promise<boolean> {
  try {
    const data = await work();
    set(() => ({ data }));
    return true;
  } catch (error) {
    set((previous) => ({ data: isRefusal(error) ? undefined : previous.data, error }));
    return false;
  }
}

/** A load that never runs twice at once: a call while it runs asks for one more run
 * after it (a live event may describe a change the running load read too early). */
function useSingleFlight(load: () => Promise<void>): () => Promise<void> {
  const current = useRef(load);
  current.current = load;
  const running = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  return useCallback(() => {
    if (running.current !== null) {
      again.current = true;
      return running.current;
    }
    const run = async (): Promise<void> => {
      do {
        again.current = false;
        await current.current();
      } while (again.current);
    };
    running.current = run().finally(() => {
      running.current = null;
    });
    return running.current;
  }, []);
}

export function OperationsPage({ me }: { me: Me }) {
  const [windowChoice, setWindowChoice] = useState("1h");
  const [paused, setPaused] = useState(false);
  const [dashboard, setDashboard] = useState<PanelState<Dashboard>>({});
  const [series, setSeries] = useState<PanelState<MetricsSeries>>({});
  const [alerts, setAlerts] = useState<PanelState<AlertLists>>({});
  const [webhooks, setWebhooks] = useState<PanelState<WebhooksData>>({});
  const [queue, setQueue] = useState<PanelState<Queue>>({});
  // What the role may read (the API refuses the rest): admins everything, managers
  // the generation queue, everyone the alerts.
  const admin = hasRole(me, "admin");
  const plans = hasRole(me, "admin", "manager");
  const windowSelect = useFieldId("ops-window");
  const chosenWindow = useRef(windowChoice);
  chosenWindow.current = windowChoice;
  // Once the API said the service-wide figures are not this account's, stop asking.
  const operatorRefused = useRef<unknown>(null);
  const teams = useRef<Map<number, Team> | null>(null);

  const loadSeries = useSingleFlight(async () => {
    if (operatorRefused.current !== null) return setSeries(() => ({ error: operatorRefused.current }));
    // A window chosen while this runs makes one more run after it (single flight).
    const window = chosenWindow.current;
    await settle(setSeries, () => api.get<MetricsSeries>("/monitoring/metrics/series", { window }));
  });

  const loadDashboard = useSingleFlight(async () => {
    if (operatorRefused.current !== null) return setDashboard(() => ({ error: operatorRefused.current }));
    await settle(setDashboard, async () => {
      try {
        return await api.get<Dashboard>("/monitoring/dashboard");
      } catch (error) {
        if (isRefusal(error)) operatorRefused.current = error;
        throw error;
      }
    });
  });

  const loadAlerts = useSingleFlight(async () => {
    await settle(setAlerts, async () => {
      const [open, recent] = await Promise.all([
        api.get<Page<Alert>>("/monitoring/alerts", { resolved: false, limit: 50 }),
        api.get<Page<Alert>>("/monitoring/alerts", { limit: 15 }),
      ]);
      return { open: open.items, recent: recent.items };
    });
  });

  const loadWebhooks = useSingleFlight(async () => {
    await settle(setWebhooks, async () => {
      const [endpoints, stats] = await Promise.all([
        getAll<WebhookEndpoint>("/monitoring/webhooks"),
        api.get<WebhookStats>("/monitoring/webhooks/stats", { hours: WEBHOOK_HOURS }),
      ]);
      const byEndpoint = new Map(stats.endpoints.map((s) => [s.endpointId, s]));
      const troubled = endpoints
        .filter((e) => {
          const s = byEndpoint.get(e.id);
          return e.failingSince !== null || (s !== undefined && (s.failed > 0 || s.pending > 0));
        })
        .slice(0, TROUBLED_ENDPOINTS);
      // The newest failed ones, and the pending ones being retried: an ordered endpoint
      // holds its later messages back behind the one failing (made before it failed),
      // so those made before `failingSince` are where it is.
      const pages = await Promise.all(
        troubled.flatMap((e) => [
          api.get<Page<Delivery>>(`/monitoring/webhooks/${e.id}/deliveries`, { status: "failed", limit: 5 }),
          api.get<Page<Delivery>>(`/monitoring/webhooks/${e.id}/deliveries`, {
            status: "pending",
            limit: 20,
            until: e.failingSince === null ? undefined : new Date(Date.parse(e.failingSince) + 1).toISOString(),
          }),
        ]),
      );
      const failing = pages
        .flatMap((p) => p.items)
        .filter((d) => d.status === "failed" || d.attempts > 0)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
      return { endpoints, stats: byEndpoint, failing, hours: WEBHOOK_HOURS };
    });
  });

  const loadQueue = useSingleFlight(async () => {
    await settle(setQueue, async () => {
      const [jobs, teamList] = await Promise.all([
        getAll<GenerationJob>("/api/schedules/generate?status=queued&status=running"),
        teams.current === null ? getAll<Team>("/api/teams") : Promise.resolve(null),
      ]);
      if (teamList !== null) teams.current = new Map(teamList.map((t) => [t.id, t]));
      return { jobs, teams: teams.current ?? new Map<number, Team>() };
    });
  });

  const loadAll = useCallback(async () => {
    if (admin) await loadDashboard(); // first: it tells whether the service-wide figures are ours
    await Promise.all([admin && loadSeries(), loadAlerts(), admin && loadWebhooks(), plans && loadQueue()]);
  }, []);

  const { updatedAt, busy, refresh } = useAutoRefresh(loadAll, REFRESH_MS, paused);

  // A new window: its series at once, not at the next tick.
  const firstWindow = useRef(true);
  useEffect(() => {
    if (firstWindow.current || !admin) {
      firstWindow.current = false;
      return;
    }
    void loadSeries();
  }, [windowChoice]);

  // Alerts follow the live stream; a burst of events makes one load.
  const liveTimer = useRef<number | undefined>(undefined);
  useLiveEvents(["alert."], () => {
    window.clearTimeout(liveTimer.current);
    liveTimer.current = window.setTimeout(() => void loadAlerts(), 250);
  });
  useEffect(() => () => window.clearTimeout(liveTimer.current), []);

  const onAlertAnswer = (answer: Alert) => {
    setAlerts((previous) => {
      if (previous.data === undefined) return previous;
      const open = ["pending", "firing"].includes(answer.status);
      return {
        ...previous,
        data: {
          open: open ? previous.data.open.map((a) => (a.id === answer.id ? answer : a)) : previous.data.open.filter((a) => a.id !== answer.id),
          recent: previous.data.recent.map((a) => (a.id === answer.id ? answer : a)),
        },
      };
    });
    void loadAlerts();
  };

  const windowLabel = WINDOWS.find((w) => w.value === windowChoice)?.label ?? windowChoice;
  const openCount = alerts.data?.open.filter((a) => a.status === "firing").length;

  return (
    <section class="page ops">
      <header class="page__header">
        <h1>Operations</h1>
        <div class="toolbar ops-toolbar">
          {admin && (
            <div class="field ops-toolbar__field">
              <label for={windowSelect}>Chart window</label>
              <select id={windowSelect} value={windowChoice} onChange={(e) => setWindowChoice(e.currentTarget.value)}>
                {WINDOWS.map((w) => (
                  <option key={w.value} value={w.value}>
                    {w.label}
                  </option>
                ))}
              </select>
            </div>
          )}
          <button type="button" class="button" aria-pressed={paused} onClick={() => setPaused((p) => !p)}>
            {paused ? "Resume refresh" : "Pause refresh"}
          </button>
          <button type="button" class="button" onClick={() => void refresh()} disabled={busy}>
            Refresh now
          </button>
          <p class="ops-updated" data-testid="updated">
            {busy && updatedAt === null ? "Loading…" : updatedAt ? `Updated ${clock(updatedAt)}` : ""}
            {paused ? " · paused" : busy ? " · refreshing…" : ""}
          </p>
        </div>
      </header>

      <div class="ops-grid">
        {admin && (
          <Panel id="ops-traffic" title="Traffic" state={series} wide refusal={OPERATOR_ONLY_EXPLAINED}>
            {(data) => (
              <>
                {dashboard.data && <NowFigures metrics={dashboard.data.metrics} />}
                <Charts series={data} windowLabel={windowLabel} />
              </>
            )}
          </Panel>
        )}

        <Panel
          id="ops-alerts"
          title="Alerts"
          state={alerts}
          refusal="Your account cannot read your organization's alerts."
          headerExtra={openCount ? <span class="badge badge--danger">{openCount} firing</span> : undefined}
        >
          {(data) => <AlertsPanel me={me} open={data.open} recent={data.recent} onAnswer={onAlertAnswer} />}
        </Panel>

        {admin && (
          <>
            <Panel
              id="ops-readiness"
              title="Readiness"
              state={{ data: dashboard.data?.readiness, error: dashboard.error }}
              headerExtra={dashboard.data && <StatusBadge status={dashboard.data.readiness.status} />}
            >
              {(readiness) => <Readiness checks={readiness.checks} />}
            </Panel>

            <Panel id="ops-sla" title="Service level" state={{ data: dashboard.data?.sla, error: dashboard.error }}>
              {(sla) => <Sla sla={sla} />}
            </Panel>

            <Panel id="ops-webhooks" title="Webhooks" state={webhooks} wide refusal="Webhook endpoints are for your organization's admins.">
              {(data) => <WebhooksPanel data={data} onChanged={() => void loadWebhooks()} />}
            </Panel>
          </>
        )}

        {plans && (
          <Panel id="ops-queue" title="Generation queue" state={queue} refusal="The generation queue is for managers and admins.">
            {(data) => <GenerationQueue jobs={data.jobs} teams={data.teams} timeZone={me.organization.timezone} />}
          </Panel>
        )}

        {admin && (
          <Panel id="ops-errors" title="Recent errors" state={{ data: dashboard.data?.recent_errors, error: dashboard.error }}>
            {(errors) => <RecentErrors errors={errors} />}
          </Panel>
        )}
      </div>
    </section>
  );
}

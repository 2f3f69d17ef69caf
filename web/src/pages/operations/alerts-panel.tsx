// Open (pending, firing) and recent alerts of the organization, with acknowledge,
// resolve and silence. What the API answers (a resolve's "will reopen if it still
// holds", a 409 for an alert that stopped firing meanwhile) is shown as it says it.
import { useRef, useState } from "preact/hooks";
import { api } from "../../api/client";
import { hasRole, type Me } from "../../api/session";
import { ErrorNotice, useFieldId, TableScroll } from "../../components/ui";
import { dateTime } from "./format";
import { StatusBadge } from "./panel";
import type { Alert, ResolvedAlert, Severity } from "./types";

const SILENCES: { value: string; label: string }[] = [
  { value: "15", label: "15 minutes" },
  { value: "60", label: "1 hour" },
  { value: "240", label: "4 hours" },
  { value: "1440", label: "24 hours" },
  { value: "resolved", label: "Until it resolves" },
];

const SEVERITY_CLASS: Record<Severity, string> = {
  CRITICAL: "danger",
  HIGH: "danger",
  MEDIUM: "warning",
  LOW: "",
};

function labelText(labels: Record<string, unknown>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(", ");
}

function alertName(alert: Alert): string {
  const labels = labelText(alert.labels);
  return labels ? `${alert.ruleName} (${labels})` : alert.ruleName;
}

interface Outcome {
  text?: string;
  error?: unknown;
  subject: string;
}

interface AlertsProps {
  me: Me;
  open: Alert[];
  recent: Alert[];
  /** The alert as the API answered an action with it; the page refreshes the lists. */
  onAnswer: (alert: Alert) => void;
}

export function AlertsPanel({ me, open, recent, onAnswer }: AlertsProps) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);

  const act = async (alert: Alert, action: () => Promise<Alert>, done: (answer: Alert) => string) => {
    setBusy(alert.id);
    try {
      const answer = await action();
      setOutcome({ subject: alertName(alert), text: done(answer) });
      onAnswer(answer);
    } catch (error) {
      setOutcome({ subject: alertName(alert), error });
    } finally {
      setBusy(null);
      // The button pressed may be gone with the alert's new state: keep the keyboard
      // user's place on the answer.
      window.setTimeout(() => outcomeRef.current?.focus(), 0);
    }
  };

  const acknowledge = (alert: Alert) =>
    act(
      alert,
      () => api.post<Alert>(`/monitoring/alerts/${alert.id}/acknowledge`),
      (answer) => `Acknowledged at ${dateTime(answer.acknowledgedAt)}: its escalation stops.`,
    );
  const resolve = (alert: Alert) =>
    act(
      alert,
      () => api.post<ResolvedAlert>(`/monitoring/alerts/${alert.id}/resolve`),
      (answer) => (answer as ResolvedAlert).message || "Resolved.",
    );
  const silence = (alert: Alert, choice: string) =>
    act(
      alert,
      () =>
        api.post<Alert>(
          `/monitoring/alerts/${alert.id}/silence`,
          choice === "resolved" ? { untilResolved: true } : { minutes: Number(choice) },
        ),
      (answer) =>
        answer.silencedUntilResolved ? "Silenced until it resolves." : `Silenced until ${dateTime(answer.silencedUntil)}.`,
    );

  const manage = hasRole(me, "admin", "manager");
  return (
    <>
      <div ref={outcomeRef} tabIndex={-1} class="ops-outcome">
        {outcome?.error !== undefined && outcome !== null && (
          <>
            <p class="ops-outcome__subject">{outcome.subject}</p>
            <ErrorNotice error={outcome.error} />
          </>
        )}
        {outcome?.text !== undefined && (
          <p class="notice notice--success" role="status">
            <strong>{outcome.subject}</strong>: {outcome.text}
          </p>
        )}
      </div>
      <h3>Firing and pending</h3>
      {open.length === 0 ? (
        <p class="ops-empty" data-testid="no-open-alerts">No alert is firing or pending.</p>
      ) : (
        <ul class="ops-alerts">
          {open.map((alert) => (
            <li key={alert.id}>
              <OpenAlert alert={alert} manage={manage} busy={busy === alert.id} onAcknowledge={acknowledge} onResolve={resolve} onSilence={silence} />
            </li>
          ))}
        </ul>
      )}
      <h3>Recent</h3>
      <RecentAlerts alerts={recent} />
    </>
  );
}

interface OpenAlertProps {
  alert: Alert;
  manage: boolean;
  busy: boolean;
  onAcknowledge: (alert: Alert) => void;
  onResolve: (alert: Alert) => void;
  onSilence: (alert: Alert, choice: string) => void;
}

function OpenAlert({ alert, manage, busy, onAcknowledge, onResolve, onSilence }: OpenAlertProps) {
  const id = useFieldId("alert");
  const [choice, setChoice] = useState("60");
  const firing = alert.status === "firing";
  const labels = labelText(alert.labels);
  const silenced = alert.silencedUntilResolved || (alert.silencedUntil !== null && Date.parse(alert.silencedUntil) > Date.now());
  return (
    <article class={`ops-alert ops-alert--${alert.status}`} aria-labelledby={`${id}-name`} data-alert-id={alert.id}>
      <div class="ops-alert__head">
        <span class={`badge${SEVERITY_CLASS[alert.severity] ? ` badge--${SEVERITY_CLASS[alert.severity]}` : ""}`}>{alert.severity}</span>
        <h4 id={`${id}-name`} class="ops-alert__name">
          {alert.ruleName}
          {labels && <span class="ops-alert__labels"> · {labels}</span>}
        </h4>
        <StatusBadge status={alert.status} />
        {alert.acknowledgedAt && <span class="badge badge--success">acknowledged</span>}
        {silenced && <span class="badge">silenced</span>}
      </div>
      <p class="ops-alert__summary">{alert.summary}</p>
      <p class="hint ops-alert__times">
        {firing ? `Firing since ${dateTime(alert.firedAt)}` : `Pending since ${dateTime(alert.activeSince)}`}
        {alert.acknowledgedAt && ` · acknowledged ${dateTime(alert.acknowledgedAt)}`}
        {alert.silencedUntilResolved ? " · silenced until it resolves" : alert.silencedUntil && silenced ? ` · silenced until ${dateTime(alert.silencedUntil)}` : ""}
      </p>
      <div class="ops-alert__actions" role="group" aria-label={`Actions for ${alert.ruleName}`}>
        {firing && alert.acknowledgedAt === null && (
          <button type="button" class="button button--primary button--small" disabled={busy} onClick={() => onAcknowledge(alert)}>
            Acknowledge
          </button>
        )}
        {manage && firing && (
          <button type="button" class="button button--small" disabled={busy} onClick={() => onResolve(alert)}>
            Resolve
          </button>
        )}
        {manage && (
          <span class="ops-silence">
            <label for={`${id}-silence`}>Silence for</label>
            <select id={`${id}-silence`} value={choice} onChange={(e) => setChoice(e.currentTarget.value)} disabled={busy}>
              {SILENCES.map((option) => (
                <option key={option.value} value={option.value}>
                  {option.label}
                </option>
              ))}
            </select>
            <button type="button" class="button button--small" disabled={busy} onClick={() => onSilence(alert, choice)}>
              Silence
            </button>
          </span>
        )}
      </div>
    </article>
  );
}

function RecentAlerts({ alerts }: { alerts: Alert[] }) {
  if (alerts.length === 0) return <p class="ops-empty">No alert yet.</p>;
  return (
    <TableScroll>
      <table class="table">
        <caption class="visually-hidden">Your organization's latest alerts</caption>
        <thead>
          <tr>
            <th scope="col">Alert</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Since</th>
            <th scope="col">Ended</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <tr key={alert.id}>
              <th scope="row">
                {alertName(alert)}
                <small class="ops-note">{alert.summary}</small>
              </th>
              <td>{alert.severity}</td>
              <td>
                <StatusBadge status={alert.status} />
                {alert.acknowledgedAt && alert.status === "firing" && <span class="ops-note">acknowledged</span>}
              </td>
              <td>{dateTime(alert.firedAt ?? alert.activeSince)}</td>
              <td>
                {alert.resolvedAt ? dateTime(alert.resolvedAt) : "—"}
                {alert.resolution && <span class="ops-note">{alert.resolution.replace(/_/g, " ")}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableScroll>
  );
}

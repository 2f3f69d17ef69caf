// The organization's webhook endpoints with their last day's success rate, and the
// deliveries that are failing: retry one now, or replay an endpoint's failed day.
import { useRef, useState } from "preact/hooks";
import { api, request } from "../../api/client";
import { ErrorNotice, TableScroll } from "../../components/ui";
import { dateTime, ms, number, pct } from "./format";
import { StatusBadge } from "./panel";
import type { Delivery, EndpointStats, WebhookEndpoint } from "./types";

export interface WebhooksData {
  endpoints: WebhookEndpoint[];
  stats: Map<number, EndpointStats>;
  failing: Delivery[];
  hours: number;
}

interface Outcome {
  text?: string;
  error?: unknown;
}

export function WebhooksPanel({ data, onChanged }: { data: WebhooksData; onChanged: () => void }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const outcomeRef = useRef<HTMLDivElement>(null);
  const names = new Map(data.endpoints.map((e) => [e.id, e.name]));

  const act = async (key: string, action: () => Promise<string>) => {
    setBusy(key);
    try {
      setOutcome({ text: await action() });
      onChanged();
    } catch (error) {
      setOutcome({ error });
    } finally {
      setBusy(null);
      window.setTimeout(() => outcomeRef.current?.focus(), 0);
    }
  };

  const retry = (delivery: Delivery) =>
    act(`retry-${delivery.id}`, async () => {
      await api.post<Delivery>(`/monitoring/webhooks/${delivery.endpointId}/deliveries/${delivery.id}/retry`);
      return `Delivery ${delivery.id} (${delivery.eventType}) to ${names.get(delivery.endpointId) ?? "the endpoint"} is sent again within moments.`;
    });
  const replay = (endpoint: WebhookEndpoint) =>
    act(`replay-${endpoint.id}`, async () => {
      const since = new Date(Date.now() - data.hours * 3600_000).toISOString();
      const { data: answer } = await request<{ queued: number }>(`/monitoring/webhooks/${endpoint.id}/replay`, {
        method: "POST",
        query: { since },
      });
      return `${endpoint.name}: ${answer.queued} failed ${answer.queued === 1 ? "delivery" : "deliveries"} of the last ${data.hours} h queued again.`;
    });

  if (data.endpoints.length === 0) return <p class="ops-empty">Your organization has no webhook endpoint.</p>;
  return (
    <>
      <div ref={outcomeRef} tabIndex={-1} class="ops-outcome">
        {outcome?.error !== undefined && <ErrorNotice error={outcome.error} />}
        {outcome?.text !== undefined && (
          <p class="notice notice--success" role="status">
            {outcome.text}
          </p>
        )}
      </div>
      <TableScroll>
        <table class="table">
          <caption class="visually-hidden">Webhook endpoints over the last {data.hours} hours</caption>
          <thead>
            <tr>
              <th scope="col">Endpoint</th>
              <th scope="col">Success ({data.hours} h)</th>
              <th scope="col">Sent / failed / pending</th>
              <th scope="col">p95</th>
              <th scope="col">Last failure</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.endpoints.map((endpoint) => {
              const stats = data.stats.get(endpoint.id);
              return (
                <tr key={endpoint.id}>
                  <th scope="row">
                    {endpoint.name}{" "}
                    {!endpoint.enabled && <StatusBadge status="disabled" />}
                    {endpoint.failingSince && <span class="badge badge--danger">failing since {dateTime(endpoint.failingSince)}</span>}
                    <small class="ops-note ops-break">{endpoint.url}</small>
                    {endpoint.disabledReason && <small class="ops-note">{endpoint.disabledReason}</small>}
                  </th>
                  <td>{stats?.successRate === null || stats === undefined ? "—" : pct(stats.successRate * 100, 1)}</td>
                  <td>
                    {number(stats?.sent ?? 0)} / {number(stats?.failed ?? 0)} / {number(stats?.pending ?? 0)}
                  </td>
                  <td>{ms(stats?.p95LatencyMs)}</td>
                  <td>{dateTime(stats?.lastFailureAt)}</td>
                  <td>
                    {(stats?.failed ?? 0) > 0 && (
                      <button
                        type="button"
                        class="button button--small"
                        disabled={busy !== null}
                        onClick={() => void replay(endpoint)}
                        aria-label={`Replay failed deliveries of ${endpoint.name}`}
                      >
                        Replay failed
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableScroll>
      <h3>Failing deliveries</h3>
      {data.failing.length === 0 ? (
        <p class="ops-empty">No delivery is failing.</p>
      ) : (
        <TableScroll>
          <table class="table">
            <caption class="visually-hidden">Deliveries that failed or are being retried</caption>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last answer</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.failing.map((delivery) => (
                <tr key={delivery.id}>
                  <th scope="row">
                    {delivery.eventType}
                    <small class="ops-note">
                      {names.get(delivery.endpointId)} · {dateTime(delivery.createdAt)}
                    </small>
                  </th>
                  <td>
                    <StatusBadge status={delivery.status === "pending" ? "retrying" : delivery.status} />
                  </td>
                  <td>{delivery.attempts}</td>
                  <td class="ops-break">{delivery.lastStatusCode ?? delivery.lastError ?? "—"}</td>
                  <td>
                    <button
                      type="button"
                      class="button button--small"
                      disabled={busy !== null}
                      onClick={() => void retry(delivery)}
                      aria-label={`Retry delivery ${delivery.id} (${delivery.eventType})`}
                    >
                      Retry
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      )}
    </>
  );
}

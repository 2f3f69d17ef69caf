// One panel of the operations page: its own data, its own refusal. A panel the API
// refuses says so in words and the rest of the page goes on.
import type { ComponentChildren } from "preact";
import { ErrorNotice, Spinner } from "../../components/ui";
import { isRefusal } from "./format";

export interface PanelState<T> {
  data?: T;
  error?: unknown;
}

export const OPERATOR_ONLY = "Service-wide measurements are for the platform operator.";
export const OPERATOR_ONLY_EXPLAINED =
  "Service-wide measurements are for the platform operator (or an API key with the monitoring scope); your account sees your organization's alerts, webhooks and generation queue.";

interface PanelProps<T> {
  id: string;
  title: string;
  state: PanelState<T>;
  /** Said instead of the API's refusal (403). */
  refusal?: string;
  wide?: boolean;
  headerExtra?: ComponentChildren;
  children: (data: T) => ComponentChildren;
}

export function Panel<T>({ id, title, state, refusal = OPERATOR_ONLY, wide, headerExtra, children }: PanelProps<T>) {
  const refused = isRefusal(state.error);
  return (
    <section class={`card ops-panel${wide ? " ops-panel--wide" : ""}`} aria-labelledby={`${id}-heading`} id={id}>
      <header class="ops-panel__header">
        <h2 id={`${id}-heading`}>{title}</h2>
        {headerExtra}
      </header>
      {refused ? (
        <p class="notice notice--info ops-refusal">{refusal}</p>
      ) : (
        <>
          {state.error !== undefined && <ErrorNotice error={state.error} />}
          {state.data !== undefined ? children(state.data) : state.error === undefined && <Spinner />}
        </>
      )}
    </section>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const kind =
    status === "pass" || status === "succeeded" || status === "met"
      ? "success"
      : status === "warn" || status === "pending" || status === "queued" || status === "retrying"
        ? "warning"
        : status === "fail" || status === "firing" || status === "failed" || status === "missed"
          ? "danger"
          : "";
  return <span class={`badge${kind ? ` badge--${kind}` : ""}`}>{status}</span>;
}

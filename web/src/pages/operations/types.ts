// The operations API's answers, field names as the API sends them (the alerting, webhook
// and readiness documents are camelCase; the rollup and SLA figures snake_case).

export type HealthStatus = "pass" | "warn" | "fail";

export interface HealthCheck {
  componentId?: string;
  componentType?: string;
  observedValue?: number;
  observedUnit?: string;
  status: HealthStatus;
  time: string;
  output?: string | null;
}

export interface HealthReport {
  status: HealthStatus;
  version: string;
  releaseId?: string;
  serviceId: string;
  description: string;
  checks: Record<string, HealthCheck[]>;
}

export interface WindowFigures {
  minutes: number;
  requests: number;
  request_rate_per_minute: number;
  error_rate_percent: number | null;
  client_error_rate_percent: number | null;
  average_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface ProcessFigures {
  minute: string;
  cpu_percent: number;
  rss_mb: number;
  event_loop_lag_ms: number;
  db_pool_in_use: number;
  db_pool_size: number;
  db_pool_utilization_percent: number | null;
}

export interface MetricsSummary {
  generated_at: string;
  window_end: string;
  windows: WindowFigures[];
  process: ProcessFigures | null;
}

export interface Objective {
  target: number;
  actual: number | null;
  met: boolean | null;
}

export interface SlaReport {
  window: string;
  start: string;
  end: string;
  measured_since: string | null;
  measured_minutes: number;
  availability_percent: Objective;
  error_rate_percent: Objective;
  p95_ms: Objective;
  requests: number;
  error_budget: {
    allowed_minutes: number;
    spent_minutes: number;
    remaining_minutes: number;
    remaining_percent: number | null;
  };
  spent_by_count: number;
}

export interface ErrorGroup {
  id: number;
  exception_type: string;
  location: string;
  message: string;
  count: number;
  first_seen_at: string;
  last_seen_at: string;
  last_method: string | null;
  last_route: string | null;
}

export interface Dashboard {
  generated_at: string;
  readiness: HealthReport;
  metrics: MetricsSummary;
  sla: SlaReport;
  recent_errors: ErrorGroup[];
  generation: { queued: number; running: number; by_status: Record<string, number> };
}

export interface ChartPoint {
  start: string;
  requests: number;
  request_rate_per_minute: number;
  error_rate_percent: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
}

export interface MetricsSeries {
  window: string;
  start: string;
  end: string;
  step_seconds: number;
  points: ChartPoint[];
}

export type AlertStatus = "pending" | "firing" | "resolved" | "inactive";
export type Severity = "CRITICAL" | "HIGH" | "MEDIUM" | "LOW";

export interface Alert {
  id: number;
  ruleId: number | null;
  ruleName: string;
  labels: Record<string, unknown>;
  severity: Severity;
  status: AlertStatus;
  metric: string;
  value: number | null;
  summary: string;
  activeSince: string;
  firedAt: string | null;
  resolvedAt: string | null;
  resolution: string | null;
  acknowledgedAt: string | null;
  acknowledgedByUserId: number | null;
  silencedUntil: string | null;
  silencedUntilResolved: boolean;
  escalationStep: number;
  updatedAt: string;
  version: number;
}

export interface ResolvedAlert extends Alert {
  message: string;
}

export interface WebhookEndpoint {
  id: number;
  name: string;
  url: string;
  enabled: boolean;
  disabledReason: string | null;
  failingSince: string | null;
}

export interface EndpointStats {
  endpointId: number;
  name: string;
  enabled: boolean;
  sent: number;
  succeeded: number;
  failed: number;
  pending: number;
  attempts: number;
  successRate: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
}

export interface WebhookStats {
  since: string;
  endpoints: EndpointStats[];
}

export interface Delivery {
  id: number;
  endpointId: number;
  eventType: string;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface GenerationJob {
  id: number;
  team_id: number;
  status: string;
  start: string;
  end: string;
  time_limit_seconds: number;
  replan: boolean;
  created_at: string;
  claimed_at: string | null;
  started_at: string | null;
  queue_position: number | null;
  estimated_start_at: string | null;
}

export type { Team } from "../../api/types";

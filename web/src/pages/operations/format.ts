// Figures as the operations page shows them: times on the viewer's clock, numbers with
// their unit, a dash for "no measurement" (null), never a misleading zero.
import { ApiError } from "../../api/client";

const DASH = "—";

export function clock(value: Date | string): string {
  const date = typeof value === "string" ? new Date(value) : value;
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function shortTime(value: string): string {
  return new Date(value).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", hour12: false });
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return DASH;
  return new Intl.DateTimeFormat(undefined, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(new Date(value));
}

export function number(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toLocaleString(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined) return DASH;
  return `${number(value, value < 10 ? 1 : 0)}\u00a0ms`;
}

export function pct(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return DASH;
  return `${number(value, digits)}\u00a0%`;
}

export function minutes(value: number): string {
  if (Math.abs(value) >= 120) return `${number(value / 60, 1)}\u00a0h`;
  return `${number(value, 1)}\u00a0min`;
}

/** The API refused because this needs the platform operator (or another role). */
export function isRefusal(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}

/** `30d` as `30 days`, `6h` as `6 hours`. */
export function windowText(window: string): string {
  const match = /^(\d+)([mhd])$/.exec(window);
  if (match === null) return window;
  const count = Number(match[1]);
  const unit = { m: "minute", h: "hour", d: "day" }[match[2] as "m" | "h" | "d"];
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}

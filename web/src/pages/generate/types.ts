// The shapes of the generation API (src/shiftplanner/generation/schemas.py) and the few
// others this page reads, as the API returns them.

import type { Analyst, Assignment, ShiftType, Team } from "../../api/types";
export type { Analyst, Assignment, ShiftType, Team };

export type JobStatus = "queued" | "running" | "succeeded" | "stopped" | "failed" | "cancelled" | "applied";

export interface ProgressPoint {
  seconds: number;
  objective: number;
  bound: number;
}

export interface Job {
  id: number;
  team_id: number;
  status: JobStatus;
  start: string;
  end: string;
  time_limit_seconds: number;
  replan: boolean;
  options: { replan: boolean; weights: Record<string, number> };
  progress: ProgressPoint[];
  error: string;
  created_at: string;
  started_at: string | null;
  end_requested: JobStatus | null;
  finished_at: string | null;
  applied_at: string | null;
  queue_position: number | null;
  estimated_start_at: string | null;
}

export interface TermCost {
  count: number;
  penalty: number;
}

export interface Violation {
  rule: string;
  message: string;
  analyst_id: number | null;
  shift_type_id: number | null;
  dates: string[];
  amount: number;
}

export interface SolutionSummary {
  status: "optimal" | "feasible" | "infeasible" | "unknown";
  objective: number | null;
  bound: number | null;
  gap: number | null;
  breakdown: Record<string, TermCost>;
  seconds_to_first: number | null;
  seconds_to_best: number | null;
  seconds: number;
  explanation: Violation[];
}

export interface ProposedAssignment {
  analyst_id: number;
  shift_type_id: number;
  date: string;
  is_screener: boolean;
  skill: string | null;
  is_locked: boolean;
}

export interface Conflict {
  type: string;
  severity: "error" | "warning";
  date: string;
  message: string;
  analyst_id: number | null;
  shift_type_id: number | null;
}

export interface Proposal {
  solution: SolutionSummary;
  assignments: ProposedAssignment[];
  conflicts: Conflict[];
  replacements: unknown[] | null;
  applicable: boolean;
}

export interface JobDetail extends Job {
  proposal: Proposal | null;
}

export interface ApplyResult {
  job: Job;
  created: Assignment[];
  updated: Assignment[];
  deleted: number[];
  conflicts: Conflict[];
}

export const ACTIVE: JobStatus[] = ["queued", "running"];
/** Ended with a roster that can be looked at (and, unless applied, applied). */
export const WITH_ROSTER: JobStatus[] = ["succeeded", "stopped", "cancelled", "applied"];

export const STATUS_LABEL: Record<JobStatus, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Finished",
  stopped: "Stopped early",
  failed: "Failed",
  cancelled: "Cancelled",
  applied: "Applied",
};

export const TERM_LABEL: Record<string, string> = {
  under_cover: "Shifts short of analysts",
  over_cover: "Shifts over their headcount",
  screener_short: "Shifts short of screeners",
  unmet_on_requests: "Shift requests not met",
  ungranted_off_requests: "Day-off requests not granted",
  fairness_weekends: "Weekend spread",
  fairness_nights: "Night spread",
  fairness_screener: "Screener-day spread",
  changes: "Changes to the current schedule",
  skill_short: "Shifts short of a skill",
  consecutive_days: "Working runs too short or too long (days)",
  consecutive_days_off: "Runs of days off too short or too long (days)",
  consecutive_shift_type: "Runs of one shift type too short or too long (days)",
  assignments: "Shifts in all below or above the contracts",
  weekends: "Weekends beyond the contracts",
  complete_weekends: "Weekends worked on one day only",
};

// The API's core resources as the pages read them (a subset of each: the fields some page
// uses). A page that needs more extends them (`interface X extends Analyst {...}`).

export type Weekday = "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";

export interface Team {
  id: number;
  name: string;
  code: string;
  timezone: string;
}

export interface Analyst {
  id: number;
  team_id: number;
  name: string;
  is_active: boolean;
  /** Absent from the placeholder the calendar makes for an analyst it cannot read. */
  email?: string;
  user_id?: number | null;
  skills: string[];
}

/** An analyst's own limits (each null: the team's rule or none applies). */
export interface Contract {
  max_shifts_per_type: Record<string, number>;
  min_minutes: number | null;
  max_minutes: number | null;
  max_consecutive_days: number | null;
  min_consecutive_days: number | null;
  min_consecutive_days_off: number | null;
  max_consecutive_days_off: number | null;
  min_assignments: number | null;
  max_assignments: number | null;
  max_weekends: number | null;
  complete_weekends: boolean;
}

export interface ShiftType {
  id: number;
  team_id: number;
  name: string;
  start_time: string;
  end_time: string;
  days_of_week: Weekday[];
  required_headcount: number;
  screeners_required: number;
  is_active: boolean;
  is_night: boolean;
  forbidden_next_ids: number[];
  /** Fewest and most days in a row an analyst works this one shift type; null: no limit. */
  min_consecutive: number | null;
  max_consecutive: number | null;
  duration_minutes: number;
}

export interface Assignment {
  id: number;
  analyst_id: number;
  shift_type_id: number;
  date: string;
  is_screener: boolean;
  /** The skill need (a coverage requirement's `skills`) this shift covers; one of the analyst's skills. */
  skill: string | null;
  is_locked: boolean;
  note: string;
  version: number;
  source: string;
}

/** Of a shift's analysts, how many must cover one skill: `minimum` is a floor a generated
 * roster meets; each analyst short of `optimal` costs `under_weight` (null: the team's
 * `skill_short` weight). */
export interface SkillNeed {
  skill: string;
  minimum: number;
  optimal: number;
  under_weight: number | null;
}

/** What a shift type needs on every `weekday` (a template) or on one `date` (an override). */
export interface CoverageRequirement {
  id: number;
  shift_type_id: number;
  weekday: Weekday | null;
  date: string | null;
  required: number;
  screeners_required: number;
  hard_min: number | null;
  under_weight: number | null;
  over_weight: number | null;
  skills: SkillNeed[];
}

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
  duration_minutes: number;
}

export interface Assignment {
  id: number;
  analyst_id: number;
  shift_type_id: number;
  date: string;
  is_screener: boolean;
  is_locked: boolean;
  note: string;
  version: number;
  source: string;
}

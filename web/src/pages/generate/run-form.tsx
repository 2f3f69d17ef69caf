// The form that queues a run: team, range, time limit, re-plan, and weights for this run.
import { useState } from "preact/hooks";
import { ApiError, api } from "../../api/client";
import { Field } from "../../components/ui";
import { FormError } from "../rules/common";
import type { Job, Team } from "./types";

const WEIGHTS: [string, string][] = [
  ["under_cover", "Analyst short on a shift"],
  ["over_cover", "Analyst over a shift's headcount"],
  ["screener_short", "Screener short on a shift"],
  ["on_request", "Shift request not met"],
  ["off_request", "Day-off request not granted"],
  ["fairness_weekends", "Weekend spread"],
  ["fairness_nights", "Night spread"],
  ["fairness_screener", "Screener-day spread"],
  ["change", "Change to the current schedule (re-plan)"],
];

const FIELDS = ["#/team_id", "#/start", "#/end", "#/time_limit_seconds", ...WEIGHTS.map(([name]) => `#/options/weights/${name}`)];

function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The first and last day of next month, in the browser's calendar. */
export function nextMonth(today = new Date()): [string, string] {
  return [isoDay(new Date(today.getFullYear(), today.getMonth() + 1, 1)), isoDay(new Date(today.getFullYear(), today.getMonth() + 2, 0))];
}

interface RunFormProps {
  teams: Team[];
  teamId: number | null;
  onTeam: (id: number) => void;
  initial?: { start: string; end: string; timeLimit: number; replan: boolean };
  onStarted: (job: Job) => void;
  onOpenJob: (id: number) => void;
}

export function RunForm({ teams, teamId, onTeam, initial, onStarted, onOpenJob }: RunFormProps) {
  const [defaultStart, defaultEnd] = nextMonth();
  const [start, setStart] = useState(initial?.start ?? defaultStart);
  const [end, setEnd] = useState(initial?.end ?? defaultEnd);
  const [timeLimit, setTimeLimit] = useState(String(initial?.timeLimit ?? 30));
  const [replan, setReplan] = useState(initial?.replan ?? false);
  const [weights, setWeights] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const apiError = error instanceof ApiError ? error : null;

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const chosen = Object.fromEntries(
      Object.entries(weights)
        .filter(([, value]) => value.trim() !== "")
        .map(([name, value]) => [name, Number(value)]),
    );
    try {
      const job = await api.post<Job>("/api/schedules/generate", {
        team_id: teamId,
        start,
        end,
        time_limit_seconds: Number(timeLimit),
        options: { replan, weights: chosen },
      });
      onStarted(job);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const activeJob = apiError?.status === 409 && typeof apiError.problem.job_id === "number" ? apiError.problem.job_id : null;

  return (
    <form class="card gen-form" onSubmit={submit} noValidate aria-labelledby="gen-form-title">
      <h2 id="gen-form-title">New run</h2>
      <Field label="Team" pointer="#/team_id" error={apiError}>
        {(id, describedBy) => (
          <select id={id} aria-describedby={describedBy} value={teamId ?? ""} onChange={(e) => onTeam(Number(e.currentTarget.value))}>
            {teams.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name} ({team.code})
              </option>
            ))}
          </select>
        )}
      </Field>
      <div class="gen-form__range">
        <Field label="First day" pointer="#/start" error={apiError}>
          {(id, describedBy) => <input id={id} type="date" aria-describedby={describedBy} value={start} onInput={(e) => setStart(e.currentTarget.value)} required />}
        </Field>
        <Field label="Last day" pointer="#/end" error={apiError}>
          {(id, describedBy) => <input id={id} type="date" aria-describedby={describedBy} value={end} onInput={(e) => setEnd(e.currentTarget.value)} required />}
        </Field>
      </div>
      <Field label="Time limit (seconds)" pointer="#/time_limit_seconds" error={apiError} hint="The solver stops sooner once it proves the roster best; you can stop it early too.">
        {(id, describedBy) => (
          <input id={id} type="number" inputMode="numeric" min={1} max={600} aria-describedby={describedBy} value={timeLimit} onInput={(e) => setTimeLimit(e.currentTarget.value)} />
        )}
      </Field>
      <div class="gen-check">
        <input id="gen-replan" type="checkbox" checked={replan} onChange={(e) => setReplan(e.currentTarget.checked)} />
        <label for="gen-replan">Re-plan the current schedule (keep what it can; each change costs)</label>
      </div>
      <details class="gen-weights">
        <summary>Weights for this run</summary>
        <p class="hint">Leave a weight empty to use the team's. 0 switches a rule off.</p>
        {WEIGHTS.map(([name, label]) => (
          <Field key={name} label={label} pointer={`#/options/weights/${name}`} error={apiError}>
            {(id, describedBy) => (
              <input
                id={id}
                type="number"
                inputMode="numeric"
                min={0}
                aria-describedby={describedBy}
                value={weights[name] ?? ""}
                onInput={(e) => setWeights({ ...weights, [name]: e.currentTarget.value })}
              />
            )}
          </Field>
        ))}
      </details>
      <FormError error={error} fields={FIELDS} />
      {activeJob !== null && (
        <p>
          <button type="button" class="button button--small" onClick={() => onOpenJob(activeJob)}>
            Open run #{activeJob}
          </button>
        </p>
      )}
      <button type="submit" class="button button--primary" disabled={busy || teamId === null}>
        {busy ? "Starting…" : "Start"}
      </button>
    </form>
  );
}

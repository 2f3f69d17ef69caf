// Team settings: what each soft rule costs in schedule generation, and the team's own
// rules (screener runs, weekends, holidays, the fairness window).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api/client";
import { ErrorNotice, Field, Notice, Spinner } from "../../components/ui";
import { asApiError, type TabProps, useLoad, FormError } from "./common";

interface Settings {
  weights: Record<string, number | null>;
  max_consecutive_screener_days: number;
  screeners_on_weekends: boolean;
  holidays_off: boolean;
  fairness_window_days: number;
}

const WEIGHTS: [string, string][] = [
  ["under_cover", "Each analyst short on a shift"],
  ["over_cover", "Each analyst over a shift's headcount"],
  ["screener_short", "Each screener short on a shift"],
  ["on_request", "Each shift request not met"],
  ["off_request", "Each day-off request not granted"],
  ["fairness_weekends", "Spread of weekends worked"],
  ["fairness_nights", "Spread of nights worked"],
  ["fairness_screener", "Spread of screener days"],
  ["change", "Each change to the current schedule (re-plan)"],
  ["skill_short", "Each analyst short of a skill's optimum on a shift"],
];

// Limits that stay hard rules while their box is empty; a cost makes them soft.
const LIMITS: [string, string][] = [
  ["consecutive_days", "Each day a working run is shorter or longer than the contract's"],
  ["consecutive_days_off", "Each day a run of days off is shorter or longer than the contract's"],
  ["consecutive_shift_type", "Each day a run of one shift type is shorter or longer than its own"],
  ["assignments", "Each shift below or above the contract's shifts in all"],
  ["weekends", "Each weekend beyond the contract's most"],
  ["complete_weekends", "Each weekend worked on one day only (contracts with complete weekends)"],
];
const LIMIT_NAMES = new Set(LIMITS.map(([name]) => name));

interface Draft {
  weights: Record<string, string>;
  max_consecutive_screener_days: string;
  fairness_window_days: string;
  screeners_on_weekends: boolean;
  holidays_off: boolean;
}

function draftOf(s: Settings): Draft {
  return {
    weights: Object.fromEntries(Object.entries(s.weights).map(([k, v]) => [k, v === null ? "" : String(v)])),
    max_consecutive_screener_days: String(s.max_consecutive_screener_days),
    fairness_window_days: String(s.fairness_window_days),
    screeners_on_weekends: s.screeners_on_weekends,
    holidays_off: s.holidays_off,
  };
}

// An empty box goes as it is ("" is not a number): the API says so next to it.
const numeric = (value: string): number | string => (value.trim() === "" ? value : Number(value));

export function SettingsTab({ team }: TabProps) {
  const settings = useLoad(() => api.get<Settings>(`/api/teams/${team.id}/schedule-settings`), [team.id]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const apiError = asApiError(error);
  useEffect(() => {
    if (settings.data !== null) setDraft(draftOf(settings.data));
  }, [settings.data]);

  if (draft === null) return <>{settings.error ? <ErrorNotice error={settings.error} /> : <Spinner />}</>;
  const fields = [...[...WEIGHTS, ...LIMITS].map(([name]) => `#/weights/${name}`), "#/max_consecutive_screener_days", "#/fairness_window_days", "#/screeners_on_weekends", "#/holidays_off"];

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      const next = await api.put<Settings>(`/api/teams/${team.id}/schedule-settings`, {
        weights: Object.fromEntries(Object.entries(draft.weights).map(([k, v]) => [k, LIMIT_NAMES.has(k) && v.trim() === "" ? null : numeric(v)])),
        max_consecutive_screener_days: numeric(draft.max_consecutive_screener_days),
        fairness_window_days: numeric(draft.fairness_window_days),
        screeners_on_weekends: draft.screeners_on_weekends,
        holidays_off: draft.holidays_off,
      });
      setDraft(draftOf(next));
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const weightField = ([name, label]: [string, string], placeholder?: string) => (
    <Field key={name} label={label} pointer={`#/weights/${name}`} error={apiError}>
      {(id, describedBy) => (
        <input
          id={id}
          type="number"
          inputMode="numeric"
          placeholder={placeholder}
          aria-describedby={describedBy}
          value={draft.weights[name] ?? ""}
          onInput={(e) => setDraft({ ...draft, weights: { ...draft.weights, [name]: e.currentTarget.value } })}
        />
      )}
    </Field>
  );

  return (
    <form class="rules-tab" onSubmit={submit} noValidate aria-label={`Schedule settings of ${team.name}`}>
      <section aria-labelledby="set-rules" class="card rules-card">
        <h2 id="set-rules">Team rules</h2>
        <div class="rules-grid">
          <Field label="Most screener days in a row" pointer="#/max_consecutive_screener_days" error={apiError}>
            {(id, describedBy) => (
              <input
                id={id}
                type="number"
                inputMode="numeric"
                aria-describedby={describedBy}
                value={draft.max_consecutive_screener_days}
                onInput={(e) => setDraft({ ...draft, max_consecutive_screener_days: e.currentTarget.value })}
              />
            )}
          </Field>
          <Field label="Fairness window (days)" pointer="#/fairness_window_days" error={apiError} hint="How far back weekends, nights and screener days count for fairness.">
            {(id, describedBy) => (
              <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={draft.fairness_window_days} onInput={(e) => setDraft({ ...draft, fairness_window_days: e.currentTarget.value })} />
            )}
          </Field>
        </div>
        <div class="rules-check">
          <input id="set-weekend-screeners" type="checkbox" checked={draft.screeners_on_weekends} onChange={(e) => setDraft({ ...draft, screeners_on_weekends: e.currentTarget.checked })} />
          <label for="set-weekend-screeners">Weekend shifts need screeners too</label>
        </div>
        <div class="rules-check">
          <input id="set-holidays-off" type="checkbox" checked={draft.holidays_off} onChange={(e) => setDraft({ ...draft, holidays_off: e.currentTarget.checked })} />
          <label for="set-holidays-off">Holidays are days off and need no coverage</label>
        </div>
      </section>
      <section aria-labelledby="set-weights" class="card rules-card">
        <h2 id="set-weights">What each soft rule costs</h2>
        <p class="hint">The solver keeps the total cost lowest; 0 switches a rule off.</p>
        <div class="rules-grid">
          {WEIGHTS.map((weight) => weightField(weight))}
        </div>
      </section>
      <section aria-labelledby="set-limits" class="card rules-card">
        <h2 id="set-limits">Limits the roster may break, at a cost</h2>
        <p class="hint">Empty: a hard rule, never broken. A cost: broken only where that is cheaper than the alternative.</p>
        <div class="rules-grid">
          {LIMITS.map((limit) => weightField(limit, "hard"))}
        </div>
      </section>
      <FormError error={error} fields={fields} />
      {saved && <Notice kind="success">Settings saved.</Notice>}
      <div class="toolbar">
        <button type="submit" class="button button--primary" disabled={busy}>
          Save settings
        </button>
      </div>
    </form>
  );
}

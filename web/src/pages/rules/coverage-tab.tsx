// Coverage: how many analysts (and screeners, and analysts of single skills) each shift
// type needs, as weekly templates and as overrides for single dates, with what a shortfall
// costs in generation.
import { useState } from "preact/hooks";
import { api, getAll } from "../../api/client";
import type { Analyst, CoverageRequirement as Requirement } from "../../api/types";
import { ErrorNotice, Field, Notice, Spinner, formatDate, TableScroll } from "../../components/ui";
import {
  asApiError,
  ConfirmDelete,
  inputOf,
  numberOrNull,
  type PendingDelete,
  type ShiftType,
  shortTime,
  type TabProps,
  useLoad,
  type Weekday,
  WEEKDAY_LABEL,
  WEEKDAYS,
  FormError,
} from "./common";
import { type NeedDraft, needBody, needDraftOf, needPointers, NeedSummary, SkillNeedsFields } from "./skill-needs";

interface Draft {
  id: number | null;
  kind: "template" | "override";
  shift_type_id: string;
  weekday: Weekday;
  date: string;
  required: string;
  screeners_required: string;
  hard_min: string;
  under_weight: string;
  over_weight: string;
  skills: NeedDraft[];
}

const FIELDS = ["#/shift_type_id", "#/weekday", "#/date", "#/required", "#/screeners_required", "#/hard_min", "#/under_weight", "#/over_weight"];

function blank(shiftTypes: ShiftType[]): Draft {
  return {
    id: null,
    kind: "override",
    shift_type_id: shiftTypes[0] ? String(shiftTypes[0].id) : "",
    weekday: "mon",
    date: "",
    required: "1",
    screeners_required: "0",
    hard_min: "",
    under_weight: "",
    over_weight: "",
    skills: [],
  };
}

function draftOf(r: Requirement): Draft {
  return {
    id: r.id,
    kind: r.weekday !== null ? "template" : "override",
    shift_type_id: String(r.shift_type_id),
    weekday: r.weekday ?? "mon",
    date: r.date ?? "",
    required: String(r.required),
    screeners_required: String(r.screeners_required),
    hard_min: inputOf(r.hard_min),
    under_weight: inputOf(r.under_weight),
    over_weight: inputOf(r.over_weight),
    skills: r.skills.map(needDraftOf),
  };
}

function RequirementRows({ rows, shiftName, onEdit, onDelete }: { rows: Requirement[]; shiftName: (id: number) => string; onEdit: (r: Requirement) => void; onDelete: (r: Requirement) => void }) {
  return (
    <tbody>
      {rows.map((r) => {
        const day = r.weekday !== null ? WEEKDAY_LABEL[r.weekday] : formatDate(r.date ?? "");
        return (
          <tr key={r.id}>
            <th scope="row">{day}</th>
            <td>{shiftName(r.shift_type_id)}</td>
            <td class="num">{r.required}</td>
            <td class="num">{r.screeners_required}</td>
            <td class="num">{r.hard_min ?? "—"}</td>
            <td class="rules-needs">
              {r.skills.length === 0 ? (
                "—"
              ) : (
                <ul>
                  {r.skills.map((need) => (
                    <li key={need.skill}>
                      <NeedSummary need={need} />
                    </li>
                  ))}
                </ul>
              )}
            </td>
            <td class="num">{r.under_weight ?? "team's"}</td>
            <td class="num">{r.over_weight ?? "team's"}</td>
            <td class="rules-actions">
              <button type="button" class="button button--small" onClick={() => onEdit(r)}>
                Edit<span class="visually-hidden"> {day} {shiftName(r.shift_type_id)}</span>
              </button>
              <button type="button" class="button button--small button--ghost" onClick={() => onDelete(r)}>
                Delete<span class="visually-hidden"> {day} {shiftName(r.shift_type_id)}</span>
              </button>
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}

function Table({ caption, rows, ...rest }: { caption: string; rows: Requirement[]; shiftName: (id: number) => string; onEdit: (r: Requirement) => void; onDelete: (r: Requirement) => void }) {
  if (rows.length === 0) return <p class="hint">No {caption.toLowerCase()} yet.</p>;
  return (
    <TableScroll>
      <table class="table">
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{caption === "Weekly templates" ? "Weekday" : "Date"}</th>
            <th scope="col">Shift type</th>
            <th scope="col" class="num">Required</th>
            <th scope="col" class="num">Screeners</th>
            <th scope="col" class="num">Hard minimum</th>
            <th scope="col">Skills</th>
            <th scope="col" class="num">Cost short</th>
            <th scope="col" class="num">Cost over</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <RequirementRows rows={rows} {...rest} />
      </table>
    </TableScroll>
  );
}

export function CoverageTab({ team }: TabProps) {
  const shiftTypes = useLoad(() => getAll<ShiftType>("/api/shift-types", { team_id: team.id }), [team.id]);
  const requirements = useLoad(() => getAll<Requirement>("/api/coverage-requirements", { team_id: team.id }), [team.id]);
  // Only for suggesting skill names: the form works without them.
  const analysts = useLoad(() => getAll<Analyst>("/api/analysts", { team_id: team.id }), [team.id]);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingDelete | null>(null);
  // The skill needs' keys as last sent: the API's `#/skills/<index>` messages are about them.
  const [sentNeeds, setSentNeeds] = useState<number[]>([]);
  const apiError = asApiError(error);

  if (shiftTypes.data === null || requirements.data === null) {
    return <>{shiftTypes.error || requirements.error ? <ErrorNotice error={shiftTypes.error ?? requirements.error} /> : <Spinner />}</>;
  }
  const types = shiftTypes.data;
  const form = draft ?? blank(types);
  const set = (change: Partial<Draft>) => setDraft({ ...form, ...change });
  const shiftName = (id: number) => types.find((s) => s.id === id)?.name ?? `Shift type ${id}`;
  const order = (a: Requirement, b: Requirement) => shiftName(a.shift_type_id).localeCompare(shiftName(b.shift_type_id));
  const weekdayIndex = (w: Weekday | null) => WEEKDAYS.findIndex(([d]) => d === w);
  const templates = requirements.data.filter((r) => r.weekday !== null).sort((a, b) => weekdayIndex(a.weekday) - weekdayIndex(b.weekday) || order(a, b));
  const skillNames = [...new Set((analysts.data ?? []).flatMap((a) => a.skills))].sort();
  const fields = [...FIELDS, ...needPointers(sentNeeds.length)];
  const overrides = requirements.data.filter((r) => r.date !== null).sort((a, b) => (a.date ?? "").localeCompare(b.date ?? "") || order(a, b));

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    setSentNeeds(form.skills.map((n) => n.key));
    const body = {
      weekday: form.kind === "template" ? form.weekday : null,
      date: form.kind === "override" ? form.date || null : null,
      required: numberOrNull(form.required),
      screeners_required: numberOrNull(form.screeners_required),
      hard_min: numberOrNull(form.hard_min),
      under_weight: numberOrNull(form.under_weight),
      over_weight: numberOrNull(form.over_weight),
      skills: form.skills.map(needBody),
    };
    try {
      if (form.id === null) {
        // A new one names a day one way only: the other key stays out.
        // (an empty date goes as it is: the API says it is not a date, next to the field).
        const { weekday, date: _date, ...rest } = body;
        await api.post("/api/coverage-requirements", { shift_type_id: numberOrNull(form.shift_type_id), ...rest, ...(form.kind === "template" ? { weekday } : { date: form.date }) });
        setSaved("Requirement added.");
      } else {
        await api.patch(`/api/coverage-requirements/${form.id}`, body);
        setSaved("Requirement saved.");
      }
      setDraft(null);
      await requirements.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  const remove = (r: Requirement) =>
    setPending({
      title: "Delete this requirement?",
      body: `${shiftName(r.shift_type_id)} on ${r.weekday ? WEEKDAY_LABEL[r.weekday] : formatDate(r.date ?? "")}: the shift type's own headcount applies again.`,
      run: async () => {
        await api.delete(`/api/coverage-requirements/${r.id}`);
        await requirements.reload();
      },
    });

  const edit = (r: Requirement) => {
    setDraft(draftOf(r));
    setError(null);
    setSaved(null);
  };

  return (
    <div class="rules-tab">
      <section aria-labelledby="cov-defaults" class="card rules-card">
        <h2 id="cov-defaults">Shift types' own headcount</h2>
        <p class="hint">What a shift needs on a day no template or override covers.</p>
        {types.length === 0 ? (
          <p>The team has no shift types yet.</p>
        ) : (
          <ul class="rules-chips">
            {types.map((s) => (
              <li key={s.id}>
                <strong>{s.name}</strong> {shortTime(s.start_time)}–{shortTime(s.end_time)}: {s.required_headcount} {s.required_headcount === 1 ? "analyst" : "analysts"}
                {s.screeners_required > 0 && <>, of them {s.screeners_required} {s.screeners_required === 1 ? "screener" : "screeners"}</>} · {s.days_of_week.map((d) => WEEKDAY_LABEL[d].slice(0, 3)).join(" ")}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="cov-templates" class="card rules-card">
        <h2 id="cov-templates">Weekly templates</h2>
        <Table caption="Weekly templates" rows={templates} shiftName={shiftName} onEdit={edit} onDelete={remove} />
      </section>

      <section aria-labelledby="cov-overrides" class="card rules-card">
        <h2 id="cov-overrides">Date overrides</h2>
        <Table caption="Date overrides" rows={overrides} shiftName={shiftName} onEdit={edit} onDelete={remove} />
      </section>

      <form class="card rules-card rules-form" onSubmit={submit} noValidate aria-labelledby="cov-form">
        <h2 id="cov-form">{form.id === null ? "Add a requirement" : "Edit the requirement"}</h2>
        {saved && <Notice kind="success">{saved}</Notice>}
        <fieldset class="rules-kind">
          <legend>Applies to</legend>
          <label>
            <input type="radio" name="cov-kind" checked={form.kind === "template"} onChange={() => set({ kind: "template" })} /> Every week on a weekday (template)
          </label>
          <label>
            <input type="radio" name="cov-kind" checked={form.kind === "override"} onChange={() => set({ kind: "override" })} /> One date (override)
          </label>
        </fieldset>
        <div class="rules-grid">
          <Field label="Shift type" pointer="#/shift_type_id" error={apiError} hint={form.id !== null ? "A requirement keeps its shift type." : undefined}>
            {(id, describedBy) => (
              <select id={id} aria-describedby={describedBy} value={form.shift_type_id} disabled={form.id !== null} onChange={(e) => set({ shift_type_id: e.currentTarget.value })}>
                {types.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {form.kind === "template" ? (
            <Field label="Weekday" pointer="#/weekday" error={apiError}>
              {(id, describedBy) => (
                <select id={id} aria-describedby={describedBy} value={form.weekday} onChange={(e) => set({ weekday: e.currentTarget.value as Weekday })}>
                  {WEEKDAYS.map(([value, label]) => (
                    <option key={value} value={value}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <Field label="Date" pointer="#/date" error={apiError}>
              {(id, describedBy) => <input id={id} type="date" aria-describedby={describedBy} value={form.date} onInput={(e) => set({ date: e.currentTarget.value })} />}
            </Field>
          )}
          <Field label="Analysts required" pointer="#/required" error={apiError}>
            {(id, describedBy) => <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={form.required} onInput={(e) => set({ required: e.currentTarget.value })} />}
          </Field>
          <Field label="Of them, screeners" pointer="#/screeners_required" error={apiError}>
            {(id, describedBy) => (
              <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={form.screeners_required} onInput={(e) => set({ screeners_required: e.currentTarget.value })} />
            )}
          </Field>
          <Field label="Hard minimum" pointer="#/hard_min" error={apiError} hint="A floor a generated roster must meet; empty: none.">
            {(id, describedBy) => <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={form.hard_min} onInput={(e) => set({ hard_min: e.currentTarget.value })} />}
          </Field>
          <Field label="Cost per analyst short" pointer="#/under_weight" error={apiError} hint="Empty: the team's weight.">
            {(id, describedBy) => <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={form.under_weight} onInput={(e) => set({ under_weight: e.currentTarget.value })} />}
          </Field>
          <Field label="Cost per analyst over" pointer="#/over_weight" error={apiError} hint="Empty: the team's weight.">
            {(id, describedBy) => <input id={id} type="number" inputMode="numeric" aria-describedby={describedBy} value={form.over_weight} onInput={(e) => set({ over_weight: e.currentTarget.value })} />}
          </Field>
        </div>
        <SkillNeedsFields needs={form.skills} onChange={(skills) => set({ skills })} error={apiError} sent={sentNeeds} suggestions={skillNames} />
        <FormError error={error} fields={fields} />
        <div class="toolbar">
          <button type="submit" class="button button--primary" disabled={types.length === 0}>
            {form.id === null ? "Add requirement" : "Save requirement"}
          </button>
          {form.id !== null && (
            <button type="button" class="button" onClick={() => (setDraft(null), setError(null))}>
              Cancel editing
            </button>
          )}
        </div>
      </form>
      <ConfirmDelete pending={pending} onDone={() => setPending(null)} />
    </div>
  );
}

// Holidays: the team's days off (once, or every year on the same day).
import { useState } from "preact/hooks";
import { api, getAll } from "../../api/client";
import { ErrorNotice, Field, Notice, Spinner, formatDate, TableScroll } from "../../components/ui";
import { asApiError, ConfirmDelete, type PendingDelete, ReadOnlyNote, type TabProps, useLoad, FormError } from "./common";

interface Holiday {
  id: number;
  team_id: number;
  name: string;
  date: string;
  recurring: boolean;
}

interface Draft {
  id: number | null;
  name: string;
  date: string;
  recurring: boolean;
}

const BLANK: Draft = { id: null, name: "", date: "", recurring: false };
const FIELDS = ["#/name", "#/date", "#/recurring"];

export function HolidaysTab({ team, canAdmin }: TabProps) {
  const holidays = useLoad(() => getAll<Holiday>("/api/holidays", { team_id: team.id }), [team.id]);
  const [draft, setDraft] = useState<Draft>(BLANK);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingDelete | null>(null);
  const apiError = asApiError(error);

  if (holidays.data === null) return <>{holidays.error ? <ErrorNotice error={holidays.error} /> : <Spinner />}</>;
  const rows = [...holidays.data].sort((a, b) => a.date.localeCompare(b.date));

  const submit = async (event: Event) => {
    event.preventDefault();
    setError(null);
    setSaved(null);
    const body = { name: draft.name, date: draft.date, recurring: draft.recurring };
    try {
      if (draft.id === null) await api.post("/api/holidays", { team_id: team.id, ...body });
      else await api.patch(`/api/holidays/${draft.id}`, body);
      setSaved(`${draft.name.trim()} saved.`);
      setDraft(BLANK);
      await holidays.reload();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <div class="rules-tab">
      <section aria-labelledby="hol-list" class="card rules-card">
        <h2 id="hol-list">Holidays of {team.name}</h2>
        {!canAdmin && <ReadOnlyNote what="holidays" />}
        {rows.length === 0 ? (
          <p>No holidays yet.</p>
        ) : (
          <TableScroll>
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Name</th>
                  <th scope="col">Repeats</th>
                  {canAdmin && (
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {rows.map((h) => (
                  <tr key={h.id}>
                    <td>{formatDate(h.date)}</td>
                    <th scope="row">{h.name}</th>
                    <td>{h.recurring ? "Every year" : "Once"}</td>
                    {canAdmin && (
                      <td class="rules-actions">
                        <button
                          type="button"
                          class="button button--small"
                          onClick={() => {
                            setDraft({ id: h.id, name: h.name, date: h.date, recurring: h.recurring });
                            setError(null);
                            setSaved(null);
                          }}
                        >
                          Edit<span class="visually-hidden"> {h.name}</span>
                        </button>
                        <button
                          type="button"
                          class="button button--small button--ghost"
                          onClick={() =>
                            setPending({
                              title: `Delete ${h.name}?`,
                              body: `${formatDate(h.date)} becomes a working day for ${team.name} again.`,
                              run: async () => {
                                await api.delete(`/api/holidays/${h.id}`);
                                await holidays.reload();
                              },
                            })
                          }
                        >
                          Delete<span class="visually-hidden"> {h.name}</span>
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
      </section>
      {canAdmin && (
        <form class="card rules-card rules-form" onSubmit={submit} noValidate aria-labelledby="hol-form">
          <h2 id="hol-form">{draft.id === null ? "Add a holiday" : "Edit the holiday"}</h2>
          {saved && <Notice kind="success">{saved}</Notice>}
          <div class="rules-grid">
            <Field label="Name" pointer="#/name" error={apiError}>
              {(id, describedBy) => <input id={id} aria-describedby={describedBy} value={draft.name} onInput={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />}
            </Field>
            <Field label="Date" pointer="#/date" error={apiError}>
              {(id, describedBy) => <input id={id} type="date" aria-describedby={describedBy} value={draft.date} onInput={(e) => setDraft({ ...draft, date: e.currentTarget.value })} />}
            </Field>
          </div>
          <div class="rules-check">
            <input id="hol-recurring" type="checkbox" checked={draft.recurring} onChange={(e) => setDraft({ ...draft, recurring: e.currentTarget.checked })} />
            <label for="hol-recurring">Every year on the same day</label>
          </div>
          <FormError error={error} fields={FIELDS} />
          <div class="toolbar">
            <button type="submit" class="button button--primary">
              {draft.id === null ? "Add holiday" : "Save holiday"}
            </button>
            {draft.id !== null && (
              <button type="button" class="button" onClick={() => (setDraft(BLANK), setError(null))}>
                Cancel editing
              </button>
            )}
          </div>
        </form>
      )}
      <ConfirmDelete pending={pending} onDone={() => setPending(null)} />
    </div>
  );
}

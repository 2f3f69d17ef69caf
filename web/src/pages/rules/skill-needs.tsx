// A coverage requirement's needs of single skills (`skills`): rows the coverage form adds,
// edits and removes, each with the API's messages by its own fields (`#/skills/0/minimum`).
import { useEffect, useRef, useState } from "preact/hooks";
import type { ApiError } from "../../api/client";
import type { SkillNeed } from "../../api/types";
import { Field, useFieldId } from "../../components/ui";
import { inputOf, numberOrNull } from "./common";

export interface NeedDraft {
  /** Stable while the form is open: a row keeps its fields (and messages) when another goes. */
  key: number;
  skill: string;
  minimum: string;
  optimal: string;
  under_weight: string;
}

const NEED_FIELDS = ["skill", "minimum", "optimal", "under_weight"] as const;

let lastKey = 0;

function newNeed(): NeedDraft {
  return { key: ++lastKey, skill: "", minimum: "1", optimal: "1", under_weight: "" };
}

export function needDraftOf(need: SkillNeed): NeedDraft {
  return { key: ++lastKey, skill: need.skill, minimum: String(need.minimum), optimal: String(need.optimal), under_weight: inputOf(need.under_weight) };
}

export function needBody(draft: NeedDraft) {
  return { skill: draft.skill, minimum: numberOrNull(draft.minimum), optimal: numberOrNull(draft.optimal), under_weight: numberOrNull(draft.under_weight) };
}

/** The pointers of the API's messages about `count` needs sent. */
export function needPointers(count: number): string[] {
  return ["#/skills", ...Array.from({ length: count }, (_, i) => NEED_FIELDS.map((f) => `#/skills/${i}/${f}`)).flat()];
}

/** One need in a few words: "triage ≥1 (2 wanted)". */
export function NeedSummary({ need }: { need: SkillNeed }) {
  const extra = [need.optimal > need.minimum ? `${need.optimal} wanted` : "", need.under_weight !== null ? `${need.under_weight} per analyst short` : ""].filter(Boolean).join(", ");
  return (
    <>
      {need.skill} <span aria-hidden="true">≥</span>
      <span class="visually-hidden">at least </span>
      {need.minimum}
      {extra && ` (${extra})`}
    </>
  );
}

interface Props {
  needs: NeedDraft[];
  onChange: (needs: NeedDraft[]) => void;
  error: ApiError | null;
  /** The keys of the rows as last sent, in order: the API's `#/skills/<index>` is about those. */
  sent: number[];
  /** Skills the team's analysts have, offered as the skill's name. */
  suggestions: string[];
}

export function SkillNeedsFields({ needs, onChange, error, sent, suggestions }: Props) {
  const id = useFieldId("skills");
  const box = useRef<HTMLFieldSetElement>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  // After a row is added its skill takes the focus; after one is removed, "Add" does.
  const [focus, setFocus] = useState<number | "add" | null>(null);
  useEffect(() => {
    if (focus === null) return;
    if (focus === "add") addButton.current?.focus();
    else box.current?.querySelector<HTMLInputElement>(`[data-need="${focus}"] input`)?.focus();
    setFocus(null);
  }, [focus]);

  const message = error?.fieldError("#/skills");
  const set = (key: number, change: Partial<NeedDraft>) => onChange(needs.map((n) => (n.key === key ? { ...n, ...change } : n)));
  const add = () => {
    const need = newNeed();
    onChange([...needs, need]);
    setFocus(need.key);
  };
  const remove = (key: number) => {
    onChange(needs.filter((n) => n.key !== key));
    setFocus("add");
  };

  return (
    <fieldset ref={box} class={`rules-fieldset${message ? " field--invalid" : ""}`} aria-describedby={[`${id}-hint`, message ? `${id}-error` : ""].filter(Boolean).join(" ")}>
      <legend>Skill needs</legend>
      <p id={`${id}-hint`} class="hint rules-needs-hint">
        How many of the analysts required must cover a skill (named as analysts' skills are: lower-case letters, digits, - and _); a shift counts for the skill its assignment names. A generated roster always meets the minimum; each analyst short of
        the wanted number costs the cost per analyst short (empty: the team's weight).
      </p>
      {message && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {message}
        </p>
      )}
      {needs.map((need, index) => {
        const at = sent.indexOf(need.key);
        const pointer = (field: (typeof NEED_FIELDS)[number]) => (at === -1 ? undefined : `#/skills/${at}/${field}`);
        const title = `${id}-${need.key}`;
        return (
          <div key={need.key} role="group" aria-labelledby={title} class="rules-need" data-need={need.key}>
            <div class="rules-need__head">
              <span id={title} class="rules-need__title">
                Skill need {index + 1}
              </span>
              <button type="button" class="button button--small button--ghost" onClick={() => remove(need.key)}>
                Remove<span class="visually-hidden"> skill need {index + 1}{need.skill && ` (${need.skill})`}</span>
              </button>
            </div>
            <div class="rules-grid">
              <Field label="Skill" pointer={pointer("skill")} error={error}>
                {(fieldId, describedBy) => (
                  <input id={fieldId} list={`${id}-names`} autocomplete="off" spellcheck={false} aria-describedby={describedBy} value={need.skill} onInput={(e) => set(need.key, { skill: e.currentTarget.value })} />
                )}
              </Field>
              <Field label="Minimum" pointer={pointer("minimum")} error={error}>
                {(fieldId, describedBy) => (
                  <input id={fieldId} type="number" inputMode="numeric" aria-describedby={describedBy} value={need.minimum} onInput={(e) => set(need.key, { minimum: e.currentTarget.value })} />
                )}
              </Field>
              <Field label="Wanted" pointer={pointer("optimal")} error={error}>
                {(fieldId, describedBy) => (
                  <input id={fieldId} type="number" inputMode="numeric" aria-describedby={describedBy} value={need.optimal} onInput={(e) => set(need.key, { optimal: e.currentTarget.value })} />
                )}
              </Field>
              <Field label="Cost per analyst short" pointer={pointer("under_weight")} error={error}>
                {(fieldId, describedBy) => (
                  <input id={fieldId} type="number" inputMode="numeric" aria-describedby={describedBy} value={need.under_weight} onInput={(e) => set(need.key, { under_weight: e.currentTarget.value })} />
                )}
              </Field>
            </div>
          </div>
        );
      })}
      <button ref={addButton} type="button" class="button button--small" onClick={add}>
        Add a skill need
      </button>
      <datalist id={`${id}-names`}>
        {suggestions.map((skill) => (
          <option key={skill} value={skill} />
        ))}
      </datalist>
    </fieldset>
  );
}

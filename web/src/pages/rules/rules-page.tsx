// Rules: what schedule generation and approvals hold a team to, one tab each (coverage,
// contracts, team settings, succession bans, holidays, blackouts). The tab is in the
// path (/rules/:tab), the team in the query (?team=<id>), shared by every tab.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { useLocation, useRoute } from "preact-iso";
import { getAll } from "../../api/client";
import { hasRole, type Me } from "../../api/session";
import { ErrorNotice, Spinner } from "../../components/ui";
import { BansTab } from "./bans-tab";
import { BlackoutsTab } from "./blackouts-tab";
import type { TabProps, Team } from "./common";
import { ContractsTab } from "./contracts-tab";
import { CoverageTab } from "./coverage-tab";
import { HolidaysTab } from "./holidays-tab";
import "./rules.css";
import { SettingsTab } from "./settings-tab";

const TABS: { slug: string; label: string; component: ComponentType<TabProps> }[] = [
  { slug: "coverage", label: "Coverage", component: CoverageTab },
  { slug: "contracts", label: "Contracts", component: ContractsTab },
  { slug: "settings", label: "Team settings", component: SettingsTab },
  { slug: "succession", label: "Shift sequences", component: BansTab },
  { slug: "holidays", label: "Holidays", component: HolidaysTab },
  { slug: "blackouts", label: "Blackouts", component: BlackoutsTab },
];

export function RulesPage({ me }: { me: Me }) {
  const { params } = useRoute();
  const { query, route } = useLocation();
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    getAll<Team>("/api/teams").then(setTeams, setError);
  }, []);

  const tab = TABS.find((t) => t.slug === params.tab) ?? null;
  const chosen = Number(query.team);
  const team = teams?.find((t) => t.id === chosen) ?? teams?.[0] ?? null;
  const href = (slug: string, teamId = team?.id) => `/rules/${slug}${teamId !== undefined ? `?team=${teamId}` : ""}`;

  if (teams === null) return <section class="page">{error ? <ErrorNotice error={error} /> : <Spinner />}</section>;
  const Tab = tab?.component;

  return (
    <section class="page rules-page">
      <header class="page__header">
        <h1>Rules{tab && <span class="visually-hidden">: {tab.label}</span>}</h1>
        <div class="toolbar">
          <div class="field rules-team">
            <label for="rules-team">Team</label>
            <select id="rules-team" value={team?.id ?? ""} onChange={(e) => route(href(tab?.slug ?? "coverage", Number(e.currentTarget.value)))}>
              {teams.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.code})
                </option>
              ))}
            </select>
          </div>
        </div>
      </header>
      <nav aria-label="Rules" class="rules-tabs">
        <ul>
          {TABS.map((t) => (
            <li key={t.slug}>
              <a href={href(t.slug)} aria-current={t === tab || (tab === null && t.slug === "coverage" && params.tab === undefined) ? "page" : undefined}>
                {t.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {team === null ? (
        <p>Your organization has no teams yet.</p>
      ) : params.tab === undefined || params.tab === "" ? (
        <CoverageTab key={`coverage-${team.id}`} team={team} canAdmin={hasRole(me, "admin")} />
      ) : Tab === undefined ? (
        <p>
          No such section. <a href={href("coverage")}>Coverage</a>
        </p>
      ) : (
        <Tab key={`${tab?.slug}-${team.id}`} team={team} canAdmin={hasRole(me, "admin")} />
      )}
    </section>
  );
}

// Generate a roster: pick a team and range, start the solver, watch the best objective
// and the bound improve, stop when it is good enough, compare the proposal with the
// schedule as it is, and apply it. `?job=<id>` opens a run (the Approvals page links a
// re-plan here); `?team=<id>` picks the team.
import { useCallback, useEffect, useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { api, getAll, type Page } from "../../api/client";
import type { Me } from "../../api/session";
import { ErrorNotice, Spinner, formatDate } from "../../components/ui";
import { useLiveEvents } from "../../live/stream";
import "./generate.css";
import { JobPanel } from "./job-panel";
import { RunForm } from "./run-form";
import { type Job, type JobDetail, STATUS_LABEL, type Team } from "./types";

function positiveInt(value: string | undefined): number | null {
  const parsed = Number(value);
  return value !== undefined && Number.isInteger(parsed) && parsed > 0 ? parsed : null;
}

function RecentRuns({ teamId, openId, openStatus, onOpen }: { teamId: number; openId: number | null; openStatus: string | null; onOpen: (id: number) => void }) {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(() => {
    api.get<Page<Job>>("/api/schedules/generate", { team_id: teamId, limit: 8 }).then(
      (page) => {
        setJobs(page.items);
        setError(null);
      },
      setError,
    );
  }, [teamId]);
  // Again whenever the open run changes status (the stream may be down).
  useEffect(load, [load, openId, openStatus]);
  useLiveEvents(["generation."], (event) => {
    if (event.type !== "generation.progressed" && event.data.team_id === teamId) load();
  });
  return (
    <section class="card gen-recent" aria-labelledby="gen-recent-title">
      <h2 id="gen-recent-title">Recent runs</h2>
      <ErrorNotice error={error} />
      {jobs === null ? (
        !error && <Spinner />
      ) : jobs.length === 0 ? (
        <p class="hint">No runs for this team yet.</p>
      ) : (
        <ul class="gen-recent__list">
          {jobs.map((job) => (
            <li key={job.id}>
              <a
                href={`/generate?job=${job.id}`}
                aria-current={job.id === openId ? "page" : undefined}
                onClick={(event) => {
                  event.preventDefault();
                  onOpen(job.id);
                }}
              >
                #{job.id} · {formatDate(job.start)} – {formatDate(job.end)}
              </a>{" "}
              <span class="badge">{STATUS_LABEL[job.status]}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function GeneratePage({ me }: { me: Me }) {
  const { query, route } = useLocation();
  const jobId = positiveInt(query.job);
  const [teams, setTeams] = useState<Team[] | null>(null);
  const [teamsError, setTeamsError] = useState<unknown>(null);
  const [teamId, setTeamId] = useState<number | null>(positiveInt(query.team));
  const [loadedJob, setLoadedJob] = useState<JobDetail | null>(null);
  const [openStatus, setOpenStatus] = useState<string | null>(null);

  useEffect(() => {
    getAll<Team>("/api/teams").then((all) => {
      setTeams(all);
      setTeamId((chosen) => (chosen !== null && all.some((t) => t.id === chosen) ? chosen : (all[0]?.id ?? null)));
    }, setTeamsError);
  }, []);

  const openJob = (id: number) => route(`/generate?job=${id}`);
  const onLoaded = useCallback((job: JobDetail) => {
    setLoadedJob(job);
    setTeamId(job.team_id);
  }, []);

  if (teams === null) return <section class="page">{teamsError ? <ErrorNotice error={teamsError} /> : <Spinner />}</section>;

  const initial = loadedJob && loadedJob.id === jobId ? { start: loadedJob.start, end: loadedJob.end, timeLimit: loadedJob.time_limit_seconds, replan: loadedJob.replan } : undefined;

  return (
    <section class="page gen-page">
      <header class="page__header">
        <h1>Generate a roster</h1>
        {jobId !== null && (
          <button type="button" class="button" onClick={() => route(teamId !== null ? `/generate?team=${teamId}` : "/generate")}>
            Close the run
          </button>
        )}
      </header>
      {teams.length === 0 ? (
        <p>Your organization has no teams yet: add one first.</p>
      ) : (
        <div class={`gen-layout${jobId !== null ? " gen-layout--run" : ""}`}>
          <div class="gen-aside">
            <RunForm key={initial ? `job-${jobId}` : "new"} teams={teams} teamId={teamId} onTeam={setTeamId} initial={initial} onStarted={(job) => openJob(job.id)} onOpenJob={openJob} />
            {teamId !== null && <RecentRuns teamId={teamId} openId={jobId} openStatus={openStatus} onOpen={openJob} />}
          </div>
          <div class="gen-main">
            {jobId !== null ? (
              <JobPanel jobId={jobId} teams={teams} timeZone={me.organization.timezone} onLoaded={onLoaded} onStatus={setOpenStatus} />
            ) : (
              <div class="card gen-empty">
                <h2>How it works</h2>
                <ol>
                  <li>Pick the team and the days to plan (up to a year: 366), and how long the solver may search.</li>
                  <li>Watch the best roster's cost (the objective) fall and the proved bound rise; stop when they are close enough.</li>
                  <li>Compare the proposal with the current schedule, analyst by analyst, then apply it.</li>
                </ol>
              </div>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
